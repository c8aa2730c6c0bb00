import { describe, expect, it } from 'vitest';
import { isoToRfc3339Utc, rfc1123ToRfc3339Utc, toDateTimeValue } from '../../src/providers/dates.js';
import { GatewayError } from '../../src/errors.js';

describe('timestamp normalisation', () => {
  it.each([
    ['2015-05-19T15:52:36.183576Z', '2015-05-19T15:52:36.183576Z'], // Syncano: microseconds kept
    ['2016-11-30T03:12:03.327Z', '2016-11-30T03:12:03.327Z'], // Droplit
    ['2016-11-30T03:12:03Z', '2016-11-30T03:12:03Z'],
    ['2024-07-03T12:52:06+00:00', '2024-07-03T12:52:06Z'], // Passbolt
    ['2019-02-17T14:45:22+02:00', '2019-02-17T12:45:22Z'],
    ['2019-02-17T00:15:00-01:30', '2019-02-17T01:45:00Z'],
    ['2019-12-31T23:30:00-01:00', '2020-01-01T00:30:00Z'],
  ])('reads ISO 8601 %s as %s', (raw, expected) => {
    expect(isoToRfc3339Utc(raw)).toBe(expected);
  });

  it.each(['', 'YYYY-MM-DD HH:MM:SS ENCODED', '2019-02-30T00:00:00Z', '2019-01-01T25:00:00Z', 'yesterday', '2019-01-01'])(
    'refuses %j',
    (raw) => {
      expect(isoToRfc3339Utc(raw)).toBeNull();
    },
  );

  it('reads RFC 1123 and ignores a wrong weekday (BellaDati sample: 14 Jan 2012 was a Saturday)', () => {
    expect(rfc1123ToRfc3339Utc('Thu, 14 Jan 2012 15:33:28 GMT')).toBe('2012-01-14T15:33:28Z');
    expect(rfc1123ToRfc3339Utc('Tue, 12 Apr 2016 11:40:58 GMT')).toBe('2016-04-12T11:40:58Z');
    expect(rfc1123ToRfc3339Utc('12 Apr 2016 11:40:58 +0200')).toBe('2016-04-12T09:40:58Z');
    expect(rfc1123ToRfc3339Utc('Tue, 31 Foo 2016 11:40:58 GMT')).toBeNull();
  });

  it('turns absent values into null and unparseable ones into a PROVIDER_BAD_RESPONSE for that field', () => {
    expect(toDateTimeValue(undefined, isoToRfc3339Utc, 'PASSBOLT', 'created')).toBeNull();
    expect(toDateTimeValue('', isoToRfc3339Utc, 'PASSBOLT', 'last_logged_in')).toBeNull();
    const bad = toDateTimeValue('not a date', isoToRfc3339Utc, 'PASSBOLT', 'created');
    expect(bad).toBeInstanceOf(GatewayError);
    expect((bad as GatewayError).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: 'PASSBOLT' });
    expect((bad as GatewayError).message).not.toContain('not a date');
  });
});
