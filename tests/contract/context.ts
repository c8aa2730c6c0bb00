/**
 * What every contract check receives: the provider's fixture, a running stack shared by the checks
 * (one attempt per upstream call, so simulator request counts are exact), and helpers that read the
 * schema and the simulators without naming any provider.
 */
import { request } from 'node:http';
import { buildSchema, getNamedType, isObjectType, type GraphQLField, type GraphQLInterfaceType } from 'graphql';
import { loadTypeDefsWithDirectives } from '../../src/schema.js';
import { loadDemoData } from '../../src/simulators/index.js';
import type { RunningSimulator } from '../../src/simulators/http-simulator.js';
import type { GraphQLResult, Stack, StartStackOptions } from '../helpers/stack.js';
import type { ContractFixture, RawSection } from './fixture.js';

export interface CheckContext {
  fixture: ContractFixture;
  /** Every fixture of the suite (isolation sends all their canaries). */
  all: readonly ContractFixture[];
  stack: Stack;
  /** Starts a stack of its own (tolerant reading, a logger); the check closes it. */
  startStack(options?: StartStackOptions): Promise<Stack>;
}

/** Short timeouts, one attempt per call, breaker and retry budget out of the way. */
export const CONTRACT_ENV = {
  UPSTREAM_TIMEOUT_MS: '1000',
  REQUEST_DEADLINE_MS: '2500',
  UPSTREAM_RETRIES: '0',
  BREAKER_CONSECUTIVE_FAILURES: '100000',
  BREAKER_MINIMUM_CALLS: '100000',
  UPSTREAM_RETRY_BUDGET_MIN_PER_SECOND: '1000',
} as const;

/**
 * The interface's fields as a selection set, every object field expanded to its scalar leaves. Fields
 * that take arguments (`Group.members`, a connection: another read, not part of the record) are left out.
 */
function selectionOf(fields: Record<string, GraphQLField<unknown, unknown>>, depth = 0): string {
  return Object.values(fields)
    .filter((field) => field.args.length === 0)
    .map((field) => {
      const type = getNamedType(field.type);
      if (isObjectType(type) && depth < 3) return `${field.name} { ${selectionOf(type.getFields(), depth + 1)} }`;
      return isObjectType(type) ? '' : field.name;
    })
    .filter(Boolean)
    .join(' ');
}

// Built from the SDL here (not with the gateway's executable schema, whose graphql-tools may load
// graphql's other module format) so the type checks below are of one graphql instance.
const USER_INTERFACE = buildSchema(loadTypeDefsWithDirectives().join('\n')).getType('User') as GraphQLInterfaceType;

/** The names of every field of the `User` interface: what "every unified field" means. */
export const UNIFIED_FIELDS: readonly string[] = Object.keys(USER_INTERFACE.getFields());

/** `{ <every unified field> }`, from the schema, so a new unified field is checked everywhere at once. */
export const UNIFIED_SELECTION = `{ ${selectionOf(USER_INTERFACE.getFields())} }`;

export const sim = (stack: Stack, f: ContractFixture): RunningSimulator => simByKey(stack, f.sim);

export function simByKey(stack: Stack, key: string): RunningSimulator {
  const found = (stack.sims as unknown as Record<string, RunningSimulator | undefined>)[key];
  if (!found || typeof found.requests !== 'function') throw new Error(`no simulator "${key}" in the stack`);
  return found;
}

/** Every simulator of the stack, by key. */
export function allSims(stack: Stack): Array<[string, RunningSimulator]> {
  return Object.entries(stack.sims as unknown as Record<string, unknown>).filter(
    (entry): entry is [string, RunningSimulator] => typeof (entry[1] as RunningSimulator | undefined)?.requests === 'function',
  );
}

/** A fresh copy of one provider's simulator demo data section. */
export function demoSection(key: string): RawSection {
  return (loadDemoData() as unknown as Record<string, RawSection>)[key]!;
}

/** `query($id: ID!) { user(provider: P, id: $id) <selection> }`. */
export const userQuery = (f: ContractFixture, selection = '{ id }') => `query($id: ID!) { user(provider: ${f.provider}, id: $id) ${selection} }`;

/** The one error of a single-field response, after checking the field is null and the error is alone. */
export function onlyError(res: GraphQLResult, field = 'user'): { path: string[]; extensions: Record<string, unknown>; message: string } {
  if (res.status !== 200 || res.body.data?.[field] !== null || res.body.errors?.length !== 1) {
    throw new Error(`expected one error and a null ${field}, got ${res.status} ${res.text.slice(0, 400)}`);
  }
  return res.body.errors[0];
}

/**
 * POSTs an operation with `headers`, where a list value is sent as that many header lines (fetch
 * would join them into one): what a client repeating a credential header sends.
 */
export function postRaw(url: string, body: unknown, headers: Record<string, string | string[]>): Promise<GraphQLResult> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: GraphQLResult['body'] = {};
        try {
          parsed = JSON.parse(text) as GraphQLResult['body'];
        } catch {
          // left empty: assertions read `text`
        }
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') out.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers: out, body: parsed, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Clears every simulator's request record (all of them, whatever providers are registered). */
export function clearRequests(stack: Stack): void {
  for (const [, s] of allSims(stack)) s.clearRequests();
}
