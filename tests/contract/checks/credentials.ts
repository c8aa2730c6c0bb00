/**
 * Credentials: missing or repeated ones are refused before any upstream call, and a provider's
 * credentials never reach another provider, a response or a log line (canary values: distinct
 * strings found nowhere else, so any appearance is a leak).
 */
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { CONTRACT_ENV, allSims, postRaw, sim } from '../context.js';
import type { Checks } from './check.js';

export const credentialChecks: Checks = (f) => [
  {
    name: 'without credentials: UNAUTHENTICATED MISSING_CREDENTIALS on every field, with no upstream call',
    async run({ stack }) {
      const query = `query($a: ID!, $b: ID!) { a: user(provider: ${f.provider}, id: $a) { id } b: user(provider: ${f.provider}, id: $b) { id } me: me(provider: ${f.provider}) { id } }`;
      const res = await stack.gql(query, { a: f.known.id, b: f.others[0] }, {});
      expect(res.status).toBe(200);
      expect(res.body.data, res.text).toEqual({ a: null, b: null, me: null });
      expect(res.body.errors).toHaveLength(3);
      for (const error of res.body.errors) expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', provider: f.provider, reason: 'MISSING_CREDENTIALS' });
      for (const [, s] of allSims(stack)) expect(s.requests()).toHaveLength(0);
    },
  },
  {
    name: `a credential header sent twice: UNAUTHENTICATED MALFORMED_CREDENTIALS, with no upstream call, naming neither value`,
    async run({ stack }) {
      const value = f.headers[f.credentialHeader] ?? f.me.headers[f.credentialHeader];
      expect(value, `${f.credentialHeader} is one of the fixture's headers`).toBeDefined();
      const headers: Record<string, string | string[]> = { ...f.headers, ...f.me.headers, [f.credentialHeader]: [value!, `${value}x`] };
      const res = await postRaw(stack.url, { query: `query($id: ID!) { user(provider: ${f.provider}, id: $id) { id } }`, variables: { id: f.known.id } }, headers);
      expect(res.body.data, res.text).toEqual({ user: null });
      expect(res.body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', provider: f.provider, reason: 'MALFORMED_CREDENTIALS' });
      expect(res.body.errors[0].message).toContain(f.credentialHeader);
      expect(res.text).not.toContain(value);
      expect(sim(stack, f).requests()).toHaveLength(0);
    },
  },
  {
    name: "with every provider's credential headers holding canaries: only this provider is called, and no canary reaches another provider, a response or a log line",
    async run({ all, startStack }) {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const stack = await startStack({ env: { ...CONTRACT_ENV }, logger: createLogger({ level: 'debug' }, sink) });
      try {
        const headers = Object.assign({}, ...all.map((other) => other.canaryHeaders)) as Record<string, string>;
        const canaries = Object.values(headers);
        expect(new Set(canaries).size, 'canaries are distinct').toBe(canaries.length);
        const res = await stack.gql(
          `query($id: ID!) { u: user(provider: ${f.provider}, id: $id) { id username } m: me(provider: ${f.provider}) { id username } }`,
          { id: f.known.id },
          headers,
        );
        expect(res.status).toBe(200);
        expect(sim(stack, f).requests().length, 'the provider was asked').toBeGreaterThan(0);
        for (const [key, other] of allSims(stack)) if (key !== f.sim) expect(other.requests(), `${key} saw a request`).toHaveLength(0);
        const upstream = JSON.stringify(sim(stack, f).requests());
        for (const other of all) {
          if (other === f) continue;
          for (const canary of Object.values(other.canaryHeaders)) expect(upstream, `${other.provider}'s canary reached ${f.provider}`).not.toContain(canary);
        }
        const logs = lines.join('');
        expect(logs.length, 'the gateway logged the request').toBeGreaterThan(0);
        for (const canary of canaries) {
          expect(res.text).not.toContain(canary);
          expect(logs).not.toContain(canary);
        }
      } finally {
        await stack.close();
      }
    },
  },
];
