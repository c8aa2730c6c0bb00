/** Tolerant reading: a record missing a field that does not identify the user is still served. */
import { expect } from 'vitest';
import { CONTRACT_ENV, UNIFIED_SELECTION, demoSection, userQuery } from '../context.js';
import type { Checks } from './check.js';

export const tolerantChecks: Checks = (f) => [
  {
    name: `a record without a non-identity field is still served (${f.tolerant.field} then reads ${JSON.stringify(f.tolerant.expected)})`,
    async run({ startStack }) {
      const section = demoSection(f.sim);
      f.tolerant.remove(section);
      const stack = await startStack({ data: { [f.sim]: section }, env: { ...CONTRACT_ENV } });
      try {
        const res = await stack.gql(userQuery(f, UNIFIED_SELECTION), { id: f.known.id }, f.headers);
        expect(res.body.errors, res.text).toBeUndefined();
        expect(res.body.data.user[f.tolerant.field]).toEqual(f.tolerant.expected);
        expect(f.known.unified[f.tolerant.field], 'the removed field held a value').not.toEqual(f.tolerant.expected);
        expect(res.body.data.user).toEqual({ ...f.known.unified, [f.tolerant.field]: f.tolerant.expected });
      } finally {
        await stack.close();
      }
    },
  },
];
