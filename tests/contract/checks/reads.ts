/** Reading users: every unified field of a known user, `me`, a missing user, and what each costs upstream. */
import { expect } from 'vitest';
import { UNIFIED_FIELDS, UNIFIED_SELECTION, clearRequests, onlyError, sim, userQuery } from '../context.js';
import type { Checks } from './check.js';

export const readChecks: Checks = (f) => [
  {
    name: 'the fixture names every unified field of the schema, and only those',
    async run() {
      expect(Object.keys(f.known.unified).sort()).toEqual([...UNIFIED_FIELDS].sort());
    },
  },
  {
    name: 'user by id serves every unified field as documented, for one upstream call',
    async run({ stack }) {
      const res = await stack.gql(userQuery(f, UNIFIED_SELECTION), { id: f.known.id }, f.headers);
      expect(res.body.errors, res.text).toBeUndefined();
      expect(res.body.data.user).toEqual(f.known.unified);
      expect(sim(stack, f).requests()).toHaveLength(1);
    },
  },
  {
    name: 'me serves the caller, field for field as user by its id, and the two share one upstream call in either order',
    async run({ stack }) {
      for (const order of [['me', 'byId'], ['byId', 'me']]) {
        clearRequests(stack);
        const fields = { me: `me: me(provider: ${f.provider}) ${UNIFIED_SELECTION}`, byId: `byId: user(provider: ${f.provider}, id: $id) ${UNIFIED_SELECTION}` };
        const res = await stack.gql(`query($id: ID!) { ${order.map((k) => fields[k as keyof typeof fields]).join(' ')} }`, { id: f.me.id }, f.me.headers);
        expect(res.body.errors, res.text).toBeUndefined();
        expect(res.body.data.me.id).toBe(f.me.id);
        expect(res.body.data.me).toEqual(res.body.data.byId);
        expect(sim(stack, f).requests()).toHaveLength(1);
      }
    },
  },
  {
    name: 'ten aliases of one user, through fragments too, cost one upstream call',
    async run({ stack }) {
      const aliases = Array.from({ length: 10 }, (_, i) => (i % 2 ? `a${i}: user(provider: ${f.provider}, id: $id) { ...F }` : `a${i}: user(provider: ${f.provider}, id: $id) { id username }`));
      const res = await stack.gql(`query($id: ID!) { ${aliases.join(' ')} } fragment F on User { id displayName }`, { id: f.known.id }, f.headers);
      expect(res.body.errors, res.text).toBeUndefined();
      for (let i = 0; i < 10; i++) expect(res.body.data[`a${i}`].id).toBe(f.known.id);
      expect(sim(stack, f).requests()).toHaveLength(1);
    },
  },
  {
    name: 'a well-formed id no user has: a null user and NOT_FOUND from that provider',
    async run({ stack }) {
      const error = onlyError(await stack.gql(userQuery(f), { id: f.missing }, f.headers));
      expect(error.extensions).toEqual({ code: 'NOT_FOUND', provider: f.provider });
      expect(error.path).toEqual(['user']);
    },
  },
  {
    name: 'two requests never share a cached result',
    async run({ stack }) {
      for (let i = 0; i < 2; i++) expect((await stack.gql(userQuery(f), { id: f.known.id }, f.headers)).body.data.user.id).toBe(f.known.id);
      expect(sim(stack, f).requests()).toHaveLength(2);
      const without = onlyError(await stack.gql(userQuery(f), { id: f.known.id }, {}));
      expect(without.extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: f.provider });
    },
  },
];
