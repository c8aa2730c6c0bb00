/**
 * The gateway request's headers as the adapters read them: node:http's `req.headersDistinct`, every
 * header (lower-case name) as the list of values it arrived with. `req.headers` joins a repeated
 * `x-…` header with ", ", which would turn two credentials into one odd value; here a header sent
 * twice is two values, and a credential reader refuses it.
 *
 * node:http also reads header bytes as Latin-1 (one character per byte), so a header a client sent
 * as UTF-8 (`X-BellaDati-Username: müller@example.com`) arrives as mojibake; `decodeUtf8Header`
 * recovers what the client sent.
 */

/** Header name (lower case) → every value received, in order. What `req.headersDistinct` is. */
export type RequestHeaders = Readonly<Record<string, readonly string[] | undefined>>;

/** One header: not sent (or empty), sent once, or sent more than once. */
export type HeaderValue = { state: 'absent' } | { state: 'repeated' } | { state: 'present'; value: string };

/** Reads a header that may appear at most once. An empty value counts as absent. */
export function readSingleHeader(headers: RequestHeaders, name: string): HeaderValue {
  const values = Object.hasOwn(headers, name) ? headers[name] : undefined;
  if (values === undefined || values.length === 0 || (values.length === 1 && values[0] === '')) return { state: 'absent' };
  if (values.length > 1) return { state: 'repeated' };
  return { state: 'present', value: values[0]! };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A header value as the UTF-8 text the client sent: node:http gave one character per byte (Latin-1),
 * so the characters are the bytes. Undefined when those bytes are not valid UTF-8.
 */
export function decodeUtf8Header(value: string): string | undefined {
  // Plain ASCII (the common case) reads the same either way.
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(value)) return value;
  try {
    return utf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return undefined;
  }
}

/**
 * `RequestHeaders` from a plain header record (a single value or a list per name; names are
 * lower-cased), for callers that do not hold a node:http request.
 */
export function toRequestHeaders(headers: Readonly<Record<string, string | readonly string[] | undefined>>): RequestHeaders {
  const out: Record<string, readonly string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    out[key] = [...(out[key] ?? []), ...(typeof value === 'string' ? [value] : value)];
  }
  return out;
}
