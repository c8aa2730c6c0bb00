/**
 * Regex cost on untrusted text. Every pattern that runs on upstream or client text must take linear
 * time, whatever the text: a backtracking engine (V8's) can take quadratic or exponential time on a
 * pattern whose repetitions overlap, and one upstream value of up to 1 MiB would then block the whole
 * process. Cost is counted, never timed:
 *
 * - Each exported pattern passes a conservative static check whose acceptance implies a linear
 *   bound on the engine's steps (below): anchored (or free of unbounded repetition), every unbounded
 *   repetition over a single character class, and that class disjoint from every character that can
 *   follow it. A backtracking engine then gives back at most one character per step and each give-back
 *   fails at once, so a match attempt costs O(pattern × input). Known quadratic and exponential
 *   patterns are checked too, so the checker is shown to refuse them.
 * - Checks written as plain scans take a step meter, and a property feeds them adversarial strings up
 *   to the upstream body cap, asserting the steps counted stay within the input's length.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNTRUSTED_TEXT_PATTERNS as BELLADATI_WIRE } from '../../src/providers/belladati/wire.js';
import { UNTRUSTED_TEXT_PATTERNS as DATES } from '../../src/providers/dates.js';
import { UNTRUSTED_TEXT_PATTERNS as DROPLIT_WIRE } from '../../src/providers/droplit/wire.js';
import { UNTRUSTED_TEXT_PATTERNS as PASSBOLT_WIRE } from '../../src/providers/passbolt/wire.js';
import { isWhiteSpace, looksLikeEmail, UNTRUSTED_TEXT_PATTERNS as SYNCANO_MAP, type StepMeter } from '../../src/providers/syncano/map-user.js';
import { UNTRUSTED_TEXT_PATTERNS as SYNCANO_WIRE } from '../../src/providers/syncano/wire.js';

/** The largest upstream body the gateway reads (the default `maxBodyBytes`), so the longest text a field can hold. */
const BODY_CAP = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// A conservative linear-time check for JavaScript regexes (the subset the gateway uses: classes,
// escapes, groups, alternation, greedy and lazy quantifiers, anchors, lookarounds; no backreferences).
// ---------------------------------------------------------------------------------------------

/** Code units 0..0xFFFF, plus END (the end of the input, which `$` needs). */
const END = 0x10000;
type CharSet = Uint8Array;

type Node =
  | { kind: 'set'; chars: CharSet }
  | { kind: 'start' }
  | { kind: 'end' }
  | { kind: 'zero' }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'repeat'; body: Node; min: number; max: number };

/** Repetitions bounded above this count are treated as unbounded. */
const LARGE_BOUND = 256;

const setCache = new Map<string, CharSet>();

/** The exact members of one character token (a class, an escape, `.` or a literal), asked of the engine itself. */
function charsOf(token: string, flags: string): CharSet {
  const key = `${flags}/${token}`;
  const cached = setCache.get(key);
  if (cached) return cached;
  const single = new RegExp(`^(?:${token})$`, flags.replace(/[gmy]/g, ''));
  const chars = new Uint8Array(END + 1);
  for (let c = 0; c < END; c++) chars[c] = single.test(String.fromCharCode(c)) ? 1 : 0;
  setCache.set(key, chars);
  return chars;
}

function parse(source: string, flags: string): { root: Node; lookarounds: Node[] } {
  let i = 0;
  const lookarounds: Node[] = [];

  function alternation(): Node {
    const options = [sequence()];
    while (source[i] === '|') {
      i++;
      options.push(sequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  }

  function sequence(): Node {
    const items: Node[] = [];
    while (i < source.length && source[i] !== '|' && source[i] !== ')') items.push(quantified());
    return items.length === 1 ? items[0]! : { kind: 'seq', items };
  }

  function quantified(): Node {
    const body = atom();
    let min: number;
    let max: number;
    const c = source[i];
    const braces = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (braces) {
      min = Number(braces[1]);
      max = braces[2] === undefined ? min : braces[3] === '' ? Infinity : Number(braces[3]);
    } else return body;
    i += braces && c === '{' ? braces[0].length : 1;
    if (source[i] === '?') i++; // lazy: same cost argument
    if (['*', '+', '?', '{'].includes(source[i]!)) throw new Error('a quantifier on a quantifier');
    return { kind: 'repeat', body, min, max };
  }

  function atom(): Node {
    const c = source[i]!;
    if (c === '(') {
      let look = false;
      if (source.startsWith('(?:', i)) i += 3;
      else if (source.startsWith('(?=', i) || source.startsWith('(?!', i)) [i, look] = [i + 3, true];
      else if (source.startsWith('(?<=', i) || source.startsWith('(?<!', i)) [i, look] = [i + 4, true];
      else if (source.startsWith('(?<', i)) i = source.indexOf('>', i) + 1;
      else i++;
      const body = alternation();
      if (source[i] !== ')') throw new Error('unbalanced group');
      i++;
      if (!look) return body;
      lookarounds.push(body);
      return { kind: 'zero' };
    }
    if (c === '[') {
      let j = i + 1;
      while (source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      const token = source.slice(i, j + 1);
      i = j + 1;
      return { kind: 'set', chars: charsOf(token, flags) };
    }
    if (c === '\\') {
      const next = source[i + 1]!;
      if (next === 'b' || next === 'B') {
        i += 2;
        return { kind: 'zero' };
      }
      if (/[1-9k]/.test(next)) throw new Error('backreferences are not linear');
      const length = next === 'u' ? 6 : next === 'x' ? 4 : next === 'c' ? 3 : 2;
      const token = source.slice(i, i + length);
      i += length;
      return { kind: 'set', chars: charsOf(token, flags) };
    }
    i++;
    if (c === '^') return { kind: 'start' };
    if (c === '$') return { kind: 'end' };
    return { kind: 'set', chars: charsOf(c === '.' ? '.' : c.replace(/[{}]/, '\\$&'), flags) };
  }

  const root = alternation();
  if (i !== source.length) throw new Error('unparsed input');
  return { root, lookarounds };
}

const EMPTY: CharSet = new Uint8Array(END + 1);
const ONLY_END: CharSet = (() => {
  const s = new Uint8Array(END + 1);
  s[END] = 1;
  return s;
})();

function union(a: CharSet, b: CharSet): CharSet {
  const out = new Uint8Array(END + 1);
  for (let c = 0; c <= END; c++) out[c] = a[c]! | b[c]!;
  return out;
}

function overlap(a: CharSet, b: CharSet): boolean {
  for (let c = 0; c <= END; c++) if (a[c]! & b[c]!) return true;
  return false;
}

function nullable(node: Node): boolean {
  switch (node.kind) {
    case 'set':
    case 'end':
      return false;
    case 'start':
    case 'zero':
      return true;
    case 'seq':
      return node.items.every(nullable);
    case 'alt':
      return node.options.some(nullable);
    case 'repeat':
      return node.min === 0 || nullable(node.body);
  }
}

/** Characters a match of `node` can start with (END for `$`). */
function first(node: Node): CharSet {
  switch (node.kind) {
    case 'set':
      return node.chars;
    case 'end':
      return ONLY_END;
    case 'start':
    case 'zero':
      return EMPTY;
    case 'seq': {
      let out = EMPTY;
      for (const item of node.items) {
        out = union(out, first(item));
        if (!nullable(item)) break;
      }
      return out;
    }
    case 'alt':
      return node.options.map(first).reduce(union, EMPTY);
    case 'repeat':
      return first(node.body);
  }
}

function unbounded(node: Node): boolean {
  switch (node.kind) {
    case 'seq':
      return node.items.some(unbounded);
    case 'alt':
      return node.options.some(unbounded);
    case 'repeat':
      return node.max > LARGE_BOUND || unbounded(node.body);
    default:
      return false;
  }
}

/** Collects why `node`, followed by something starting with `follow`, could backtrack more than linearly. */
function check(node: Node, follow: CharSet, problems: string[]): void {
  switch (node.kind) {
    case 'seq': {
      let next = follow;
      for (let k = node.items.length - 1; k >= 0; k--) {
        const item = node.items[k]!;
        check(item, next, problems);
        next = nullable(item) ? union(first(item), next) : first(item);
      }
      return;
    }
    case 'alt':
      for (const option of node.options) check(option, follow, problems);
      return;
    case 'repeat': {
      if (node.max > LARGE_BOUND) {
        if (node.body.kind !== 'set') problems.push('an unbounded repetition of more than one character class');
        else if (overlap(node.body.chars, follow)) problems.push('an unbounded repetition whose class overlaps what can follow it');
      }
      check(node.body, node.max > 1 ? union(first(node.body), follow) : follow, problems);
      return;
    }
    default:
      return;
  }
}

function anchoredAtStart(node: Node): boolean {
  if (node.kind === 'start') return true;
  if (node.kind === 'seq') return node.items.length > 0 && anchoredAtStart(node.items[0]!);
  if (node.kind === 'alt') return node.options.every(anchoredAtStart);
  return false;
}

/** Empty when `pattern` is linear by the argument above; otherwise the reasons it may not be. */
function linearityProblems(pattern: RegExp): string[] {
  const problems: string[] = [];
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(pattern.source, pattern.flags);
  } catch (error) {
    return [(error as Error).message];
  }
  const { root, lookarounds } = parsed;
  // Unanchored (or multiline), the engine retries at every position: each attempt must be O(1).
  const retried = pattern.flags.includes('m') || !anchoredAtStart(root);
  if (retried && (unbounded(root) || lookarounds.some(unbounded))) problems.push('an unbounded repetition tried from every position');
  check(root, EMPTY, problems);
  for (const body of lookarounds) check(body, EMPTY, problems);
  return problems;
}

// ---------------------------------------------------------------------------------------------

const EXPORTED: Array<[string, RegExp]> = Object.entries({
  ...prefixed('dates', DATES),
  ...prefixed('syncano/wire', SYNCANO_WIRE),
  ...prefixed('syncano/map-user', SYNCANO_MAP),
  ...prefixed('droplit/wire', DROPLIT_WIRE),
  ...prefixed('passbolt/wire', PASSBOLT_WIRE),
  ...prefixed('belladati/wire', BELLADATI_WIRE),
});

function prefixed(module: string, patterns: Readonly<Record<string, RegExp>>): Record<string, RegExp> {
  return Object.fromEntries(Object.entries(patterns).map(([name, re]) => [`${module} ${name}`, re]));
}

describe('the linearity check itself', () => {
  it.each([
    ['the overlapping email shape', /^[^\s@]+@[^\s@]+\.[^\s@]+$/],
    ['a nested repetition', /^(a+)+$/],
    ['an ambiguous alternation under repetition', /^(a|a)*$/],
    ['an unanchored repetition before $', /\d+$/],
    ['two adjacent repetitions of one class', /^\s*\s*x$/],
    ['a repetition overlapping an optional suffix', /^a*(?:ab)?$/],
    ['an unbounded repetition inside a lookahead tried everywhere', /(?=\w+@)/],
    ['a backreference', /^(a*)\1$/],
  ])('refuses %s', (_name, pattern) => {
    expect(linearityProblems(pattern)).not.toEqual([]);
  });

  it.each([
    ['one anchored class', /^[a-z]+$/],
    ['repetitions separated by disjoint characters', /^\d+-\d+$/],
    ['a literal tried everywhere', /token type not permitted/i],
  ])('accepts %s', (_name, pattern) => {
    expect(linearityProblems(pattern)).toEqual([]);
  });
});

describe('patterns the providers run on upstream or client text', () => {
  it('are exported for this check', () => {
    expect(EXPORTED.length).toBeGreaterThanOrEqual(14);
  });

  it.each(EXPORTED)('%s is linear-time', (_name, pattern) => {
    expect(linearityProblems(pattern)).toEqual([]);
  });
});

describe('Syncano looksLikeEmail (a counted scan in place of a quadratic regex)', () => {
  const OLD_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

  it('matches the JavaScript \\s class exactly, on every UTF-16 code unit', () => {
    for (let c = 0; c < 0x10000; c++) {
      if (isWhiteSpace(c) !== /\s/.test(String.fromCharCode(c))) throw new Error(`U+${c.toString(16)} differs`);
    }
  });

  it('accepts exactly what the former regex accepted (short strings, where the regex is cheap)', () => {
    const alphabet = fc.constantFrom('a', 'b', '@', '.', ' ', '\u00a0', '\t', 'é');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }).map((chars) => chars.join('')), (text) => {
        expect(looksLikeEmail(text)).toBe(OLD_SHAPE.test(text));
      }),
      { seed: 4242, numRuns: 3000 },
    );
    for (const text of ['john@doe.com', 'a@b.c', 'a@.b.c', 'a@b..c']) expect(looksLikeEmail(text)).toBe(true);
    for (const text of ['john@doe', '@doe.com', 'a@b.', 'a@.b', 'a@@b.c', 'a b@c.d', 'a@b.c ', '']) expect(looksLikeEmail(text)).toBe(false);
  });

  it('visits each character at most once on adversarial usernames up to the body cap', () => {
    const unit = fc.constantFrom('.', '@', 'a', 'a@', '@.', '.@', 'a.');
    const adversarial = fc
      .tuple(fc.constantFrom('', 'a', 'a@', '@'), unit, fc.integer({ min: 1, max: BODY_CAP }), fc.constantFrom('', '@', ' ', '.', 'a', '.a'))
      .map(([head, repeated, bytes, tail]) => head + repeated.repeat(Math.max(1, Math.floor(bytes / repeated.length))) + tail);
    fc.assert(
      fc.property(adversarial, (text) => {
        const meter: StepMeter = { steps: 0 };
        looksLikeEmail(text, meter);
        expect(meter.steps).toBeLessThanOrEqual(text.length);
      }),
      { seed: 1729, numRuns: 60 },
    );
  });

  it('reads the reported username ("a@" + 80000 dots + "@") in steps linear in its length', () => {
    const text = `a@${'.'.repeat(80_000)}@`;
    const meter: StepMeter = { steps: 0 };
    expect(looksLikeEmail(text, meter)).toBe(false);
    expect(meter.steps).toBeLessThanOrEqual(text.length);
    const long = `a@b${'.'.repeat(BODY_CAP - 4)}c`;
    const longMeter: StepMeter = { steps: 0 };
    expect(looksLikeEmail(long, longMeter)).toBe(true);
    expect(longMeter.steps).toBe(long.length);
  });
});
