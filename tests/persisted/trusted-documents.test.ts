/**
 * Trusted documents as an operator runs them: the built `usergraph start` (dist/, built by
 * tests/global-setup.ts) in production mode with PERSISTED_DOCUMENTS set to the manifest the example
 * web client ships, against the simulators started here. Only the manifest's operations run; the
 * example client, sending only hashes, gets its data. A bad manifest stops the gateway at startup.
 * And without PERSISTED_DOCUMENTS_ONLY (demo mode), manifest hashes are known and everything else works
 * as before.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeDocument } from '../../examples/web-client/__generated__/graphql.js';
import { createUsergraphClient } from '../../examples/web-client/client.js';
import { run } from '../../examples/web-client/main.js';
import { DEMO_BELLADATI_CONSUMER_KEY, DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startSimulators, type Simulators } from '../../src/simulators/index.js';
import { PROVIDERS } from '../../src/providers/registry.js';
import { readJson, startStack, type Stack } from '../helpers/stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MANIFEST_PATH = 'examples/web-client/__generated__/persisted-documents.json';
const MANIFEST = JSON.parse(readFileSync(join(ROOT, MANIFEST_PATH), 'utf8')) as Record<string, string>;
const ALL_CREDENTIALS = Object.assign({}, ...Object.values(DEMO_CREDENTIALS)) as Record<string, string>;
const ADA = 'f848277c-5398-58f8-a82a-72397af2d450';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
/** The manifest's `Me` operation: its id (`sha256:<hex>`), hex hash and text. */
const ME = (() => {
  const [id, text] = Object.entries(MANIFEST).find(([, t]) => /\bquery Me\(/.test(t))!;
  return { id, hash: id.slice('sha256:'.length), text };
})();
const apq = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

/** Polls until `probe` gives a value; `stop` ends the wait early with `what` in the error. */
async function until<T>(what: () => string, probe: () => T | undefined, stop: () => boolean): Promise<T> {
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (stop()) throw new Error(`gave up waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Built {
  proc: ChildProcess;
  output(): string;
  stderr(): string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** `node dist/cli.js start` with exactly this environment (plus PATH). */
function spawnBuilt(env: Record<string, string>): Built {
  const proc = spawn(process.execPath, ['dist/cli.js', 'start'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
    out += c.toString();
  });
  const exited = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { proc, output: () => out, stderr: () => err, exited };
}

function post(url: string, body: unknown, headers: Record<string, string> = DEMO_CREDENTIALS.PASSBOLT) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

async function postJson(url: string, body: unknown) {
  const res = await post(url, body);
  return { status: res.status, body: await readJson(res) };
}

describe('usergraph start in production with PERSISTED_DOCUMENTS (only the manifest runs)', () => {
  let sims: Simulators;
  let gw: Built;
  let url: string;

  beforeAll(async () => {
    sims = await startSimulators();
    gw = spawnBuilt({
      NODE_ENV: 'production',
      USERGRAPH_MODE: 'production',
      LOG_LEVEL: 'debug',
      PORT: '0',
      HOST: '127.0.0.1',
      PERSISTED_DOCUMENTS: MANIFEST_PATH,
      SYNCANO_URL: sims.syncano.url,
      SYNCANO_INSTANCE: sims.data.syncano.instance,
      DROPLIT_URL: sims.droplit.url,
      PASSBOLT_URL: sims.passbolt.url,
      BELLADATI_URL: `${sims.belladati.url}/api`,
      BELLADATI_CONSUMER_KEY: DEMO_BELLADATI_CONSUMER_KEY,
    });
    let gone = false;
    void gw.exited.then(() => (gone = true));
    url = await until(
      () => `the gateway's URL; it exited first:\n${gw.output()}`,
      () => /"url":"(http:[^"]+)"[^\n]*"msg":"usergraph is listening"/.exec(gw.output())?.[1],
      () => gone,
    );
  });

  afterAll(async () => {
    if (gw && gw.proc.exitCode === null && gw.proc.signalCode === null) {
      gw.proc.kill('SIGTERM');
      await gw.exited;
    }
    await sims?.close();
  });

  /** The log lines the gateway wrote, parsed. */
  const logLines = () =>
    gw
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; requestId?: string; reason?: string; status?: number });

  it('serves the example web client sending only hashes', async () => {
    const lines: string[] = [];
    const data = await run(url, ALL_CREDENTIALS, (line) => lines.push(line), { persisted: true });
    expect(Object.values(data!).map((u) => u?.__typename)).toEqual(['SyncanoUser', 'DroplitUser', 'PassboltUser', 'BellaDatiUser']);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^SYNCANO 1 geralt /);
    expect(lines[2]).toMatch(new RegExp(`^PASSBOLT ${ADA} `));
    expect(lines[4]).toBe(lines[2]);
  });

  it('serves the example from the command line with --persisted', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/web-client/main.ts', url, '--persisted'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const printed = stdout.trimEnd().split('\n');
    expect(printed).toHaveLength(5);
    expect(printed[3]).toMatch(/^BELLADATI 123 /);
  });

  it('runs a manifest operation named by documentId (`sha256:<hex>`), by a GET with its hash, and sent as its exact text', async () => {
    const variables = { provider: 'PASSBOLT' };
    const byDocumentId = await postJson(url, { documentId: ME.id, variables });
    expect(byDocumentId.body).toEqual({ data: { me: expect.objectContaining({ id: ADA, __typename: 'PassboltUser' }) } });

    const search = new URLSearchParams({ extensions: JSON.stringify(apq(ME.hash)), variables: JSON.stringify(variables) });
    const res = await fetch(`${url}?${search.toString()}`, { headers: { ...DEMO_CREDENTIALS.PASSBOLT, 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(((await readJson(res)) as any).data.me.id).toBe(ADA);

    const asText = await postJson(url, { query: ME.text, variables });
    expect(asText.body.data.me.id).toBe(ADA);
  });

  it('refuses other query text with 400 PERSISTED_DOCUMENT_REQUIRED, over POST and GET', async () => {
    const arbitrary = await postJson(url, { query: `{ user(provider: PASSBOLT, id: "${ADA}") { email } }` });
    expect(arbitrary.status).toBe(400);
    expect(arbitrary.body).toEqual({ errors: [{ message: expect.stringMatching(/persisted operations/), extensions: { code: 'PERSISTED_DOCUMENT_REQUIRED' } }] });

    // The example client's own printed text is not the manifest's normalised text either.
    const client = createUsergraphClient({ url, headers: ALL_CREDENTIALS });
    const result = await client.request(MeDocument, { provider: 'PASSBOLT' });
    expect(result.data).toBeNull();
    expect(result.errors.map((e) => e.extensions?.code)).toEqual(['PERSISTED_DOCUMENT_REQUIRED']);

    const res = await fetch(`${url}?${new URLSearchParams({ query: '{ __typename }' }).toString()}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(400);
    expect(((await readJson(res)) as any).errors[0].extensions.code).toBe('PERSISTED_DOCUMENT_REQUIRED');
  });

  it('refuses an unknown hash with 400 PERSISTED_DOCUMENT_NOT_FOUND, as an APQ hash or a documentId', async () => {
    for (const body of [{ extensions: apq('ab'.repeat(32)) }, { documentId: `sha256:${'ab'.repeat(32)}` }]) {
      const res = await postJson(url, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'PERSISTED_DOCUMENT_NOT_FOUND' } }] });
    }
  });

  it('refuses an APQ registration: the hash stays unknown', async () => {
    const query = `query Sneaky { user(provider: PASSBOLT, id: "${ADA}") { email } }`;
    const hash = sha256(query);
    const registration = await postJson(url, { query, extensions: apq(hash) });
    expect(registration.status).toBe(400);
    expect(registration.body.errors[0].extensions.code).toBe('PERSISTED_DOCUMENT_REQUIRED');
    const byHash = await postJson(url, { extensions: apq(hash) });
    expect(byHash.status).toBe(400);
    expect(byHash.body.errors[0].extensions.code).toBe('PERSISTED_DOCUMENT_NOT_FOUND');
  });

  it('logs refusals at debug as client mistakes and never counts them as errors', async () => {
    const refused = async (requestId: string, body: unknown) => {
      await post(url, body, { 'x-request-id': requestId });
      // Waits for the gateway's log line about this request.
      return until(
        () => `the log line of ${requestId}`,
        () => logLines().find((l) => l.requestId === requestId && l.msg === 'request refused'),
        () => gw.proc.exitCode !== null,
      );
    };
    const required = await refused('persisted-log-1', { query: '{ __typename }' });
    const notFound = await refused('persisted-log-2', { extensions: apq('cd'.repeat(32)) });
    expect([required, notFound].map((l) => [l.level, l.reason, l.status])).toEqual([
      [20, 'persisted-document-required', 400],
      [20, 'persisted-document-not-found', 400],
    ]);
    expect(logLines().filter((l) => l.level >= 50)).toEqual([]);
    const metrics = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
    expect(metrics).not.toMatch(/usergraph_graphql_errors_total\{code="(INTERNAL_SERVER_ERROR|PERSISTED_DOCUMENT_\w+)"/);
  });
});

describe('usergraph start with a bad PERSISTED_DOCUMENTS manifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'usergraph-manifest-'));
  const write = (name: string, content: string) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const [someId, someText] = Object.entries(MANIFEST)[0]!;

  it.each([
    ['production', 'a missing file', () => join(dir, 'missing.json'), /cannot read .*missing\.json: ENOENT/],
    ['production', 'not an object of strings', () => write('array.json', JSON.stringify([someText])), /must hold a JSON object/],
    ['production', 'a hash that does not match its document', () => write('mismatch.json', JSON.stringify({ [someId]: `${someText} ` })), /does not hash to it/],
    // Demo mode checks the manifest before any simulator listens, so the process ends.
    ['demo', 'a hash that does not match its document', () => write('mismatch-demo.json', JSON.stringify({ [someId]: '{ __typename }' })), /does not hash to it/],
  ])('exits non-zero in %s mode on %s, with one line naming PERSISTED_DOCUMENTS', async (mode, _name, file, message) => {
    const gw = spawnBuilt({
      NODE_ENV: mode === 'production' ? 'production' : 'development',
      USERGRAPH_MODE: mode,
      PORT: '0',
      HOST: '127.0.0.1',
      ...Object.fromEntries(PROVIDERS.map((p) => [`${p}_SIMULATOR_PORT`, '0'])),
      PERSISTED_DOCUMENTS: file(),
    });
    const [code] = await gw.exited;
    // A configuration error, like every other (src/cli.ts).
    expect(code).toBe(2);
    const named = gw.stderr().split('\n').filter((l) => l.includes('PERSISTED_DOCUMENTS'));
    expect(named).toHaveLength(1);
    expect(named[0]).toMatch(message);
    expect(gw.stderr()).not.toMatch(/\n\s+at /);
    expect(gw.output()).not.toContain('listening');
  });
});

describe('PERSISTED_DOCUMENTS without PERSISTED_DOCUMENTS_ONLY (demo mode)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { PERSISTED_DOCUMENTS: join(ROOT, MANIFEST_PATH) } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('knows the manifest hashes, and free text and APQ work as before', async () => {
    const known = await postJson(stack.url, { extensions: apq(ME.hash), variables: { provider: 'PASSBOLT' } });
    expect(known.body.data.me.id).toBe(ADA);

    const free = await stack.gql('{ __typename }');
    expect(free.body).toEqual({ data: { __typename: 'Query' } });

    const unknown = await postJson(stack.url, { extensions: apq('ab'.repeat(32)) });
    expect(unknown.status).toBe(200);
    expect(unknown.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    const query = 'query Registered { __typename }';
    expect((await postJson(stack.url, { query, extensions: apq(sha256(query)) })).body.data).toEqual({ __typename: 'Query' });
  });
});
