/**
 * The node:http front door over real sockets: request ids, slow clients, the connection cap, client
 * mistakes (logged at debug, never as gateway errors), bodies that are not UTF-8, and a browser on
 * /graphql with the playground off.
 */
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startStack, type Stack } from '../helpers/stack.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Waits for a condition, checking every 20 ms; fails with `what` if the test times out first. */
async function until<T>(what: string, probe: () => T | undefined | false, tries = 750): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A raw TCP client: everything received, and whether the server closed the connection. */
function rawClient(url: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  const state = { received: '', closed: false };
  socket.on('data', (c: Buffer) => (state.received += c.toString('latin1')));
  socket.on('error', () => {});
  socket.on('close', () => (state.closed = true));
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, state, connected };
}

function logSink() {
  const lines: Array<Record<string, any>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug' }, stream) };
}

describe('the front door', () => {
  let stack: Stack;
  const log = logSink();

  beforeAll(async () => {
    stack = await startStack({ logger: log.logger, env: { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  describe('request ids', () => {
    it('echoes a well-formed X-Request-Id', async () => {
      const res = await stack.gql('{ me(provider: PASSBOLT) { id } }', {}, { ...DEMO_CREDENTIALS.PASSBOLT, 'X-Request-Id': 'web-7f3a.42:retry-1' });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('web-7f3a.42:retry-1');
    });

    it('generates one when the client sends none, or one that is too long or has unsafe characters', async () => {
      for (const sent of [undefined, 'x'.repeat(129), 'id with spaces', 'id"}\u0001']) {
        const res = await fetch(stack.url.replace(/\/graphql$/, '/healthz'), { headers: sent === undefined ? {} : { 'X-Request-Id': sent.replace(/[^\x20-\x7e]/g, '') } });
        expect(res.headers.get('x-request-id')).toMatch(UUID);
      }
      const a = await fetch(stack.url.replace(/\/graphql$/, '/readyz'));
      const b = await fetch(stack.url.replace(/\/graphql$/, '/readyz'));
      expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
    });

    it('puts the id on every log line the front door writes for that request', async () => {
      log.lines.length = 0;
      const res = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Request-Id': 'trace-0042' }, body: '{"query": ' });
      expect(res.status).toBe(400);
      expect(res.headers.get('x-request-id')).toBe('trace-0042');
      expect(((await res.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
      const refused = await until('the refusal log line', () => log.lines.find((l) => l.msg === 'request refused'));
      expect(refused).toMatchObject({ requestId: 'trace-0042', reason: 'invalid-json', status: 400, level: 20 });
    });
  });

  describe('slow clients', () => {
    it('answers 408 and closes a connection whose headers trickle in past HEADERS_TIMEOUT_MS', async () => {
      const client = rawClient(stack.url);
      await client.connected;
      client.socket.write('GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Slow: ');
      // One byte every 200 ms never completes the headers: only the server's timeout ends this.
      const trickle = setInterval(() => client.socket.write('a'), 200);
      try {
        await until('the server to close the trickling connection', () => client.state.closed);
      } finally {
        clearInterval(trickle);
      }
      expect(client.state.received).toMatch(/^HTTP\/1\.1 408 /);
    });

    it('answers 408 and closes a connection whose body trickles in past REQUEST_TIMEOUT_MS', async () => {
      log.lines.length = 0;
      const client = rawClient(stack.url);
      await client.connected;
      client.socket.write('POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
      const trickle = setInterval(() => client.socket.write(' '), 200);
      try {
        await until('the server to close the trickling connection', () => client.state.closed);
      } finally {
        clearInterval(trickle);
      }
      expect(client.state.received).toMatch(/^HTTP\/1\.1 408 /);
      expect(log.lines.filter((l) => l.level >= 40)).toEqual([]);
    });
  });

  describe('client mistakes are not gateway errors', () => {
    it('a client that disconnects mid-body: a debug line each, no warning or error', async () => {
      log.lines.length = 0;
      let dispatched = 0;
      const count = () => dispatched++;
      stack.gateway.httpServer.prependListener('request', count);
      const clients = Array.from({ length: 30 }, () => rawClient(stack.url));
      await Promise.all(clients.map((c) => c.connected));
      for (const c of clients) {
        c.socket.write(`POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"query":"{ me(provider: PASSBOLT) { id`);
      }
      // Every request has reached the handler (its body is being read) before its client goes away.
      await until('the requests to reach the handler', () => dispatched === clients.length);
      stack.gateway.httpServer.off('request', count);
      for (const c of clients) c.socket.destroy();
      const seen = () => log.lines.filter((l) => l.msg?.includes('closed the connection') || l.level >= 40);
      await until('one log line per client', () => seen().length >= clients.length);
      expect(log.lines.filter((l) => l.level >= 40)).toEqual([]);
      expect(seen().every((l) => l.level === 20)).toBe(true);
    });

    it('a request target that is not a valid URL: 400 BAD_REQUEST, logged at debug', async () => {
      log.lines.length = 0;
      const client = rawClient(stack.url);
      await client.connected;
      client.socket.write('GET http://[::1/graphql HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n');
      await until('the response', () => client.state.closed);
      expect(client.state.received).toMatch(/^HTTP\/1\.1 400 /);
      const body = JSON.parse(client.state.received.slice(client.state.received.indexOf('\r\n\r\n') + 4));
      expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(log.lines.filter((l) => l.level >= 40)).toEqual([]);
      expect(log.lines.find((l) => l.msg === 'request refused')).toMatchObject({ reason: 'invalid-url', level: 20 });
    });
  });

  it('refuses a body that is not valid UTF-8 with 400 BAD_REQUEST, before any upstream call', async () => {
    stack.clearRequests();
    const before = Buffer.from('{"query":"{ user(provider: PASSBOLT, id: \\"f848277c-5398-58f8-a82a-72397af2d4');
    const after = Buffer.from('\\") { id } }"}');
    const body = Buffer.concat([before, Buffer.from([0xff, 0xfe]), after]);
    const res = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json', ...DEMO_CREDENTIALS.PASSBOLT }, body });
    expect(res.status).toBe(400);
    const json = (await res.json()) as any;
    expect(json.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(json.errors[0].message).toMatch(/UTF-8/);
    expect(stack.sims.passbolt.requests()).toHaveLength(0);
  });
});

describe('the connection cap', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { MAX_CONNECTIONS: '2' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('closes connections past MAX_CONNECTIONS at once and keeps serving the open ones', async () => {
    const healthz = 'GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n';
    const open = [rawClient(stack.url), rawClient(stack.url)];
    for (const c of open) {
      await c.connected;
      c.socket.write(healthz);
      await until('an answer on an open connection', () => c.state.received.includes('{"status":"ok"}'));
    }
    const extra = rawClient(stack.url);
    await until('the extra connection to be closed', () => extra.state.closed);
    expect(extra.state.received).toBe('');

    open[0]!.state.received = '';
    open[0]!.socket.write(healthz);
    await until('another answer on the first connection', () => open[0]!.state.received.includes('{"status":"ok"}'));
    for (const c of open) c.socket.destroy();
  });
});

describe('a browser on /graphql in production (playground off)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { USERGRAPH_MODE: 'production' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('says the playground is off and how to turn it on', async () => {
    const res = await fetch(stack.url, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toMatch(/playground is off/i);
    expect(page).toContain('PLAYGROUND=true');
    expect(page).not.toMatch(/CSRF|apollo-require-preflight/i);
  });
});
