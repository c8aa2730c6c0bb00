import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, membersListKey, usersListKey } from '../../src/cursor.js';
import { countUpstreamDemand, demandCost } from '../../src/plugins/operation-limits.js';

describe('connection cursors', () => {
  const key = usersListKey({ search: 'ada' });

  it('give back the state they wrap, for the same provider and list', () => {
    expect(decodeCursor(encodeCursor('PASSBOLT', key, 40), 'PASSBOLT', key)).toBe(40);
    expect(decodeCursor(encodeCursor('SCIM', key, 'pk:"a b"'), 'SCIM', key)).toBe('pk:"a b"');
  });

  it('are the same text for the same state, so they work across replicas and restarts', () => {
    expect(encodeCursor('PASSBOLT', key, 2)).toBe(encodeCursor('PASSBOLT', usersListKey({ search: 'ada' }), 2));
  });

  it('tell lists apart by kind, filter and group', () => {
    expect(usersListKey({ search: 'ada' })).not.toBe(usersListKey({ email: 'ada' }));
    expect(usersListKey({ active: true })).not.toBe(usersListKey({}));
    expect(membersListKey('1')).not.toBe(membersListKey('2'));
    expect(membersListKey('1').startsWith('members:')).toBe(true);
  });

  it('refuse a cursor whose payload was re-encoded with another state but the old tag', () => {
    const cursor = encodeCursor('PASSBOLT', key, 2);
    const [, tag] = cursor.split('.');
    const forged = `${Buffer.from(JSON.stringify({ v: 1, p: 'PASSBOLT', k: key, s: 99 })).toString('base64url')}.${tag}`;
    expect(() => decodeCursor(forged, 'PASSBOLT', key)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', provider: 'PASSBOLT' }));
  });

  it('refuse an overlong cursor before reading it', () => {
    expect(() => decodeCursor('a'.repeat(5000), 'PASSBOLT', key)).toThrow(/too long/);
  });
});

describe('upstream demand of directory fields', () => {
  const demandOf = (query: string, variables: Record<string, unknown> = {}) => {
    const document = parse(query);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    return countUpstreamDemand(operation, fragments, variables);
  };

  it('counts a list by its pages, one call for a provider that answers the whole list at once', () => {
    const demand = demandOf(`{ users(provider: SCIM, first: 100) { totalCount } }`)!.get('SCIM')!;
    expect(demandCost(demand, { listPageSize: 30 })).toBe(4);
    expect(demandCost(demand, { listPageSize: Infinity })).toBe(1);
    expect(demandCost(demand, {})).toBe(1);
  });

  it('counts the default first of 20 and a first given in a variable', () => {
    expect(demandCost(demandOf(`{ users(provider: SCIM) { totalCount } }`)!.get('SCIM')!, { listPageSize: 10 })).toBe(2);
    expect(demandCost(demandOf(`query ($n: Int) { users(provider: SCIM, first: $n) { totalCount } }`, { n: 31 })!.get('SCIM')!, { listPageSize: 10 })).toBe(4);
  });

  it('counts nothing for a first the field refuses without a call', () => {
    expect(demandCost(demandOf(`{ users(provider: SCIM, first: 0) { totalCount } }`)!.get('SCIM')!, { listPageSize: 10 })).toBe(0);
  });

  it('multiplies a members list by the first of the list it is nested in, through fragments', () => {
    const demand = demandOf(`{ users(provider: SCIM, first: 10) { edges { node { ...G } } } group(provider: SCIM, id: "g") { members(first: 3) { totalCount } } }
      fragment G on User { groups { members(first: 5) { totalCount } } }`)!.get('SCIM')!;
    // 1 list + 10 nested lists + 1 group + 1 members list.
    expect(demandCost(demand, { listPageSize: 100 })).toBe(13);
  });

  it('gives up on fragments spread exponentially', () => {
    const levels = 20;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on User { groups { ${i + 1 < levels ? `a: members { edges { node { ...F${i + 1} } } } b: members { edges { node { ...F${i + 1} } } }` : 'id'} } }`).join('\n');
    expect(demandOf(`{ user(provider: SCIM, id: "1") { ...F0 } }\n${fragments}`)).toBeUndefined();
  });
});
