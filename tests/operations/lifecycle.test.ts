import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startStack } from '../helpers/stack.js';
import { PROVIDERS } from '../../src/providers/registry.js';

const ME_PASSBOLT = JSON.stringify({ query: '{ me(provider: PASSBOLT) { id } }' });
/** Polls until `probe` is true (the test's timeout bounds the wait). */
async function until(probe: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await probe())) await new Promise((r) => setTimeout(r, 20));
}

const post = (url: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...DEMO_CREDENTIALS.PASSBOLT }, body: ME_PASSBOLT });

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, then refuses new connections', async () => {
    const stack = await startStack();
    try {
      stack.sims.passbolt.injectFaults([{ fault: { kind: 'latency', ms: 400 } }]);
      const inFlight = post(stack.url);
      await until(() => stack.sims.passbolt.requests().length > 0);
      const stopped = stack.gateway.stop();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).data.me.id).toBe('f848277c-5398-58f8-a82a-72397af2d450');
      await stopped;
      await expect(post(stack.url)).rejects.toThrow();
    } finally {
      await stack.sims.close();
    }
  });
});

describe('the usergraph process', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
  });

  /** Starts `usergraph start` in demo mode on free ports; resolves once it prints its URL. */
  async function startProcess(env: Record<string, string> = {}) {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...Object.fromEntries(PROVIDERS.map((p) => [`${p}_SIMULATOR_PORT`, '0'])), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let gone = false;
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', () => (gone = true));
    // As long as the test's timeout allows: a busy machine only makes the start slower.
    while (!gone && !/running at (http:\S+)/.test(out)) await new Promise((r) => setTimeout(r, 50));
    const url = /running at (http:\S+)/.exec(out)?.[1];
    const sims = /"PASSBOLT":"(http:[^"]+)"/.exec(out)?.[1];
    if (!url || !sims) throw new Error(`the gateway did not start:\n${out}`);
    return { url, passboltSim: sims, output: () => out };
  }

  it('finishes an in-flight request on SIGTERM and exits 0', async () => {
    const { url, passboltSim } = await startProcess();
    await fetch(`${passboltSim}/__simulator/faults`, { method: 'POST', body: JSON.stringify([{ fault: { kind: 'latency', ms: 500 } }]) });
    const inFlight = post(url);
    await until(async () => ((await (await fetch(`${passboltSim}/__simulator/requests`)).json()) as unknown[]).length > 0);
    child!.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data.me).not.toBeNull();
    const [code] = await once(child!, 'exit');
    expect(code).toBe(0);
  }, 60_000);

  it('exits non-zero naming every bad setting', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
      env: { ...process.env, PORT: 'eighty', UPSTREAM_RETRIES: '-1', USERGRAPH_MODE: 'staging' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    for (const name of ['PORT', 'UPSTREAM_RETRIES', 'USERGRAPH_MODE']) expect(err).toContain(name);
    expect(err).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('prints the schema with print-schema', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'print-schema'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(out).toContain('interface User');
    expect(out).toContain('type PassboltUser implements User');
    expect(out).toContain('me(provider: Provider!): User');
  }, 60_000);

  it('check names an unreachable provider and exits 1', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'check'], {
      env: { ...process.env, USERGRAPH_MODE: 'production', PASSBOLT_URL: 'http://127.0.0.1:9', DROPLIT_URL: 'http://127.0.0.1:9' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(out).toMatch(/PASSBOLT\s+unreachable/);
    expect(out).toMatch(/DROPLIT\s+unreachable/);
    expect(out).toMatch(/SYNCANO\s+not configured/);
  }, 60_000);
});
