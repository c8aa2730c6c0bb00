/**
 * Timestamp normalisation shared by the adapters: every provider's format in, RFC 3339 UTC out.
 * Fractional seconds are kept with the precision the provider sent (Syncano sends microseconds,
 * which a JS Date would truncate).
 */
import { ErrorCode, GatewayError } from '../errors.js';
import type { DateTimeValue, ProviderName } from '../model.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i;

/** ISO 8601 / RFC 3339 with `Z` or a numeric offset (no offset is read as UTC). Null when unparseable. */
export function isoToRfc3339Utc(raw: string): string | null {
  const m = ISO.exec(raw.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const offsetMinutes = parseOffset(zone);
  // Already UTC (the common case): check the fields and reuse them, no Date round trip.
  if (offsetMinutes === 0 && +s! < 60) {
    const month = +mo!;
    if (month < 1 || month > 12 || +d! < 1 || +d! > daysInMonth(+y!, month) || +h! > 23 || +mi! > 59) return null;
    const utc = `${y}-${mo}-${d}T${h}:${mi}:${s}`;
    return frac ? `${utc}.${frac}Z` : `${utc}Z`;
  }
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!);
  const check = new Date(ms);
  // Reject values Date.UTC silently rolls over (2019-02-30, 25:00).
  if (check.getUTCFullYear() !== +y! || check.getUTCMonth() !== +mo! - 1 || check.getUTCDate() !== +d! || +h! > 23 || +mi! > 59 || +s! > 60) {
    return null;
  }
  const utc = new Date(ms - offsetMinutes * 60_000).toISOString().slice(0, 19);
  return frac ? `${utc}.${frac}Z` : `${utc}Z`;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : DAYS[month - 1]!;
}

function parseOffset(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

const SIGNED = /^[+-]/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const RFC1123 = /^(?:[a-z]{3},\s*)?(\d{1,2})\s+([a-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2}):(\d{2})\s*(GMT|UTC|UT|Z|[+-]\d{4})?$/i;

/**
 * RFC 1123 / RFC 7231 IMF-fixdate (`Tue, 12 Apr 2016 11:40:58 GMT`). The weekday is ignored on
 * purpose: BellaDati's own sample sends a wrong one (14 Jan 2012 was a Saturday, not a Thursday).
 */
export function rfc1123ToRfc3339Utc(raw: string): string | null {
  const m = RFC1123.exec(raw.trim());
  if (!m) return null;
  const [, d, mon, y, h, mi, s, zone] = m;
  const month = MONTHS.indexOf(mon!.toLowerCase());
  if (month < 0) return null;
  const pad = (v: string) => v.padStart(2, '0');
  const offset = zone && SIGNED.test(zone) ? `${zone.slice(0, 3)}:${zone.slice(3)}` : 'Z';
  return isoToRfc3339Utc(`${y}-${pad(String(month + 1))}-${pad(d!)}T${h}:${mi}:${s}${offset}`);
}

/**
 * Builds a model date field: null when the provider sent nothing (null, absent, or ""), the
 * normalised string when it parses, otherwise (an unreadable string, or a number, object or any
 * other type) a `PROVIDER_BAD_RESPONSE` error for that one field.
 */
export function toDateTimeValue(
  raw: unknown,
  parse: (raw: string) => string | null,
  provider: ProviderName,
  field: string,
): DateTimeValue | null {
  if (raw === null || raw === undefined || raw === '') return null;
  const value = typeof raw === 'string' ? parse(raw) : null;
  if (value !== null) return value;
  return new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, `${provider.toLowerCase()}: ${field} is not a valid timestamp`, {
    provider,
    reason: 'BAD_TIMESTAMP',
  });
}

/**
 * The patterns above, which run on provider text: each is anchored and each unbounded repetition
 * is followed by a character it cannot match, so a match attempt is linear in the input.
 */
export const UNTRUSTED_TEXT_PATTERNS: Readonly<Record<string, RegExp>> = { ISO, RFC1123, SIGNED };
