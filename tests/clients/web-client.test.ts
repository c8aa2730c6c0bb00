import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../examples/web-client/main.js';
import { createUsergraphClient } from '../../examples/web-client/client.js';
import { MeDocument } from '../../examples/web-client/__generated__/graphql.js';
import { describeUser } from '../../examples/web-client/describe-user.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startStack, type Stack } from '../helpers/stack.js';

const ALL_CREDENTIALS = Object.assign({}, ...Object.values(DEMO_CREDENTIALS)) as Record<string, string>;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `examples/web-client/main.ts <url>` as a user would (node with tsx), without blocking this process's servers. */
function runExample(url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/web-client/main.ts', url], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the example typed web client against a live gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('fetches the caller on all four providers with the generated documents and narrows each card', async () => {
    const lines: string[] = [];
    const data = await run(stack.url, ALL_CREDENTIALS, (line) => lines.push(line));
    expect(data).not.toBeNull();
    expect(Object.values(data!).map((u) => u?.__typename)).toEqual(['SyncanoUser', 'DroplitUser', 'PassboltUser', 'BellaDatiUser']);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^SYNCANO 1 geralt \| profile revision 1, groups witchers$/);
    expect(lines[1]).toMatch(/^DROPLIT C573b86eeee43dd7ba0244f8a;test .*\| ecosystem C573b86eeee43dd7ba0244f8a, access /);
    expect(lines[2]).toMatch(/^PASSBOLT f848277c-5398-58f8-a82a-72397af2d450 .*\| role admin, key /);
    expect(lines[3]).toMatch(/^BELLADATI 123 .*\| domain \d+, first login 2012-01-14T15:33:28Z$/);
    expect(lines[4]).toBe(lines[2]);
  });

  it('returns partial data plus typed errors when one provider refuses the caller', async () => {
    const client = createUsergraphClient({ url: stack.url, headers: { ...ALL_CREDENTIALS, 'X-Passbolt-Token': 'not.a-valid.token' } });
    const passbolt = await client.request(MeDocument, { provider: 'PASSBOLT' });
    expect(passbolt.data).toEqual({ me: null });
    expect(passbolt.errors[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: 'PASSBOLT' });
    const belladati = await client.request(MeDocument, { provider: 'BELLADATI' });
    expect(belladati.errors).toEqual([]);
    expect(describeUser(belladati.data!.me!)).toContain('BELLADATI 123');
  });

  it('runs from the command line against the gateway URL given as its argument', async () => {
    const result = await runExample(stack.url);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^SYNCANO 1 geralt /);
    expect(lines[3]).toMatch(/^BELLADATI 123 /);
  });

  it('prints one line, no stack trace, and exits 1 when nothing listens at the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    const result = await runExample(url);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`cannot reach the gateway at ${url}: connection refused\n`);
  });

  it('prints one line and exits 1 when the URL answers but is not the gateway', async () => {
    const url = `${stack.sims.droplit.url}/graphql`;
    const result = await runExample(url);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`the server at ${url} answered HTTP 404 without a GraphQL response: is it the gateway's /graphql URL?\n`);
  });
});
