/**
 * Exemplars (src/metrics.ts): the operation and upstream attempt latency histograms name the sampled
 * span behind an observation, `{trace_id, span_id}`, in the OpenMetrics format `/metrics` serves to a
 * scraper that asks for it; the Prometheus text format stays as it was for any other. Over real HTTP,
 * with spans exported by the real OTLP exporter to a receiver on loopback: an exemplar names the
 * exported SERVER or CLIENT span, an unsampled request or tracing off gives none, and the OpenMetrics
 * output passes a strict check against the specification
 * (https://prometheus.io/docs/specs/om/open_metrics_spec/).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../../src/simulators/index.js';
import { createTracing, ratioSampler, type GatewayTracing } from '../../src/tracing.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { startStack, type Stack } from '../helpers/stack.js';

const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
/** Retries without waiting: the tests count attempts, not backoff. */
const FAST_RETRIES = { UPSTREAM_BACKOFF_BASE_MS: '1', UPSTREAM_BACKOFF_MAX_MS: '2' };
const ADA = 'f848277c-5398-58f8-a82a-72397af2d450';

/** Distinct canary credentials, accepted by the simulators: none may ever show in `/metrics`. */
const CANARY = {
  passboltToken: 'eyZqA1bC2.dE3fG4hJ5.kL6mN7pQ8exemplar',
  syncanoApiKey: 'c0ffee11c0ffee22c0ffee33c0ffee44c0ffee55',
  syncanoUserKey: 'beef0000beef1111beef2222beef3333beef4444',
};
function canaryData() {
  const data = loadDemoData();
  data.passbolt.tokens = { [CANARY.passboltToken]: ADA };
  data.syncano.apiKeys = [CANARY.syncanoApiKey];
  (data.syncano.users[0] as { user_key: string }).user_key = CANARY.syncanoUserKey;
  return data;
}
const HEADERS = { 'X-Passbolt-Token': CANARY.passboltToken, 'X-Syncano-Api-Key': CANARY.syncanoApiKey, 'X-Syncano-User-Key': CANARY.syncanoUserKey };

/**
 * The `Accept` headers Prometheus sends with its default `scrape_protocols` (its `acceptHeader`:
 * OpenMetrics weighed above the text format): 2.x, and 3.x with its `escaping` parameter.
 */
const PROMETHEUS_2_ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.3';
const PROMETHEUS_3_ACCEPT =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
const ASKS_FOR_OPENMETRICS = ['application/openmetrics-text', 'application/openmetrics-text; version=1.0.0', PROMETHEUS_2_ACCEPT, PROMETHEUS_3_ACCEPT, 'Application/OpenMetrics-Text;Version=1.0.0;Q=1, text/plain;q=0.9'];
/** No OpenMetrics range, text weighed above it, refused (q=0), or only a version the gateway does not write. */
const ASKS_FOR_TEXT = [undefined, '*/*', 'text/plain', 'text/plain;version=0.0.4', 'application/json', 'text/plain;q=1,application/openmetrics-text;q=0.5', 'application/openmetrics-text;q=0', 'application/openmetrics-text;version=2.0.0, */*;q=0.1'];

interface Scrape {
  contentType: string | null;
  vary: string | null;
  body: string;
}

async function scrape(stack: Stack, accept?: string): Promise<Scrape> {
  const res = await fetch(stack.url.replace(/\/graphql$/, '/metrics'), { headers: accept === undefined ? {} : { accept } });
  expect(res.status).toBe(200);
  return { contentType: res.headers.get('content-type'), vary: res.headers.get('vary'), body: await res.text() };
}

// --- A strict reading of the OpenMetrics 1.0 text format (its ABNF and the rules of its data model) ---

interface Exemplar {
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  exemplar?: Exemplar;
}
interface Family {
  name: string;
  type: string;
  help?: string;
  unit?: string;
  samples: Sample[];
}

/** The sample names each type allows after the family's name. */
const SUFFIXES: Record<string, readonly string[]> = {
  counter: ['_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['', '_count', '_sum', '_created'],
  info: ['_info'],
  stateset: [''],
  unknown: [''],
};
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const REAL_NUMBER = /^[+-]?(\d+(\.\d*)?|\d*\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(text: string): number {
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (!REAL_NUMBER.test(text)) throw new Error(`${JSON.stringify(text)} is not a number`);
  return Number(text);
}

function parseTimestamp(text: string): number {
  if (!REAL_NUMBER.test(text)) throw new Error(`${JSON.stringify(text)} is not a timestamp`);
  return Number(text);
}

/** An escaped string (`\\`, `\"`, `\n` only; never a bare quote or newline) from `at` to its closing quote; the value and the index past it. */
function readQuoted(line: string, at: number): [string, number] {
  let value = '';
  for (let i = at; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') return [value, i + 1];
    if (c !== '\\') {
      value += c;
      continue;
    }
    const next = line[++i];
    if (next === 'n') value += '\n';
    else if (next === '"' || next === '\\') value += next;
    else throw new Error(`undefined escape \\${next ?? ''}`);
  }
  throw new Error('unterminated label value');
}

/** `{name="value",…}` from `at` (its `{`): the labels and the index past the `}`. */
function readLabels(line: string, at: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = at + 1;
  if (line[i] === '}') return [labels, i + 1];
  for (;;) {
    const eq = line.indexOf('=', i);
    const name = eq < 0 ? '' : line.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`bad label name ${JSON.stringify(name)}`);
    if (name.startsWith('__')) throw new Error(`reserved label name ${name}`);
    if (Object.hasOwn(labels, name)) throw new Error(`label ${name} twice`);
    if (line[eq + 1] !== '"') throw new Error(`label ${name}: no opening quote`);
    const [value, end] = readQuoted(line, eq + 2);
    labels[name] = value;
    if (line[end] === '}') return [labels, end + 1];
    if (line[end] !== ',') throw new Error(`label ${name}: expected , or }`);
    i = end + 1;
  }
}

function checkEscapedString(text: string): void {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') throw new Error('bare double quote');
    if (text[i] === '\\' && !['n', '"', '\\'].includes(text[++i] ?? '')) throw new Error('undefined escape');
  }
}

function parseSample(line: string): Sample {
  const name = METRIC_NAME.exec(line)?.[0];
  if (!name) throw new Error('no metric name');
  let i = name.length;
  let labels: Record<string, string> = {};
  if (line[i] === '{') [labels, i] = readLabels(line, i);
  if (line[i] !== ' ') throw new Error('expected a space before the value');
  const rest = line.slice(i + 1);
  const hash = rest.indexOf(' # ');
  const [valueText = '', timestampText, ...extra] = (hash < 0 ? rest : rest.slice(0, hash)).split(' ');
  if (extra.length) throw new Error('text after the timestamp');
  const sample: Sample = { name, labels, value: parseNumber(valueText) };
  if (timestampText !== undefined) parseTimestamp(timestampText);
  if (hash >= 0) {
    const exemplarText = rest.slice(hash + 3);
    if (exemplarText[0] !== '{') throw new Error('an exemplar starts with its labels');
    const [exemplarLabels, end] = readLabels(exemplarText, 0);
    if (exemplarText[end] !== ' ') throw new Error('expected a space before the exemplar value');
    const [exemplarValue = '', exemplarTimestamp, ...more] = exemplarText.slice(end + 1).split(' ');
    if (more.length) throw new Error('text after the exemplar');
    const length = [...Object.entries(exemplarLabels).flat().join('')].length;
    if (length > 128) throw new Error(`exemplar label set of ${length} characters (at most 128)`);
    sample.exemplar = { labels: exemplarLabels, value: parseNumber(exemplarValue), ...(exemplarTimestamp !== undefined && { timestamp: parseTimestamp(exemplarTimestamp) }) };
  }
  return sample;
}

/** The Metric a sample belongs to: its labels less the point's own (`le`, `quantile`). */
function metricKey(family: Family, labels: Record<string, string>): string {
  const own = family.type === 'histogram' || family.type === 'gaugehistogram' ? 'le' : family.type === 'summary' ? 'quantile' : undefined;
  return JSON.stringify(Object.entries(labels).filter(([name]) => name !== own).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function checkFamily(family: Family): void {
  if (!family.help) throw new Error('no HELP');
  const seenMetrics = new Set<string>();
  const seenSamples = new Set<string>();
  let lastMetric: string | undefined;
  const byMetric = new Map<string, Sample[]>();
  for (const sample of family.samples) {
    const key = metricKey(family, sample.labels);
    if (key !== lastMetric && seenMetrics.has(key)) throw new Error(`${sample.name}: metrics interleaved`);
    seenMetrics.add(key);
    lastMetric = key;
    const id = `${sample.name} ${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seenSamples.has(id)) throw new Error(`${sample.name}: sample twice`);
    seenSamples.add(id);
    byMetric.set(key, [...(byMetric.get(key) ?? []), sample]);
    const suffix = sample.name.slice(family.name.length);
    const exemplarAllowed = (family.type === 'counter' && suffix === '_total') || ((family.type === 'histogram' || family.type === 'gaugehistogram') && suffix === '_bucket');
    if (sample.exemplar && !exemplarAllowed) throw new Error(`${sample.name}: an exemplar where none is allowed`);
    if (family.type === 'counter' && suffix === '_total' && !(sample.value >= 0)) throw new Error(`${sample.name}: a counter's total is a non-negative number`);
    if (family.type === 'info' && sample.value !== 1) throw new Error(`${sample.name}: an info sample is 1`);
  }
  if (family.type !== 'histogram') return;
  for (const samples of byMetric.values()) {
    const buckets = samples.filter((s) => s.name === `${family.name}_bucket`);
    let previousBound = -Infinity;
    let previousCount = 0;
    for (const bucket of buckets) {
      if (bucket.labels.le === undefined) throw new Error(`${bucket.name}: no le`);
      const bound = parseNumber(bucket.labels.le);
      if (!(bound > previousBound)) throw new Error(`${bucket.name}: le ${bucket.labels.le} out of order`);
      if (!Number.isInteger(bucket.value) || bucket.value < previousCount) throw new Error(`${bucket.name}{le="${bucket.labels.le}"}: buckets are cumulative integer counts`);
      if (bucket.exemplar && !(bucket.exemplar.value <= bound && bucket.exemplar.value > previousBound)) throw new Error(`${bucket.name}{le="${bucket.labels.le}"}: exemplar value ${bucket.exemplar.value} outside the bucket`);
      previousBound = bound;
      previousCount = bucket.value;
    }
    if (previousBound !== Infinity) throw new Error(`${family.name}: no +Inf bucket`);
    const count = samples.find((s) => s.name === `${family.name}_count`);
    const sum = samples.find((s) => s.name === `${family.name}_sum`);
    for (const s of [count, sum]) if (s && s.labels.le !== undefined) throw new Error(`${s.name}: le on a histogram's metric`);
    if (count && count.value !== previousCount) throw new Error(`${family.name}_count ${count.value} is not the +Inf bucket's ${previousCount}`);
    if (sum && !(sum.value >= 0)) throw new Error(`${family.name}_sum is negative or NaN`);
  }
}

/** The families of an OpenMetrics text exposition, by name; throws, naming the line, at the first departure from the format. */
function parseOpenMetrics(text: string): Map<string, Family> {
  if (!text.endsWith('\n# EOF\n')) throw new Error('the exposition does not end with "# EOF\\n"');
  if (text.includes('\r')) throw new Error('a carriage return');
  const lines = text.slice(0, -'# EOF\n'.length).split('\n');
  lines.pop();
  const families = new Map<string, Family>();
  let current: Family | undefined;
  const seenMetadata = new Set<string>();
  lines.forEach((line, n) => {
    try {
      if (line.startsWith('#')) {
        const meta = /^# (HELP|TYPE|UNIT) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
        if (!meta) throw new Error('a # line that is neither HELP, TYPE nor UNIT');
        const [, kind, name, value] = meta as unknown as [string, string, string, string];
        if (current?.name !== name) {
          if (families.has(name)) throw new Error(`family ${name} interleaved or twice`);
          if (name.startsWith('_')) throw new Error(`reserved family name ${name}`);
          current = { name, type: 'unknown', samples: [] };
          families.set(name, current);
        }
        if (current.samples.length) throw new Error(`${kind} after ${name}'s samples`);
        if (seenMetadata.has(`${kind} ${name}`)) throw new Error(`a second ${kind} for ${name}`);
        seenMetadata.add(`${kind} ${name}`);
        if (kind === 'TYPE') {
          if (!(value in SUFFIXES)) throw new Error(`type ${value}`);
          current.type = value;
        } else if (kind === 'HELP') {
          checkEscapedString(value);
          current.help = value;
        } else {
          if (value && !name.endsWith(`_${value}`)) throw new Error(`unit ${value} is not a suffix of ${name}`);
          current.unit = value;
        }
        return;
      }
      if (line === '') throw new Error('an empty line');
      const sample = parseSample(line);
      // Stricter than the format (which allows a sample with no metadata, of type unknown): the gateway declares every family.
      if (!current || !SUFFIXES[current.type]!.some((suffix) => sample.name === current!.name + suffix)) throw new Error(`sample ${sample.name} outside its declared family`);
      current.samples.push(sample);
    } catch (error) {
      throw new Error(`OpenMetrics line ${n + 1} ${JSON.stringify(line)}: ${(error as Error).message}`, { cause: error });
    }
  });
  // No family may name a sample another family could (a gauge `x_total` beside a counter `x`).
  const owner = new Map<string, string>();
  for (const family of families.values()) {
    checkFamily(family);
    for (const suffix of SUFFIXES[family.type]!) {
      const sampleName = family.name + suffix;
      if (owner.has(sampleName)) throw new Error(`families ${owner.get(sampleName)} and ${family.name} clash on ${sampleName}`);
      owner.set(sampleName, family.name);
    }
  }
  return families;
}

// --- What the tests read of the expositions ---

/** Every exemplar of `family`'s buckets, with the series it is on. */
function exemplarsOf(families: Map<string, Family>, family: string): Array<Exemplar & { series: Record<string, string> }> {
  const found = families.get(family);
  expect(found, family).toBeDefined();
  return found!.samples.filter((s) => s.exemplar).map((s) => ({ ...s.exemplar!, series: s.labels }));
}

function allExemplars(families: Map<string, Family>): Exemplar[] {
  return [...families.values()].flatMap((f) => f.samples.flatMap((s) => (s.exemplar ? [s.exemplar] : [])));
}

function sampleValue(families: Map<string, Family>, family: string, name: string, labels: Record<string, string> = {}): number {
  const sample = families.get(family)?.samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels));
  return sample?.value ?? 0;
}

/** The Prometheus text format's `# TYPE` lines, as `[name, type]`. */
function textTypes(text: string): Array<[string, string]> {
  return [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]);
}

/** The sample lines of the gateway's own metrics (the process and Node ones change between two reads), exemplars cut off. */
function ownSampleLines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('usergraph_') && !/^usergraph_(process|nodejs)_/.test(l))
    .map((l) => l.replace(/ # \{.*$/, ''));
}

/** A client's own span: a W3C `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header). */
function clientSpan(sampled: boolean): { traceparent: string; traceId: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-${sampled ? '01' : '00'}`, traceId };
}

const REQUEST_DURATION = 'usergraph_graphql_request_duration_seconds';
const UPSTREAM_DURATION = 'usergraph_upstream_request_duration_seconds';

describe('the strict OpenMetrics check', () => {
  const GOOD = [
    '# TYPE foo_seconds counter',
    '# UNIT foo_seconds seconds',
    '# HELP foo_seconds Some text and \\n some \\" escaping',
    'foo_seconds_total 17.0 # {trace_id="0af7651916cd43dd8448eb211c80319c"} 1 1520879607.789',
    '# TYPE h histogram',
    '# HELP h A histogram.',
    'h_bucket{le="0.5"} 1 # {trace_id="a"} 0.25',
    'h_bucket{le="+Inf"} 2',
    'h_sum 3.5',
    'h_count 2',
    '# EOF',
    '',
  ].join('\n');

  it('accepts a well-formed exposition and refuses each departure from the format', () => {
    expect([...parseOpenMetrics(GOOD).keys()]).toEqual(['foo_seconds', 'h']);
    const bad: Array<[string, string, RegExp]> = [
      ['no # EOF', GOOD.replace('# EOF\n', ''), /# EOF/],
      ['an empty line', GOOD.replace('# TYPE h', '\n# TYPE h'), /an empty line/],
      ['a bare quote in HELP', GOOD.replace('A histogram.', 'A "histogram".'), /bare double quote/],
      ['a counter sample without _total', GOOD.replace('foo_seconds_total 17.0', 'foo_seconds 17.0'), /outside its declared family/],
      ['an exemplar on _sum', GOOD.replace('h_sum 3.5', 'h_sum 3.5 # {trace_id="a"} 1'), /exemplar where none is allowed/],
      ['an exemplar outside its bucket', GOOD.replace('# {trace_id="a"} 0.25', '# {trace_id="a"} 0.75'), /outside the bucket/],
      ['an exemplar label set over 128 characters', GOOD.replace('trace_id="a"}', `trace_id="${'a'.repeat(121)}"}`), /at most 128/],
      ['buckets not cumulative', GOOD.replace('h_bucket{le="+Inf"} 2', 'h_bucket{le="+Inf"} 0'), /cumulative/],
      ['a count that is not the +Inf bucket', GOOD.replace('h_count 2', 'h_count 3'), /not the \+Inf bucket/],
      ['no +Inf bucket', GOOD.replace('h_bucket{le="+Inf"} 2\n', ''), /no \+Inf bucket/],
      ['a family twice', GOOD.replace('# EOF', '# TYPE foo_seconds counter\n# EOF'), /interleaved or twice/],
      ['a clash of sample names', GOOD.replace('# EOF', '# TYPE foo_seconds_total gauge\n# HELP foo_seconds_total x\n# EOF'), /clash/],
      ['a bad number', GOOD.replace('h_sum 3.5', 'h_sum 3,5'), /not a number/],
      ['an undefined escape', GOOD.replace('# {trace_id="a"}', '# {trace_id="\\a"}'), /undefined escape/],
      ['a carriage return', GOOD.replace('h_sum 3.5\n', 'h_sum 3.5\r\n'), /carriage return/],
    ];
    for (const [what, text, reason] of bad) expect(() => parseOpenMetrics(text), what).toThrow(reason);
  });
});

describe('exemplars with tracing on', () => {
  let receiver: OtlpReceiver;
  let tracing: GatewayTracing;
  let stack: Stack;

  /** Waits until the trace of the operation `name` is exported with `clientSpans` attempt spans; returns its spans. */
  async function exportedTrace(name: string, clientSpans: number): Promise<ReceivedSpan[]> {
    const inTrace = (all: ReceivedSpan[]) => {
      const op = all.find((s) => s.kind === 'SERVER' && s.name === name);
      return op ? all.filter((s) => s.traceId === op.traceId) : [];
    };
    const spans = await receiver.waitForSpans((all) => inTrace(all).filter((s) => s.kind === 'CLIENT').length >= clientSpans, { flush: () => tracing.forceFlush(), what: `the trace of ${name}` });
    return inTrace(spans);
  }

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // OTLP/JSON named explicitly: these tests read exemplars, whatever the default protocol.
    tracing = createTracing({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }, sampler: ratioSampler(1) });
    expect(tracing.enabled).toBe(true);
    stack = await startStack({ tracing, data: canaryData(), env: FAST_RETRIES });
  });
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
  });

  it("names the operation's exported SERVER span on its duration bucket, and its upstream attempt's CLIENT span on the attempt's", async () => {
    const res = await stack.gql(`query ExemplarOperation { me(provider: PASSBOLT) { id } }`, {}, HEADERS);
    expect(res.body.data.me.id).toBe(ADA);
    const trace = await exportedTrace('query ExemplarOperation', 1);
    const op = trace.find((s) => s.kind === 'SERVER')!;
    const attempt = trace.find((s) => s.kind === 'CLIENT')!;

    const { contentType, body } = await scrape(stack, 'application/openmetrics-text');
    expect(contentType).toBe(OPENMETRICS);
    const families = parseOpenMetrics(body);

    const operation = exemplarsOf(families, REQUEST_DURATION).filter((e) => e.labels.trace_id === op.traceId);
    expect(operation).toHaveLength(1);
    // Exactly the trace and span ids: nothing else of the request goes into an exemplar.
    expect(operation[0]!.labels).toEqual({ trace_id: op.traceId, span_id: op.spanId });
    expect(operation[0]!.timestamp).toBeGreaterThan(0);

    const upstream = exemplarsOf(families, UPSTREAM_DURATION).filter((e) => e.labels.trace_id === op.traceId);
    expect(upstream).toHaveLength(1);
    expect(upstream[0]!.labels).toEqual({ trace_id: op.traceId, span_id: attempt.spanId });
    expect(upstream[0]!.series).toMatchObject({ provider: 'PASSBOLT', status: '200' });
  });

  it('names each attempt of a retried call on its own series: the failed one on 503, the retry on 200', async () => {
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 } }]);
    const res = await stack.gql(`query ExemplarRetried { user(provider: PASSBOLT, id: "${ADA}") { id } }`, {}, HEADERS);
    expect(res.body.data.user.id).toBe(ADA);
    const trace = await exportedTrace('query ExemplarRetried', 2);
    const attempts = trace.filter((s) => s.kind === 'CLIENT');
    const first = attempts.find((a) => !('http.request.resend_count' in a.attributes))!;
    const retry = attempts.find((a) => a.attributes['http.request.resend_count'] === 1)!;
    expect(first.attributes['http.response.status_code']).toBe(503);

    const families = parseOpenMetrics((await scrape(stack, PROMETHEUS_3_ACCEPT)).body);
    const mine = exemplarsOf(families, UPSTREAM_DURATION).filter((e) => e.labels.trace_id === first.traceId);
    expect(mine.map((e) => [e.series.status, e.labels.span_id]).sort()).toEqual([
      ['200', retry.spanId],
      ['503', first.spanId],
    ]);
    for (const e of mine) expect(e.series.provider).toBe('PASSBOLT');
  });

  it('gives an unsampled request (the caller sampled it out) no exemplar: it is counted, every exemplar stays as it was', async () => {
    const before = parseOpenMetrics((await scrape(stack, PROMETHEUS_2_ACCEPT)).body);
    const unsampled = clientSpan(false);
    const res = await stack.gql(`query ExemplarSampledOut { me(provider: PASSBOLT) { id } }`, {}, { ...HEADERS, traceparent: unsampled.traceparent });
    expect(res.body.data.me.id).toBe(ADA);
    const after = parseOpenMetrics((await scrape(stack, PROMETHEUS_2_ACCEPT)).body);

    expect(sampleValue(after, REQUEST_DURATION, `${REQUEST_DURATION}_count`)).toBe(sampleValue(before, REQUEST_DURATION, `${REQUEST_DURATION}_count`) + 1);
    const passbolt200 = { provider: 'PASSBOLT', status: '200' };
    expect(sampleValue(after, UPSTREAM_DURATION, `${UPSTREAM_DURATION}_count`, passbolt200)).toBe(sampleValue(before, UPSTREAM_DURATION, `${UPSTREAM_DURATION}_count`, passbolt200) + 1);
    expect(allExemplars(after)).toEqual(allExemplars(before));
    expect(JSON.stringify(allExemplars(after))).not.toContain(unsampled.traceId);
  });

  it('serves OpenMetrics to a scraper that asks for it: every metric of the text format, counters as families with `_total` samples, same values, no credential', async () => {
    await stack.gql(`{ s: me(provider: SYNCANO) { id } p: me(provider: PASSBOLT) { id } }`, {}, HEADERS);
    for (const accept of ASKS_FOR_OPENMETRICS) {
      const om = await scrape(stack, accept);
      const text = await scrape(stack);
      expect(om.contentType, accept).toBe(OPENMETRICS);
      expect(om.vary).toMatch(/accept/i);
      const families = parseOpenMetrics(om.body);
      // Every family of the text format, under its OpenMetrics name (a counter's without `_total`), and no other.
      const expected = textTypes(text.body).map(([name, type]) => [type === 'counter' ? name.replace(/_total$/, '') : name, type]);
      expect([...families.values()].map((f) => [f.name, f.type])).toEqual(expected);
      expect(families.get('usergraph_graphql_requests')?.type).toBe('counter');
      expect(om.body).toMatch(/^usergraph_graphql_requests_total\{outcome="ok"\} [1-9]/m);
      expect(om.body).toMatch(/^usergraph_upstream_requests_total\{provider="SYNCANO",status="200"\} [1-9]/m);
      expect(om.body).toMatch(/^usergraph_process_cpu_seconds_total /m);
      // The same samples, exemplars aside.
      expect(ownSampleLines(om.body)).toEqual(ownSampleLines(text.body));
      for (const body of [om.body, text.body]) for (const canary of Object.values(CANARY)) expect(body).not.toContain(canary);
    }
  });

  it('serves the Prometheus text format as before to a scraper that does not ask for OpenMetrics, also after OpenMetrics scrapes', async () => {
    await scrape(stack, 'application/openmetrics-text');
    for (const accept of ASKS_FOR_TEXT) {
      const { contentType, vary, body } = await scrape(stack, accept);
      expect(contentType, accept).toBe(PROMETHEUS_TEXT);
      expect(vary).toMatch(/accept/i);
      expect(body).not.toContain('# EOF');
      expect(body).not.toMatch(/ # \{/);
      // prom-client's own rendering of the registry, as `/metrics` always served it.
      expect(ownSampleLines(body)).toEqual(ownSampleLines(await stack.gateway.metrics.registry.metrics()));
      expect(textTypes(body)).toEqual(textTypes(await stack.gateway.metrics.registry.metrics()));
      // Counters keep their `_total` names in the text format.
      expect(body).toContain('# TYPE usergraph_graphql_requests_total counter');
      expect(body).toContain('# TYPE usergraph_upstream_requests_total counter');
      expect(body).toMatch(/^usergraph_graphql_requests_total\{outcome="ok"\} [1-9]/m);
      expect(body).toContain('# TYPE usergraph_process_cpu_seconds_total counter');
      expect(body).toContain('\n\n# HELP ');
    }
  });
});

describe('exemplars with tracing off', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ data: canaryData() });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("records none, even under a caller's sampled trace, and serves the Prometheus text format even to a scraper asking for OpenMetrics", async () => {
    const caller = clientSpan(true);
    const res = await stack.gql(`query Untraced { me(provider: PASSBOLT) { id } }`, {}, { ...HEADERS, traceparent: caller.traceparent });
    expect(res.body.data.me.id).toBe(ADA);
    // No exemplar to serve: the format existing scrapes stored before tracing existed.
    const { contentType, body } = await scrape(stack, PROMETHEUS_3_ACCEPT);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toMatch(new RegExp(`^${REQUEST_DURATION}_count 1$`, 'm'));
    expect(body).toMatch(new RegExp(`^${UPSTREAM_DURATION}_count\\{[^}]*provider="PASSBOLT"[^}]*\\} 1$`, 'm'));
    expect(body).not.toContain(' # {');
    expect(body).not.toContain('# EOF');
    expect(body).not.toContain(caller.traceId);
    for (const canary of Object.values(CANARY)) expect(body).not.toContain(canary);
  });
});
