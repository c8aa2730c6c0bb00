/**
 * A parser and evaluator for the SCIM filter grammar (RFC 7644 §3.4.2.2, Figure 1), the part a user
 * directory needs: `attrPath op value` with `eq ne co sw ew gt ge lt le`, `attrPath pr`, `and`, `or`,
 * `not ( … )` and parentheses, values as JSON strings, numbers, `true`, `false` or `null`. Attribute
 * paths are case-insensitive and may be dotted (`name.familyName`, `emails.value`) or carry a schema
 * URN prefix. Complex-attribute filters (`emails[type eq "work"]`) are not parsed: like any filter the
 * server cannot evaluate, they are refused with 400 `invalidFilter`.
 */

export type Filter =
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  | { kind: 'pr'; path: string }
  | { kind: 'compare'; op: CompareOp; path: string; value: string | number | boolean | null };

type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
const COMPARE_OPS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

export class FilterError extends Error {}

type Token = { type: 'word'; text: string } | { type: 'string'; text: string } | { type: '(' } | { type: ')' };

/** The longest filter the simulator reads (a real server bounds it too). */
const MAX_FILTER_LENGTH = 16_384;
/** Deepest parenthesis nesting read (the parser recurses once per level). */
const MAX_NESTING = 32;

function tokenize(input: string): Token[] {
  if (input.length > MAX_FILTER_LENGTH) throw new FilterError('filter too long');
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ type: c });
      i++;
    } else if (c === '"') {
      // A JSON string: find its closing quote, skipping escapes, and let JSON.parse read it.
      let j = i + 1;
      while (j < input.length && input[j] !== '"') j += input[j] === '\\' ? 2 : 1;
      if (j >= input.length) throw new FilterError('unterminated string');
      try {
        tokens.push({ type: 'string', text: JSON.parse(input.slice(i, j + 1)) as string });
      } catch {
        throw new FilterError('bad string');
      }
      i = j + 1;
    } else if (c === '[' || c === ']') {
      throw new FilterError('complex attribute filters are not supported');
    } else {
      let j = i;
      while (j < input.length && !' \t()"[]'.includes(input[j]!)) j++;
      tokens.push({ type: 'word', text: input.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

/** Parses a filter; throws FilterError for anything outside the supported grammar. */
export function parseFilter(input: string): Filter {
  const tokens = tokenize(input);
  let pos = 0;
  const peekWord = () => {
    const t = tokens[pos];
    return t?.type === 'word' ? t.text.toLowerCase() : undefined;
  };
  const parseOr = (): Filter => {
    let left = parseAnd();
    while (peekWord() === 'or') {
      pos++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Filter => {
    let left = parseUnary();
    while (peekWord() === 'and') {
      pos++;
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): Filter => {
    const t = tokens[pos];
    if (!t) throw new FilterError('unexpected end of filter');
    if (peekWord() === 'not') {
      pos++;
      if (tokens[pos]?.type !== '(') throw new FilterError('not must be followed by (');
      return { kind: 'not', filter: parseGroup() };
    }
    if (t.type === '(') return parseGroup();
    if (t.type !== 'word') throw new FilterError('expected an attribute path');
    pos++;
    const path = t.text;
    if (!/^(urn:[\w.:-]+:)?[a-z$][\w$-]*(\.[a-z$][\w$-]*)?$/i.test(path)) throw new FilterError('bad attribute path');
    const op = peekWord();
    if (op === undefined) throw new FilterError('expected an operator');
    pos++;
    if (op === 'pr') return { kind: 'pr', path };
    if (!COMPARE_OPS.has(op)) throw new FilterError('unknown operator');
    const v = tokens[pos++];
    if (!v || v.type === '(' || v.type === ')') throw new FilterError('expected a value');
    let value: string | number | boolean | null;
    if (v.type === 'string') value = v.text;
    else if (v.text === 'true' || v.text === 'false') value = v.text === 'true';
    else if (v.text === 'null') value = null;
    else if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v.text)) value = Number(v.text);
    else throw new FilterError('bad value');
    return { kind: 'compare', op: op as CompareOp, path, value };
  };
  let depth = 0;
  const parseGroup = (): Filter => {
    if (++depth > MAX_NESTING) throw new FilterError('filter nested too deeply');
    pos++; // (
    const inner = parseOr();
    if (tokens[pos]?.type !== ')') throw new FilterError('missing )');
    pos++;
    depth--;
    return inner;
  };
  const filter = parseOr();
  if (pos !== tokens.length) throw new FilterError('trailing input');
  return filter;
}

const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:user';

/** Attributes compared case-sensitively (`caseExact: true`, RFC 7643 §3.1). */
const CASE_EXACT = new Set(['id', 'externalid', 'meta.location', 'meta.version']);

/** The values at `path` in `resource` (a multi-valued attribute yields each of its values). */
function valuesAt(resource: Record<string, unknown>, path: string): unknown[] {
  const pick = (obj: unknown, name: string): unknown => {
    if (obj === null || typeof obj !== 'object') return undefined;
    const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : (obj as Record<string, unknown>)[key];
  };
  // A URN prefix names the schema (RFC 7644 §3.10): the core schema's attributes are top-level,
  // an extension's live in the object under its URN.
  const colon = path.lastIndexOf(':');
  const urn = colon === -1 ? undefined : path.slice(0, colon);
  const container = urn === undefined || urn.toLowerCase() === CORE_USER_SCHEMA ? resource : pick(resource, urn);
  const [head, sub] = path.slice(colon + 1).split('.') as [string, string | undefined];
  const top = pick(container, head);
  const items = Array.isArray(top) ? top : [top];
  // A multi-valued attribute without a sub-attribute compares its `value`s (RFC 7644 §3.4.2.2).
  const leaf = sub ?? (Array.isArray(top) ? 'value' : undefined);
  const out = leaf === undefined ? items : items.map((item) => pick(item, leaf));
  return out.filter((v) => v !== undefined && v !== null);
}

function compare(op: CompareOp, actual: unknown, expected: string | number | boolean | null, caseExact: boolean): boolean {
  if (expected === null) return op === 'ne' ? actual !== null : false;
  if (typeof expected === 'boolean' || typeof expected === 'number') {
    if (op === 'eq') return actual === expected;
    if (op === 'ne') return actual !== expected;
    if (typeof expected === 'number' && typeof actual === 'number') {
      return op === 'gt' ? actual > expected : op === 'ge' ? actual >= expected : op === 'lt' ? actual < expected : op === 'le' ? actual <= expected : false;
    }
    return false;
  }
  if (typeof actual !== 'string') return false;
  const a = caseExact ? actual : actual.toLowerCase();
  const e = caseExact ? expected : expected.toLowerCase();
  switch (op) {
    case 'eq':
      return a === e;
    case 'ne':
      return a !== e;
    case 'co':
      return a.includes(e);
    case 'sw':
      return a.startsWith(e);
    case 'ew':
      return a.endsWith(e);
    case 'gt':
      return a > e;
    case 'ge':
      return a >= e;
    case 'lt':
      return a < e;
    case 'le':
      return a <= e;
  }
}

export function matches(filter: Filter, resource: Record<string, unknown>): boolean {
  switch (filter.kind) {
    case 'and':
      return matches(filter.left, resource) && matches(filter.right, resource);
    case 'or':
      return matches(filter.left, resource) || matches(filter.right, resource);
    case 'not':
      return !matches(filter.filter, resource);
    case 'pr':
      return valuesAt(resource, filter.path).some((v) => v !== '' && !(Array.isArray(v) && v.length === 0));
    case 'compare': {
      const values = valuesAt(resource, filter.path);
      const caseExact = CASE_EXACT.has(filter.path.toLowerCase());
      if (filter.op === 'ne') return values.length === 0 || values.every((v) => compare('ne', v, filter.value, caseExact));
      return values.some((v) => compare(filter.op, v, filter.value, caseExact));
    }
  }
}
