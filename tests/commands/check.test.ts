/**
 * `usergraph check` as a user runs it: the built CLI (`node dist/cli.js check`, built by
 * tests/global-setup.ts) in its own process, with only the environment given here, against the four
 * simulators on free ports. Every misconfiguration must exit non-zero and name the setting to fix;
 * credentials must never be printed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulators, type Simulators } from '../../src/simulators/index.js';
import { DEMO_BELLADATI_CONSUMER_KEY, DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = `${ROOT}dist/cli.js`;

const SYNCANO_KEY = DEMO_CREDENTIALS.SYNCANO['X-Syncano-Api-Key'];
const DROPLIT_TOKEN = DEMO_CREDENTIALS.DROPLIT['X-Droplit-Token'];
const PASSBOLT_TOKEN = DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token'];
const BELLADATI_TOKEN = DEMO_CREDENTIALS.BELLADATI['X-BellaDati-Token'];
/** Well-formed but unknown to the simulators. */
const BAD = {
  SYNCANO_API_KEY: 'c0ffee0000000000000000000000000000000001',
  DROPLIT_TOKEN: '_unknownToken-0000000000000000000000000000000',
  PASSBOLT_TOKEN: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.bm90LWlzc3VlZA',
  BELLADATI_TOKEN: 'zz00unknown0',
};
const SECRETS = [SYNCANO_KEY, DROPLIT_TOKEN, PASSBOLT_TOKEN, BELLADATI_TOKEN, DEMO_CREDENTIALS.DROPLIT['X-Droplit-User'], ...Object.values(BAD)];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout's line for one provider. */
  line(provider: string): string;
}

/** Runs the built CLI with exactly this environment (plus PATH), asynchronously: the simulators live in this process. */
function runCheck(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'check'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout,
        stderr,
        line: (provider) => stdout.split('\n').find((l) => l.startsWith(`${provider} `)) ?? '',
      }),
    );
  });
}

function expectNoSecrets(run: Run): void {
  for (const secret of SECRETS) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('usergraph check (the built CLI against the simulators)', () => {
  let sims: Simulators;
  /** A correct production configuration, without server-side credentials. */
  let base: Record<string, string>;
  /** The same with every server-side credential set to a valid one. */
  let withCredentials: Record<string, string>;

  beforeAll(async () => {
    // tests/global-setup.ts has just built dist/.
    expect(existsSync(CLI)).toBe(true);
    sims = await startSimulators();
    base = {
      USERGRAPH_MODE: 'production',
      SYNCANO_URL: sims.syncano.url,
      SYNCANO_INSTANCE: sims.data.syncano.instance,
      DROPLIT_URL: sims.droplit.url,
      PASSBOLT_URL: sims.passbolt.url,
      BELLADATI_URL: `${sims.belladati.url}/api`,
      BELLADATI_CONSUMER_KEY: DEMO_BELLADATI_CONSUMER_KEY,
    };
    withCredentials = {
      ...base,
      SYNCANO_API_KEY: SYNCANO_KEY,
      DROPLIT_TOKEN,
      PASSBOLT_TOKEN,
      BELLADATI_TOKEN,
    };
  });

  afterAll(async () => {
    await sims?.close();
  });

  it('passes a correct configuration without server-side credentials, each provider verified by its probe', async () => {
    const run = await runCheck(base);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^configuration: valid \(production mode\)\n/);
    expect(run.line('SYNCANO')).toMatch(/^SYNCANO +ok +instance 'rivia' found at http:\/\/127\.0\.0\.1:\d+ \(no SYNCANO_API_KEY to check\)$/);
    expect(run.line('DROPLIT')).toMatch(/^DROPLIT +ok +Droplit users API at /);
    expect(run.line('PASSBOLT')).toMatch(/^PASSBOLT +ok +Passbolt API at /);
    expect(run.line('BELLADATI')).toMatch(/^BELLADATI +ok +BellaDati API at http:\/\/127\.0\.0\.1:\d+\/api; BELLADATI_CONSUMER_KEY accepted/);
    expect(run.stdout).not.toMatch(/check failed/);
  });

  it('fails on an OTLP protocol `start` would refuse, naming the variable and the accepted values; a valid one passes', async () => {
    const bad = await runCheck({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grcp' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^configuration: invalid: OTEL_EXPORTER_OTLP_PROTOCOL="grcp" is not an OTLP protocol; accepted: http\/protobuf \(the default\), http\/json, grpc \(production mode\)\n/);
    const good = await runCheck({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'GRPC' });
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^configuration: valid \(production mode\)\n/);
    // Tracing off (no endpoint, or the SDK disabled): the protocol is not read.
    const off = await runCheck({ ...base, OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grcp' });
    expect(off.code).toBe(0);
  });

  it('passes a correct configuration with valid server-side credentials, saying each was accepted, without printing any', async () => {
    const run = await runCheck(withCredentials);
    expect(run.code).toBe(0);
    expect(run.line('SYNCANO')).toMatch(/ok .*SYNCANO_API_KEY accepted/);
    expect(run.line('DROPLIT')).toMatch(/ok .*DROPLIT_TOKEN accepted/);
    expect(run.line('PASSBOLT')).toMatch(/ok .*PASSBOLT_TOKEN accepted/);
    expect(run.line('BELLADATI')).toMatch(/ok .*BELLADATI_TOKEN accepted/);
    expectNoSecrets(run);
  });

  it('fails on a SYNCANO_INSTANCE that does not exist, naming the instance and the server', async () => {
    const run = await runCheck({ ...base, SYNCANO_INSTANCE: 'witcher' });
    expect(run.code).toBe(1);
    expect(run.line('SYNCANO')).toBe(`SYNCANO    misconfigured  SYNCANO_INSTANCE 'witcher' does not exist on ${sims.syncano.url}: check the instance name`);
    expect(run.line('PASSBOLT')).toMatch(/ ok /);
    expect(run.stdout).toMatch(/check failed: 1 provider to fix/);
  });

  it('fails on a BELLADATI_URL without /api, saying the URL must end in /api', async () => {
    const run = await runCheck({ ...base, BELLADATI_URL: sims.belladati.url });
    expect(run.code).toBe(1);
    expect(run.line('BELLADATI')).toMatch(/^BELLADATI +misconfigured +BELLADATI_URL answers 404 at \/users\/1: the URL must end in \/api/);
  });

  it('fails on every URL that points at another provider\'s simulator, naming that URL variable', async () => {
    const urls = {
      syncano: sims.syncano.url,
      droplit: sims.droplit.url,
      passbolt: sims.passbolt.url,
      belladati: sims.belladati.url,
    };
    const names = ['syncano', 'droplit', 'passbolt', 'belladati'] as const;
    // Three rotations put each provider's URL on each of the other three simulators.
    for (const shift of [1, 2, 3]) {
      const other = (i: number) => urls[names[(i + shift) % 4]!];
      const run = await runCheck({
        ...base,
        SYNCANO_URL: other(0),
        DROPLIT_URL: other(1),
        PASSBOLT_URL: other(2),
        BELLADATI_URL: `${other(3)}/api`,
      });
      expect(run.code, run.stdout + run.stderr).toBe(1);
      for (const name of names) {
        const variable = `${name.toUpperCase()}_URL`;
        expect(run.line(name.toUpperCase()), `shift ${shift}: ${run.stdout}${run.stderr}`).toMatch(new RegExp(`^${name.toUpperCase()} +misconfigured +${variable} answers `));
      }
      expect(run.stdout).toMatch(/check failed: 4 providers to fix/);
    }
  }, 60_000);

  it('fails on a PASSBOLT_URL pointing at the Droplit simulator, saying what a Passbolt URL is', async () => {
    const run = await runCheck({ ...base, PASSBOLT_URL: sims.droplit.url });
    expect(run.code).toBe(1);
    expect(run.line('PASSBOLT')).toMatch(
      /^PASSBOLT +misconfigured +PASSBOLT_URL answers HTTP 404 at \/users\/me\.json without Passbolt's JSON envelope: PASSBOLT_URL must be the Passbolt installation's root URL/,
    );
  });

  it('fails on a provider that cannot be reached, naming its URL variable and the reason', async () => {
    const port = await closedPort();
    const run = await runCheck({ ...base, DROPLIT_URL: `http://127.0.0.1:${port}` });
    expect(run.code).toBe(1);
    expect(run.line('DROPLIT')).toBe(`DROPLIT    unreachable    cannot reach DROPLIT_URL http://127.0.0.1:${port}: connection refused`);
    expect(run.line('SYNCANO')).toMatch(/ ok /);
  });

  it('fails on refused server-side credentials, naming each one and printing none', async () => {
    const run = await runCheck({ ...base, ...BAD });
    expect(run.code).toBe(1);
    expect(run.line('SYNCANO')).toMatch(/misconfigured +SYNCANO_API_KEY was refused by .*No such API Key/);
    expect(run.line('DROPLIT')).toMatch(/misconfigured +DROPLIT_TOKEN was refused by .*\(HTTP 401\)/);
    expect(run.line('PASSBOLT')).toMatch(/misconfigured +PASSBOLT_TOKEN was refused by .*\(HTTP 401/);
    expect(run.line('BELLADATI')).toMatch(/misconfigured +BELLADATI_TOKEN was refused by .*\(HTTP 401, oauth_problem=invalid_token\)/);
    expect(run.stdout).toMatch(/check failed: 4 providers to fix/);
    expectNoSecrets(run);
  });

  it('fails on a wrong BELLADATI_CONSUMER_KEY without printing it', async () => {
    const run = await runCheck({ ...base, BELLADATI_CONSUMER_KEY: 'not-the-domain-key' });
    expect(run.code).toBe(1);
    expect(run.line('BELLADATI')).toMatch(/misconfigured +BELLADATI_CONSUMER_KEY was refused by .*oauth_problem=invalid_consumer/);
    expect(run.stdout).not.toContain('not-the-domain-key');
  });

  it('fails on a DROPLIT_TOKEN that is a user token, which may only read its own record', async () => {
    const run = await runCheck({ ...base, DROPLIT_TOKEN: '_demoUserToken-test-8f3b1d7c5a9e2f4b6d8c0a1e3f5b7d9c' });
    expect(run.code).toBe(1);
    expect(run.line('DROPLIT')).toMatch(/misconfigured +DROPLIT_TOKEN is accepted .* but may not read other users/);
    expect(run.stdout).not.toContain('_demoUserToken');
  });

  it('accepts a Syncano API key without ignore_acl: the key and the instance are right', async () => {
    const run = await runCheck({ ...base, SYNCANO_API_KEY: '8303d2fd517dc7368a86fd1b438708d269b73829' });
    expect(run.code).toBe(0);
    expect(run.line('SYNCANO')).toMatch(/ok +instance 'rivia' found .*SYNCANO_API_KEY accepted/);
  });

  it('fails in production with no provider configured, naming the *_URL variables', async () => {
    const run = await runCheck({ USERGRAPH_MODE: 'production' });
    expect(run.code).toBe(1);
    for (const provider of ['SYNCANO', 'DROPLIT', 'PASSBOLT', 'BELLADATI']) expect(run.line(provider)).toMatch(/not configured$/);
    for (const variable of ['SYNCANO_URL', 'DROPLIT_URL', 'PASSBOLT_URL', 'BELLADATI_URL']) expect(run.stdout).toContain(variable);
    expect(run.stdout).toMatch(/^no provider is configured: /m);
  });

  it('fails on a provider setting whose URL is missing, naming both', async () => {
    const { DROPLIT_URL: _omitted, ...rest } = base;
    const run = await runCheck({ ...rest, DROPLIT_TOKEN });
    expect(run.code).toBe(1);
    expect(run.line('DROPLIT')).toMatch(/misconfigured +DROPLIT_TOKEN is set but DROPLIT_URL is not: set DROPLIT_URL/);
    expectNoSecrets(run);
  });

  it('still exits 2 with every bad value listed when the configuration itself is invalid', async () => {
    const run = await runCheck({ USERGRAPH_MODE: 'production', PASSBOLT_URL: 'ftp://x', PORT: 'eighty' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/PASSBOLT_URL/);
    expect(run.stderr).toMatch(/PORT/);
  });

  it('passes demo mode, where every provider is a simulator started with the gateway', async () => {
    const run = await runCheck({});
    expect(run.code).toBe(0);
    expect(run.line('PASSBOLT')).toMatch(/simulated/);
  });
});
