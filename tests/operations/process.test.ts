/**
 * The compiled `usergraph start` (dist/, built by tests/global-setup.ts) as a container runs it:
 * NODE_ENV=production, stopped by a signal; and demo mode on a custom SIMULATOR_DATA file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { loadDemoData } from '../../src/simulators/index.js';
import { PROVIDERS } from '../../src/providers/registry.js';

const ADA = 'f848277c-5398-58f8-a82a-72397af2d450';
const ME_PASSBOLT = JSON.stringify({ query: '{ me(provider: PASSBOLT) { id } }' });
const post = (url: string, headers: Record<string, string> = DEMO_CREDENTIALS.PASSBOLT) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: ME_PASSBOLT });

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

/**
 * Waits for a condition, checking every 25 ms, for as long as the test's own timeout allows (no count
 * of tries: a busy machine only makes it slower); `stop` ends the wait early with `what` in the error.
 */
async function until<T>(what: string | (() => string), probe: () => T | undefined | Promise<T | undefined>, stop?: () => boolean): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (stop?.()) throw new Error(`gave up waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `node dist/cli.js start` in demo mode on free ports; resolves once it prints its URL. */
async function startBuilt(env: Record<string, string>) {
  const proc = spawn(process.execPath, ['dist/cli.js', 'start'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      ...Object.fromEntries(PROVIDERS.map((p) => [`${p}_SIMULATOR_PORT`, '0'])),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let gone = false;
  void exited.then(() => (gone = true));
  const url = await until(() => `the gateway's URL; it exited first:\n${out}`, () => /running at (http:\S+)/.exec(out)?.[1], () => gone);
  const passboltSim = /"PASSBOLT":"(http:[^"]+)"/.exec(out)?.[1];
  if (!passboltSim) throw new Error(`no simulator URL in:\n${out}`);
  return { url, passboltSim, exited, output: () => out };
}

describe.each(['SIGTERM', 'SIGINT'] as const)('usergraph start with NODE_ENV=production, on %s', (signal) => {
  it('drains: readiness 503, new requests SHUTTING_DOWN, the in-flight request finishes, exit 0', async () => {
    const gw = await startBuilt({
      NODE_ENV: 'production',
      SHUTDOWN_TIMEOUT_MS: '15000',
      UPSTREAM_TIMEOUT_MS: '10000',
      REQUEST_DEADLINE_MS: '10000',
    });
    const readyz = gw.url.replace(/\/graphql$/, '/readyz');
    expect((await fetch(readyz)).status).toBe(200);
    await fetch(`${gw.passboltSim}/__simulator/requests`, { method: 'DELETE' });
    await fetch(`${gw.passboltSim}/__simulator/faults`, { method: 'POST', body: JSON.stringify([{ fault: { kind: 'latency', ms: 3000 } }]) });

    const inFlight = post(gw.url);
    // The request is in flight once the simulator has received its upstream call.
    await until('the upstream call', async () => ((await (await fetch(`${gw.passboltSim}/__simulator/requests`)).json()) as unknown[]).length > 0);
    child!.kill(signal);

    const draining = await until('readiness to turn 503', async () => {
      const res = await fetch(readyz);
      return res.status === 503 ? ((await res.json()) as { status: string }) : undefined;
    });
    expect(draining.status).toBe('stopping');

    const late = await post(gw.url);
    expect(late.status).toBe(503);
    expect(late.headers.get('connection')).toBe('close');
    const lateBody = (await late.json()) as any;
    expect(lateBody.errors[0].extensions.code).toBe('SHUTTING_DOWN');

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data.me.id).toBe(ADA);

    const [code, killedBy] = await gw.exited;
    expect({ code, killedBy }).toEqual({ code: 0, killedBy: null });
    expect(gw.output()).toContain('"msg":"stopped"');
  }, 40_000);
});

describe('usergraph start with SIMULATOR_DATA', () => {
  it('prints credentials that work with that data, not the built-in demo ones', async () => {
    const data = loadDemoData();
    data.syncano.apiKeys = ['0123456789abcdef0123456789abcdef01234567'];
    (data.syncano.users[0] as { user_key: string }).user_key = '89abcdef0123456789abcdef0123456789abcdef';
    data.droplit.tokens = { 'custom-droplit-server-token': { type: 'server' } };
    data.passbolt.tokens = { 'eyCustom.passbolt.token': ADA };
    data.belladati.tokens = { custombelladatitoken: '123' };
    const dir = mkdtempSync(join(tmpdir(), 'usergraph-data-'));
    const file = join(dir, 'data.json');
    writeFileSync(file, JSON.stringify(data));

    const gw = await startBuilt({ SIMULATOR_DATA: file });
    const printed = parseCredentials(gw.output());
    expect(Object.keys(printed).sort()).toEqual([...PROVIDERS].sort());
    expect(printed.PASSBOLT!['X-Passbolt-Token']).not.toBe(DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token']);

    const headers = Object.assign({}, ...Object.values(printed)) as Record<string, string>;
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        query: `{ ${PROVIDERS.map((p) => `${p.toLowerCase()}: me(provider: ${p}) { id }`).join(' ')} }`,
      }),
    });
    const body = (await res.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data).toMatchObject({ syncano: { id: '1' }, droplit: { id: 'C573b86eeee43dd7ba0244f8a;test' }, passbolt: { id: ADA }, belladati: { id: '123' } });
    for (const p of PROVIDERS) expect(body.data[p.toLowerCase()]?.id, p).toBeTruthy();
  }, 40_000);
});

/** The "send these headers" block `npm start` prints: a provider line, then indented `Header: value` lines. */
function parseCredentials(output: string): Record<string, Record<string, string>> {
  const block = output.slice(output.indexOf('send these headers'));
  const out: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const line of block.split('\n').slice(1)) {
    const provider = /^ {2}([A-Z]+)$/.exec(line);
    const header = /^ {4}([A-Za-z-]+): (.+)$/.exec(line);
    if (provider) out[provider[1]!] = current = {};
    else if (header && current) current[header[1]!] = header[2]!;
    else if (line.trim() === '' && current) break;
  }
  return out;
}
