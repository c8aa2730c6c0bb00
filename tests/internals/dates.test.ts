import fc from 'fast-check';
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

  it.each([
    ['2020-02-29T00:00:00Z', '2020-02-29T00:00:00Z'],
    ['2000-02-29T12:00:00+00:00', '2000-02-29T12:00:00Z'],
    ['2019-02-29T00:00:00Z', null],
    ['2100-02-29T00:00:00Z', null],
    ['2019-04-31T00:00:00Z', null],
    ['2019-13-01T00:00:00Z', null],
    ['2019-00-10T00:00:00Z', null],
    ['2019-01-01T12:60:00Z', null],
    ['2019-06-01 08:09:10z', '2019-06-01T08:09:10Z'],
    ['2019-06-01T08:09:10-00:00', '2019-06-01T08:09:10Z'],
  ])('checks the calendar of an already-UTC %s', (raw, expected) => {
    expect(isoToRfc3339Utc(raw)).toBe(expected);
  });

  it('agrees with Date for any instant, written in UTC or with an offset (fast-check, fixed seed)', () => {
    const instant = fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true });
    fc.assert(
      fc.property(instant, fc.integer({ min: -14 * 60, max: 14 * 60 }), (date, offset) => {
        const iso = date.toISOString();
        expect(isoToRfc3339Utc(iso)).toBe(iso);
        expect(isoToRfc3339Utc(iso.replace('Z', '+00:00'))).toBe(iso);
        // The same instant as local time at `offset` minutes from UTC.
        const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23);
        const sign = offset < 0 ? '-' : '+';
        const abs = Math.abs(offset);
        const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        if (Number(local.slice(0, 4)) >= 1000) expect(isoToRfc3339Utc(`${local}${zone}`)).toBe(iso);
      }),
      { seed: 20261123, numRuns: 2000 },
    );
  });

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
