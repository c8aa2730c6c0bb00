import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { ErrorCode, GatewayError, isGatewayError } from '../../src/errors.js';
import { selectedFieldNames, selectedNodeFieldNames } from '../../src/resolvers/selection.js';
import { parse, Kind, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';

describe('GatewayError', () => {
  it('carries no stack trace: it is an expected outcome, and capturing one is what made an error answer cost more than a success', () => {
    const error = new GatewayError(ErrorCode.NOT_FOUND, undefined, { provider: 'BELLADATI' });
    expect(error.stack).not.toMatch(/\n\s+at /);
    expect(error.message).toBe('User not found.');
    expect(error.extensions).toEqual({ code: 'NOT_FOUND', provider: 'BELLADATI' });
    expect(isGatewayError(error)).toBe(true);
    expect(error).toBeInstanceOf(GraphQLError);
  });

  it('leaves the stack trace of every other error as it was', () => {
    const before = Error.stackTraceLimit;
    new GatewayError(ErrorCode.PROVIDER_UNAVAILABLE);
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('a bug').stack).toMatch(/\n\s+at /);
    expect(new GraphQLError('a request error').stack).toMatch(/\n\s+at /);
  });
});

describe('selected field names', () => {
  const document = parse(`
    query { a: user(provider: PASSBOLT, id: "1") { id ...f ... on PassboltUser { gpgkey { fingerprint } } }
            b: users(provider: PASSBOLT) { edges { node { username ...f } } } }
    fragment f on User { email }
  `);
  const operation = document.definitions[0] as OperationDefinitionNode;
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const [user, users] = operation.selectionSet.selections as FieldNode[];

  it('walks fragments and inline fragments once per field node, then answers the same set for the same node', () => {
    const first = selectedFieldNames([user!], fragments);
    expect([...first].sort()).toEqual(['email', 'gpgkey', 'id']);
    expect(selectedFieldNames([user!], fragments)).toBe(first);
    const nodes = selectedNodeFieldNames([users!], fragments);
    expect([...nodes].sort()).toEqual(['email', 'username']);
    expect(selectedNodeFieldNames([users!], fragments)).toBe(nodes);
  });

  it('a response key written twice (two nodes) is walked for both', () => {
    expect([...selectedFieldNames([user!, users!], fragments)].sort()).toEqual(['edges', 'email', 'gpgkey', 'id']);
  });
});
