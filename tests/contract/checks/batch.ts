/**
 * The batch contract over HTTP: a batch yields one result per id, each in its own field (a user, a
 * missing user, an id refused before any call), and costs the provider's documented number of upstream
 * calls: one per id, or one per `idsPerCall` ids where the provider reads many in one call.
 */
import { expect } from 'vitest';
import { sim } from '../context.js';
import type { Checks } from './check.js';

export const batchChecks: Checks = (f) => [
  {
    name: 'a batch of three users, a missing one and an invalid one: one field each, for the documented number of upstream calls',
    async run({ stack }) {
      const ids = { a: f.known.id, b: f.others[0], c: f.others[1], d: f.missing, e: f.invalidIds[0]! };
      const fields = Object.keys(ids).map((k) => `${k}: user(provider: ${f.provider}, id: $${k}) { id }`);
      const res = await stack.gql(`query(${Object.keys(ids).map((k) => `$${k}: ID!`).join(', ')}) { ${fields.join(' ')} }`, ids, f.headers);
      expect(res.status).toBe(200);
      expect(res.body.data, res.text).toEqual({ a: { id: f.known.id }, b: { id: f.others[0] }, c: { id: f.others[1] }, d: null, e: null });
      const byField = Object.fromEntries(res.body.errors.map((e: { path: string[]; extensions: unknown }) => [e.path[0], e.extensions]));
      expect(byField).toEqual({ d: { code: 'NOT_FOUND', provider: f.provider }, e: { code: 'BAD_USER_INPUT', provider: f.provider } });
      const idsPerCall = stack.gateway.registry.get(f.provider)?.idsPerCall ?? 1;
      // Four ids leave the gateway; the invalid one never does.
      expect(sim(stack, f).requests()).toHaveLength(Math.ceil(4 / idsPerCall));
    },
  },
];
