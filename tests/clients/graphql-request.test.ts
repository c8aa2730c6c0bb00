/**
 * graphql-request 7 with its defaults (POST, JSON) against a live gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientError, GraphQLClient, gql } from 'graphql-request';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startStack, type Stack } from '../helpers/stack.js';

describe('graphql-request (default options) against the gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('reads users of two providers in one request, each with its own credentials', async () => {
    const client = new GraphQLClient(stack.url, { headers: { ...DEMO_CREDENTIALS.BELLADATI, ...DEMO_CREDENTIALS.SYNCANO } });
    const data = await client.request<any>(gql`
      query Two($id: ID!) {
        b: me(provider: BELLADATI) { id username groups { id provider groupId name } }
        s: user(provider: SYNCANO, id: $id) { id username groups { id provider groupId name } }
      }
    `, { id: '1' });
    expect(data.b).toEqual({
      id: '123',
      username: 'myusername@example.com',
      groups: [{ id: 'BELLADATI:56', provider: 'BELLADATI', groupId: '56', name: 'My User Group nr.1' }],
    });
    expect(data.s).toEqual({ id: '1', username: 'geralt', groups: [{ id: 'SYNCANO:1', provider: 'SYNCANO', groupId: '1', name: 'witchers' }] });
  });

  it('surfaces a gateway error with its stable code', async () => {
    const client = new GraphQLClient(stack.url, { headers: { ...DEMO_CREDENTIALS.PASSBOLT } });
    const error = await client.request(gql`{ user(provider: PASSBOLT, id: "42") { id } }`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
