/**
 * A real Prometheus server (Debian's `prometheus`, installed by .ci/run) on a free loopback port,
 * scraping the given targets every second, with exemplar storage on
 * (https://prometheus.io/docs/prometheus/latest/feature_flags/#exemplars-storage), and its HTTP API
 * (https://prometheus.io/docs/prometheus/latest/querying/api/) for the tests: targets, instant queries,
 * exemplar queries. Its data lives in a temporary directory removed on stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One scrape target as Prometheus reports it (`/api/v1/targets`). */
export interface PrometheusTarget {
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  scrapeUrl: string;
}

/** One series' exemplars (`/api/v1/query_exemplars`). */
export interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }>;
}

export interface PrometheusServer {
  url: string;
  targets(): Promise<PrometheusTarget[]>;
  /** An instant query's vector: each series' labels and value. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  exemplars(expr: string): Promise<ExemplarSeries[]>;
  /** Polls `check` until it returns a value (not undefined), giving up after 45 s with what it saw. */
  waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T>;
  /** Prometheus's own log, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const BINARY = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const WAIT_MS = 45_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts Prometheus scraping `targets` (`host:port`, path `metricsPath`), waits until its API answers. */
export async function startPrometheus(targets: string[], metricsPath = '/metrics'): Promise<PrometheusServer> {
  if (!existsSync(BINARY)) {
    throw new Error(`${BINARY} not found: the metrics tests need Debian's prometheus package, which .ci/run installs (apt-get install prometheus), or PROMETHEUS_BIN`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'usergraph-prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    '  - job_name: usergraph',
    `    metrics_path: ${metricsPath}`,
    '    static_configs:',
    `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  let output = '';
  const child: ChildProcess = spawn(
    BINARY,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--enable-feature=exemplar-storage',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  async function api<T>(path: string): Promise<T> {
    const res = await fetch(url + path);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  }

  async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    let last: unknown;
    for (;;) {
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (error) {
        last = error;
      }
      if (child.exitCode !== null) throw new Error(`Prometheus exited while waiting for ${what}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const server: PrometheusServer = {
    url,
    targets: async () => (await api<{ activeTargets: PrometheusTarget[] }>('/api/v1/targets')).activeTargets,
    query: async (expr) => {
      const data = await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    exemplars: (expr) => {
      const now = Date.now() / 1000;
      return api<ExemplarSeries[]>(`/api/v1/query_exemplars?query=${encodeURIComponent(expr)}&start=${now - 3600}&end=${now + 60}`);
    },
    waitFor,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await waitFor('Prometheus to answer', async () => ((await fetch(`${url}/-/ready`).catch(() => undefined))?.ok ? true : undefined));
  return server;
}
