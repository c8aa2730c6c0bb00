/**
 * Tolerant reading of upstream user records. Real APIs leave out fields their docs list, or send
 * them with another type; only what identifies a user (its id and username) may fail the whole
 * user. Every other field is read on its own: a value of the wrong type reads as absent, a list
 * keeps the entries it can read whole, and a field the schema declares non-null becomes an error
 * on that one field (graphql-js turns a returned Error into a field error, like DateTimeValue).
 *
 * The wire schemas wrap each such field in `lenient(...)` / `lenientList(...)`; `parseTolerant`
 * notes which of them it had to drop (field names only, never values), and the mapped model carries
 * that note for the adapter's debug log (`droppedFields`).
 */
import { z } from 'zod';
import { ErrorCode, GatewayError } from '../errors.js';
import type { FieldValue, ProviderName } from '../model.js';
import { parseWire } from './wire.js';

/** The field names dropped by the parse in progress (parsing is synchronous, so one list suffices). */
let dropping: string[] | null = null;
const droppedByRecord = new WeakMap<object, readonly string[]>();

function noteDrop(field: string): void {
  if (dropping && !dropping.includes(field)) dropping.push(field);
}

/**
 * `schema`, also accepting null or absence; any other value that does not fit reads as null and
 * its field name is noted. `field` is the dotted path under the body (`profile.first_name`, or
 * `groups[].name` inside a list).
 */
export function lenient<T extends z.ZodType>(schema: T, field: string) {
  return schema.nullish().catch(() => {
    noteDrop(field);
    return null;
  });
}

/**
 * A list whose entries are each checked against `item`: an entry that does not fit is left out
 * (noted), the others are kept; null, absence or a value that is not a list reads as empty.
 */
export function lenientList<T extends z.ZodType>(item: T, field: string) {
  return z
    .unknown()
    .optional()
    .transform((value): Array<z.output<T>> => {
      if (value === null || value === undefined) return [];
      if (!Array.isArray(value)) {
        noteDrop(field);
        return [];
      }
      const out: Array<z.output<T>> = [];
      for (const entry of value) {
        const result = item.safeParse(entry);
        if (result.success) out.push(result.data);
        else noteDrop(`${field}[]`);
      }
      return out;
    });
}

/**
 * Validates `value` with a schema built from `lenient`/`lenientList` around strict identity fields:
 * a bad identity field throws `PROVIDER_BAD_RESPONSE` (as `parseWire`), anything else is read as
 * far as it goes and noted.
 */
export function parseTolerant<T extends z.ZodType>(schema: T, value: unknown, provider: ProviderName, root: string): z.output<T> {
  const outer = dropping;
  dropping = [];
  try {
    const parsed = parseWire(schema, value, provider, root);
    if (dropping.length > 0 && typeof parsed === 'object' && parsed !== null) droppedByRecord.set(parsed, dropping);
    return parsed;
  } finally {
    dropping = outer;
  }
}

/** The names of the fields a parsed record (or the model mapped from it) had to drop; empty when none. */
export function droppedFields(record: object): readonly string[] {
  return droppedByRecord.get(record) ?? [];
}

/** Carries the dropped-field note of `from` (a parsed record) over to `to` (its model); returns `to`. */
export function carryDropped<T extends object>(from: object, to: T): T {
  const dropped = droppedByRecord.get(from);
  if (dropped) droppedByRecord.set(to, dropped);
  return to;
}

/**
 * The value of a field the schema declares non-null: the value itself, or, when the provider sent
 * none that could be read, a `PROVIDER_BAD_RESPONSE` error for that one field (never the value).
 */
export function required<T>(value: T | null | undefined, provider: ProviderName, field: string, expected: string): FieldValue<T> {
  if (value !== null && value !== undefined) return value;
  return new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, `${provider.toLowerCase()}: body.${field}: expected ${expected}`, {
    provider,
    reason: 'BAD_FIELD',
  });
}
