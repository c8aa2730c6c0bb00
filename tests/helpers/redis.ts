/**
 * A real Redis for tests: Debian's `redis-server` on a free loopback port, without persistence (no RDB,
 * no AOF; a scratch directory removed on stop), that a test can kill (a crash), stop gracefully, pause
 * (a hung server) and start again on the same port. Also as a one-node Redis Cluster owning every slot,
 * and as a Sentinel watching a server, so each `REDIS_URL` form meets the real thing.
 * `.ci/run` installs the Debian package; a missing binary fails the test rather than skipping it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

export interface RedisServer {
  /** `redis://[:password@]127.0.0.1:<port>` (`redis+cluster://…` for a cluster). */
  url: string;
  port: number;
  /** Kills the server: `SIGKILL` (a crash, the default) or `SIGTERM` (a graceful shutdown). Waits for it to exit. */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts it again on the same port (stopping it first if it runs); waits until it answers. */
  restart(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
  /** A fresh ioredis client for inspection (never reconnects by itself); the caller disconnects it. */
  client(): Redis;
  /** Every key in the database with its value (SCAN + GET), as bytes. */
  scanAll(): Promise<Array<{ key: Buffer; value: Buffer | null }>>;
}

export interface StartRedisOptions {
  /** Sets `requirepass`: the URL then carries it. */
  password?: string;
  /** A one-node Redis Cluster that owns all 16384 slots; the URL is `redis+cluster://`. */
  cluster?: boolean;
}

export interface SentinelServer {
  /** `redis+sentinel://[:password@]127.0.0.1:<port>/<masterName>`. */
  url: string;
  port: number;
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
}

/** Generous: the CI machine is shared and at times slow. */
const WAIT_MS = 45_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function findBinary(): string {
  const candidates = ['/usr/bin/redis-server', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'redis-server'))];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error(
    "redis-server not found (looked in /usr/bin and on PATH): the Redis tests need Debian's redis-server package, which .ci/run installs (apt-get install redis-server)",
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One PING over a raw socket: true when the server answers (`+PONG`, or `-NOAUTH`: it is up). */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (up: boolean): void => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG') || answer.startsWith('-NOAUTH'));
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, output: () => string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} within ${WAIT_MS} ms:\n${output()}`);
    await sleep(50);
  }
}

/**
 * One redis-server process that can be stopped and launched again on the same port, in a scratch
 * directory created at launch and removed at stop. `prepare` writes any config file into it and
 * returns the arguments.
 */
function processControl(port: number, prepare: (dir: string) => string[]) {
  const binary = findBinary();
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  let output = '';
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  };

  const launch = async (): Promise<void> => {
    output = '';
    dir = mkdtempSync(join(tmpdir(), 'usergraph-redis-'));
    const proc = spawn(binary, prepare(dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    proc.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    let exited = false;
    let spawnError: Error | undefined;
    proc.once('exit', () => (exited = true));
    proc.once('error', (error) => (spawnError = error));
    process.once('exit', killOnExit);
    await waitFor(
      `redis-server on port ${port} did not answer PING`,
      async () => {
        if (spawnError) throw new Error(`redis-server did not start: ${spawnError.message}`);
        if (exited) throw new Error(`redis-server exited at start:\n${output}`);
        return pingOnce(port);
      },
      () => output,
    );
  };

  const stop = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> => {
    const proc = child;
    child = undefined;
    process.removeListener('exit', killOnExit);
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      // A paused server handles SIGTERM only once running again.
      if (signal === 'SIGTERM') proc.kill('SIGCONT');
      proc.kill(signal);
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  };

  return {
    launch,
    stop,
    signal: (signal: NodeJS.Signals) => child?.kill(signal),
    output: () => output,
  };
}

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  const url = `${options.cluster ? 'redis+cluster' : 'redis'}://${auth}127.0.0.1:${port}`;
  const control = processControl(port, (dir) => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
    if (options.password !== undefined) args.push('--requirepass', options.password);
    // A lone node never learns its own address from a peer: announce it, or CLUSTER SLOTS names no host.
    if (options.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-announce-ip', '127.0.0.1');
    return args;
  });

  const client = (): Redis => {
    const redis = new Redis({
      host: '127.0.0.1',
      port,
      ...(options.password !== undefined ? { password: options.password } : {}),
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    // A lost connection shows up as failed commands; the event itself is not a test failure.
    redis.on('error', () => undefined);
    return redis;
  };

  const launch = async (): Promise<void> => {
    await control.launch();
    if (!options.cluster) return;
    // A fresh node owns no slot: give it all, then wait for the cluster to call itself ok.
    const redis = client();
    try {
      await redis.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
      await waitFor(
        `the one-node cluster on port ${port} did not reach cluster_state:ok`,
        async () => String(await redis.call('CLUSTER', 'INFO')).includes('cluster_state:ok'),
        control.output,
      );
    } finally {
      redis.disconnect();
    }
  };

  await launch();

  return {
    url,
    port,
    stop: control.stop,
    async restart() {
      await control.stop('SIGKILL');
      await launch();
    },
    pause() {
      control.signal('SIGSTOP');
    },
    resume() {
      control.signal('SIGCONT');
    },
    client,
    async scanAll() {
      const redis = client();
      try {
        const keys: Buffer[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await redis.scanBuffer(cursor, 'COUNT', 1000);
          cursor = next.toString();
          keys.push(...batch);
        } while (cursor !== '0');
        const values = await Promise.all(keys.map((key) => redis.getBuffer(key)));
        return keys.map((key, i) => ({ key, value: values[i] ?? null }));
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** A Sentinel (`redis-server --sentinel`) watching `master` under `masterName`; the URL carries the master's password. */
export async function startSentinel(master: RedisServer, masterName: string, password?: string): Promise<SentinelServer> {
  const port = await freePort();
  const control = processControl(port, (dir) => {
    // Sentinel rewrites its configuration file, so it gets one of its own.
    const config = join(dir, 'sentinel.conf');
    const lines = [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`];
    if (password !== undefined) lines.push(`sentinel auth-pass ${masterName} ${password}`);
    writeFileSync(config, `${lines.join('\n')}\n`);
    return [config, '--sentinel', '--daemonize', 'no', '--loglevel', 'warning'];
  });
  await control.launch();
  const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
  return { url: `redis+sentinel://${auth}127.0.0.1:${port}/${masterName}`, port, stop: control.stop };
}
