/**
 * Helpers every adapter's `wire.ts` uses: read an upstream body as JSON without trusting it, and
 * check a raw value against a zod schema, naming the first bad field in a `PROVIDER_BAD_RESPONSE`.
 */
import type { z } from 'zod';
import { ErrorCode, GatewayError } from '../errors.js';
import type { ProviderName } from '../model.js';

/** Deepest nesting accepted in an upstream JSON body; user records nest a handful of levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * Parses a body as JSON; `undefined` when it is empty, not JSON (error bodies may be text), or
 * nested deeper than MAX_JSON_DEPTH (JSON.parse copes with deep input, but any recursive walk of it
 * later would not: the depth is bounded before anything maps it).
 */
export function parseJsonBody(body: string): unknown {
  if (body.trim() === '' || jsonDepthExceeds(body, MAX_JSON_DEPTH)) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Validates `value` against `schema`. On failure throws `PROVIDER_BAD_RESPONSE` whose message names
 * the first offending path and what was expected, e.g. "passbolt: body.profile.first_name: expected
 * string". The value itself is never copied into the message.
 */
export function parseWire<T extends z.ZodType>(
  schema: T,
  value: unknown,
  provider: ProviderName,
  root: string,
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [root, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  const expected = issue && 'expected' in issue ? `expected ${String(issue.expected)}` : 'unexpected value';
  return throwBadResponse(provider, `${provider.toLowerCase()}: ${path}: ${expected}`);
}

function throwBadResponse(provider: ProviderName, message: string): never {
  throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, message, { provider });
}

/** True when `text` opens more than `limit` nested arrays/objects (brackets inside strings ignored). */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}
