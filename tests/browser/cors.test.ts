/**
 * Cross-origin web apps, in a real browser: Debian's Chromium (driven by playwright-core) loads a
 * page from a small web server on another port and the page `fetch()`es the gateway with an
 * `X-Passbolt-Token` header, so the browser preflights. An allowed origin gets the data; any other
 * origin is refused by the browser itself (the fetch rejects with a TypeError) and its request never
 * reaches the provider. `app.example.test` is mapped to 127.0.0.1 inside the browser, so a page can
 * come from a non-loopback origin.
 *
 * The plain-HTTP part checks the preflight and response headers, and the CORS configuration.
 *
 * Needs `/usr/bin/chromium` for the browser part (REQUIRE_BROWSER=1 makes a missing browser fail
 * instead of skipping).
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { ConfigError, loadConfig, withSimulatorUrls } from '../../src/config.js';
import { corsOptions, originAllowed } from '../../src/cors.js';
import { createSilentLogger } from '../../src/logger.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startSimulators, type Simulators } from '../../src/simulators/index.js';
import { startStack, type Stack } from '../helpers/stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} is missing`);

const PASSBOLT_TOKEN = DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token'];
const ADA = 'f848277c-5398-58f8-a82a-72397af2d450';

/**
 * The web app: one HTML page whose script calls the gateway with fetch(), as a web app does. The
 * outcome (data, or the error's name and message) is what the page itself observed.
 */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>web app</title></head><body>
<script>
  window.callGateway = async (gatewayUrl, token, method) => {
    const query = '{ me(provider: PASSBOLT) { id username } }';
    try {
      const res = method === 'GET'
        ? await fetch(gatewayUrl + '?query=' + encodeURIComponent(query), { headers: { 'X-Passbolt-Token': token } })
        : await fetch(gatewayUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'X-Passbolt-Token': token },
            body: JSON.stringify({ query }),
          });
      return { ok: true, status: res.status, body: await res.json(), requestId: res.headers.get('x-request-id') };
    } catch (error) {
      return { ok: false, name: error.name, message: String(error.message) };
    }
  };
</script>
<p>web app</p>
</body></html>`;

type Outcome =
  | { ok: true; status: number; body: { data?: { me?: { id: string; username: string } }; errors?: unknown[] }; requestId: string | null }
  | { ok: false; name: string; message: string };

async function startWebApp(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe.skipIf(!available)('CORS in a browser: a web app on another origin calls the gateway', () => {
  let browser: Browser;
  let app: { server: Server; port: number };

  beforeAll(async () => {
    app = await startWebApp();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--host-resolver-rules=MAP app.example.test 127.0.0.1',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.server.close(resolve));
  });

  /** Opens the web app at `pageOrigin` and lets the page call the gateway. */
  async function callFrom(pageOrigin: string, gatewayUrl: string, method: 'POST' | 'GET' = 'POST'): Promise<Outcome> {
    const page = await browser.newPage();
    try {
      const response = await page.goto(`${pageOrigin}/`);
      expect(response?.status()).toBe(200);
      return await page.evaluate(([url, token, m]) => (globalThis as any).callGateway(url, token, m) as Promise<Outcome>, [gatewayUrl, PASSBOLT_TOKEN, method] as const);
    } finally {
      await page.close();
    }
  }

  describe('demo mode (default configuration)', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack();
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('lets a page on localhost, another port, read the data (POST and GET) and the exposed x-request-id', async () => {
      for (const method of ['POST', 'GET'] as const) {
        const outcome = await callFrom(`http://localhost:${app.port}`, stack.url, method);
        expect(outcome, method).toMatchObject({ ok: true, status: 200, body: { data: { me: { id: ADA, username: 'ada@passbolt.com' } } } });
        expect(outcome.ok && outcome.requestId, method).toMatch(/\S/);
      }
    }, 60_000);

    it('refuses a page from a non-loopback origin: the browser rejects the fetch, nothing reaches Passbolt', async () => {
      stack.clearRequests();
      const outcome = await callFrom(`http://app.example.test:${app.port}`, stack.url);
      expect(outcome).toMatchObject({ ok: false, name: 'TypeError' });
      expect(stack.sims.passbolt.requests()).toHaveLength(0);
    }, 60_000);
  });

  describe('production mode with CORS_ORIGINS listing one web app', () => {
    let sims: Simulators;
    let gateway: Gateway;
    let url: string;
    beforeAll(async () => {
      sims = await startSimulators();
      const config = loadConfig({
        USERGRAPH_MODE: 'production',
        PASSBOLT_URL: sims.passbolt.url,
        CORS_ORIGINS: `https://admin.example.com, http://app.example.test:${app.port}`,
      });
      gateway = await createGateway(config, { logger: createSilentLogger() });
      url = await gateway.listen(0, '127.0.0.1');
    });
    afterAll(async () => {
      await gateway?.stop();
      await sims?.close();
    });

    it('lets the listed origin read the data', async () => {
      const outcome = await callFrom(`http://app.example.test:${app.port}`, url);
      expect(outcome).toMatchObject({ ok: true, status: 200, body: { data: { me: { id: ADA } } } });
    }, 60_000);

    it('refuses the same web app from an origin not listed (localhost, 127.0.0.1): the browser rejects the fetch', async () => {
      sims.passbolt.clearRequests();
      for (const origin of [`http://localhost:${app.port}`, `http://127.0.0.1:${app.port}`]) {
        const outcome = await callFrom(origin, url);
        expect(outcome, origin).toMatchObject({ ok: false, name: 'TypeError' });
      }
      expect(sims.passbolt.requests()).toHaveLength(0);
    }, 60_000);
  });
});

describe('CORS headers over plain HTTP', () => {
  let stack: Stack;
  let production: { gateway: Gateway; url: string };
  beforeAll(async () => {
    stack = await startStack();
    const config = withSimulatorUrls(
      loadConfig({ USERGRAPH_MODE: 'demo', CORS_ORIGINS: 'https://app.example.com,https://admin.example.com', CORS_CREDENTIALS: 'true', CORS_MAX_AGE_S: '3600' }),
      stack.sims,
    );
    const gateway = await createGateway(config, { logger: createSilentLogger() });
    production = { gateway, url: await gateway.listen(0, '127.0.0.1') };
  });
  afterAll(async () => {
    await production?.gateway.stop();
    await stack?.close();
  });

  const preflight = (url: string, origin: string, requestHeaders = 'content-type,x-passbolt-token') =>
    fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders } });

  it('answers a preflight for an allowed origin with 204 and the CORS headers, without reaching Apollo', async () => {
    const res = await preflight(production.url, 'https://app.example.com');
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-max-age')).toBe('3600');
    expect(res.headers.get('vary')).toMatch(/origin/i);
    expect(res.headers.get('access-control-allow-methods')?.split(',')).toEqual(expect.arrayContaining(['GET', 'POST']));
    const allowed = res.headers.get('access-control-allow-headers')?.toLowerCase().split(',') ?? [];
    for (const header of [
      'x-syncano-api-key',
      'x-syncano-user-key',
      'x-droplit-token',
      'x-droplit-user',
      'x-passbolt-token',
      'x-belladati-token',
      'x-belladati-username',
      'content-type',
      'apollo-require-preflight',
      'x-apollo-operation-name',
      'x-request-id',
    ]) {
      expect(allowed, header).toContain(header);
    }
    expect(res.headers.get('access-control-expose-headers')?.toLowerCase().split(',')).toEqual(expect.arrayContaining(['x-request-id', 'retry-after']));
  });

  it('gives an origin that is not listed no Access-Control-Allow-Origin, on the preflight and on the response', async () => {
    const pre = await preflight(production.url, 'https://evil.example.net');
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();

    const res = await fetch(production.url, {
      method: 'POST',
      headers: { origin: 'https://evil.example.net', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/origin/i);
  });

  it('sets the CORS headers on an allowed origin\'s actual response', async () => {
    const res = await fetch(production.url, {
      method: 'POST',
      headers: { origin: 'https://admin.example.com', 'content-type': 'application/json', ...DEMO_CREDENTIALS.PASSBOLT },
      body: JSON.stringify({ query: '{ me(provider: PASSBOLT) { id } }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
    expect(res.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('x-request-id');
    expect(((await res.json()) as any).data.me.id).toBe(ADA);
  });

  it('in demo mode allows any loopback origin on any port, and nothing else', async () => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://[::1]:8080', 'https://localhost']) {
      const res = await preflight(stack.url, origin);
      expect(res.status, origin).toBe(204);
      expect(res.headers.get('access-control-allow-origin'), origin).toBe(origin);
      expect(res.headers.get('access-control-allow-credentials'), origin).toBeNull();
    }
    for (const origin of ['http://localhost.evil.example', 'http://127.0.0.1.nip.io:3000', 'https://app.example.com', 'null']) {
      const res = await preflight(stack.url, origin);
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });

  it('answers OPTIONS only on /graphql; other paths are untouched', async () => {
    const base = stack.url.replace(/\/graphql$/, '');
    const res = await preflight(`${base}/healthz`, 'http://localhost:5173');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS configuration', () => {
  it('is closed in production unless origins are listed, open to loopback origins in demo mode', () => {
    expect(loadConfig({ USERGRAPH_MODE: 'production' }).cors).toEqual({ origins: [], loopbackOrigins: false, credentials: false, maxAgeS: 600 });
    expect(loadConfig({ USERGRAPH_MODE: 'demo' }).cors).toEqual({ origins: [], loopbackOrigins: true, credentials: false, maxAgeS: 600 });
    expect(loadConfig({ USERGRAPH_MODE: 'demo', CORS_ORIGINS: 'https://app.example.com' }).cors.loopbackOrigins).toBe(false);
    expect(
      loadConfig({ USERGRAPH_MODE: 'production', CORS_ORIGINS: ' https://app.example.com , https://admin.example.com:8443 ', CORS_CREDENTIALS: 'true', CORS_MAX_AGE_S: '0' }).cors,
    ).toEqual({ origins: ['https://app.example.com', 'https://admin.example.com:8443'], loopbackOrigins: false, credentials: true, maxAgeS: 0 });
  });

  it('`*` allows any origin, never with credentials', () => {
    const config = loadConfig({ USERGRAPH_MODE: 'production', CORS_ORIGINS: '*' }).cors;
    expect(originAllowed(config, 'https://anything.example')).toBe(true);
    expect(corsOptions(config)).toMatchObject({ origin: '*', credentials: false });
  });

  it('refuses what is not an origin, naming the variable', () => {
    for (const bad of ['https://app.example.com/', 'https://app.example.com/path', 'app.example.com', 'ftp://files.example.com', 'https://App.Example.com', '*,https://app.example.com']) {
      let error: unknown;
      try {
        loadConfig({ USERGRAPH_MODE: 'production', CORS_ORIGINS: bad });
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join('\n'), bad).toMatch(/^CORS_ORIGINS: /m);
    }
    expect(() => loadConfig({ CORS_MAX_AGE_S: '-1' })).toThrow(/CORS_MAX_AGE_S/);
    expect(() => loadConfig({ CORS_CREDENTIALS: 'yes' })).toThrow(/CORS_CREDENTIALS/);
    expect(() => loadConfig({ CORS_ORIGINS: '*', CORS_CREDENTIALS: 'true' })).toThrow(/CORS_CREDENTIALS/);
  });
});
