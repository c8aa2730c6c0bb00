/**
 * OpenTelemetry traces (https://opentelemetry.io/docs/languages/js/): one span per GraphQL operation,
 * one per DataLoader batch (and per `me` read or list page), one per upstream attempt, so an operator
 * sees which provider made a request slow, and for which operation.
 *
 * Configured by the standard variables, read by the SDK itself: `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), `OTEL_EXPORTER_OTLP_PROTOCOL` (tracing-exporter.ts), `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`,
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`, `OTEL_BSP_*`. With no
 * endpoint (or `OTEL_SDK_DISABLED=true`) nothing is set up: the tracer is the API's no-op one and a
 * request costs a few no-op calls.
 *
 * Spans travel explicitly, like the request's deadline (request-scope.ts): the operation's context is
 * created at the front door (server.ts) and handed to the loaders, whose batch spans' contexts go to
 * every upstream call in its `UpstreamCallOptions.trace`. No global context manager is involved, so
 * two requests can never mix their spans.
 *
 * W3C trace context (`traceparent`, `tracestate`) from the client (or a federation router) is the
 * operation span's parent. It is sent on to a provider only where `<PROVIDER>_TRACE_PROPAGATION=true`:
 * the providers are third parties. Attributes never hold a credential, a query text or variables:
 * routes are templates (`/users/{id}.json`), and the document is named by its hash. User and group
 * ids appear only with TRACE_USER_IDS=true (batch spans' `usergraph.user.ids`, attempt spans'
 * `url.full`).
 *
 * Log correlation: every log line of a request carries `trace_id`, `span_id` and `trace_flags`
 * (`logIds`), also when the sampler left the request out, and with tracing off those of the caller's
 * `traceparent` (`callerLogIds`).
 */
import { isSpanContextValid, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { detectResources, envDetector, hostDetector, resourceFromAttributes, serviceInstanceIdDetector } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { IncomingHttpHeaders } from 'node:http';
import { createSpanExporter } from './tracing-exporter.js';

export type { Context, Span } from '@opentelemetry/api';

/** A GraphQL request's span and the context its children (batches, upstream attempts) start under. */
export interface RequestSpan {
  span: Span;
  context: Context;
}

export interface GatewayTracing {
  /** Whether spans are recorded and exported (an endpoint is configured). */
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /** The client's trace context (`traceparent`, `tracestate`), or the root context when it sent none. */
  extract(headers: IncomingHttpHeaders): Context;
  /** Adds `traceparent`/`tracestate` for `ctx` to an upstream request's headers. */
  inject(ctx: Context, headers: Record<string, string>): void;
  /** Exports what has ended (tests; shutdown). */
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** The environment (`process.env` in production): tracing is on when it names an OTLP endpoint, and spans go there. */
  env: Readonly<Record<string, string | undefined>>;
  /** Overrides the OTLP exporter (tests use one pointed at their receiver). */
  exporter?: SpanExporter;
  /** Overrides the sampler the SDK would build from OTEL_TRACES_SAMPLER. */
  sampler?: Sampler;
  serviceVersion?: string;
}

const w3c = new W3CTraceContextPropagator();
const getter = {
  keys: (carrier: IncomingHttpHeaders) => Object.keys(carrier),
  get: (carrier: IncomingHttpHeaders, key: string) => carrier[key],
};

/** Tracing off: the API's no-op tracer, nothing recorded or exported. */
export function createDisabledTracing(): GatewayTracing {
  return {
    enabled: false,
    tracer: trace.getTracer('usergraph'),
    extract: () => ROOT_CONTEXT,
    inject: () => undefined,
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
}

/** Tracing from the environment (or the test's exporter): off unless an OTLP endpoint is configured. */
export function createTracing(options: TracingOptions): GatewayTracing {
  const { env } = options;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  // OTEL_SDK_DISABLED is a boolean the specification reads case-insensitively.
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || (!endpoint && !options.exporter)) return createDisabledTracing();
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: 'usergraph',
    ...(options.serviceVersion && { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
  }).merge(
    // One process among the replicas: `service.instance.id` (a UUID per process, as the resource
    // conventions recommend) and `host.name` (the container's). OTEL_RESOURCE_ATTRIBUTES and
    // OTEL_SERVICE_NAME come last and win over all of these.
    detectResources({ detectors: [serviceInstanceIdDetector, hostDetector, envDetector] }),
  );
  const provider = new NodeTracerProvider({
    resource,
    ...(options.sampler && { sampler: options.sampler }),
    // The endpoint is the one `env` names (the exporter alone would read process.env's); headers,
    // timeout and compression the exporter reads from the OTEL_EXPORTER_OTLP_* variables itself.
    spanProcessors: [new BatchSpanProcessor(options.exporter ?? createSpanExporter(env))],
  });
  return {
    enabled: true,
    tracer: provider.getTracer('usergraph', options.serviceVersion),
    extract: (headers) => w3c.extract(ROOT_CONTEXT, headers, getter),
    inject: (ctx, headers) => w3c.inject(ctx, headers, { set: (carrier, key, value) => (carrier[key] = value) }),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** A sampler keeping `ratio` of new traces and following the caller's decision (tests, bench). */
export function ratioSampler(ratio: number): Sampler {
  return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
}

/** The context carrying `span` as the parent of what starts under it. */
export function withSpan(parent: Context, span: Span): Context {
  return trace.setSpan(parent, span);
}

/** The trace fields of a log line (the names OpenTelemetry's log correlation uses). */
export interface LogTraceIds {
  trace_id: string;
  span_id: string;
  /** `01` when the trace is sampled (exported), `00` when not. */
  trace_flags: '01' | '00';
}

/**
 * `trace_id`, `span_id` and `trace_flags` for log lines: the span's ids whenever its context is valid,
 * sampled or not, so the lines of a request a sampler left out still group by trace (the caller's
 * trace id, under a caller that traces). https://opentelemetry.io/docs/specs/otel/compatibility/logging_trace_context/
 */
export function logIds(span: Span): LogTraceIds | undefined {
  return idsOf(span.spanContext());
}

/**
 * With tracing off: the caller's trace fields from its `traceparent`, so a request's log lines still
 * carry the trace the caller (a client, a federation router) put it in. None without a valid header.
 */
export function callerLogIds(headers: IncomingHttpHeaders): LogTraceIds | undefined {
  if (headers.traceparent === undefined) return undefined;
  const ctx = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, headers, getter));
  return ctx && idsOf(ctx);
}

function idsOf(ctx: SpanContext): LogTraceIds | undefined {
  if (!isSpanContextValid(ctx)) return undefined;
  return { trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: ctx.traceFlags & TraceFlags.SAMPLED ? '01' : '00' };
}

/** Codes that mean a provider failed (not the caller, not the data): the span's status is ERROR. */
const PROVIDER_FAILURES = new Set(['PROVIDER_UNAVAILABLE', 'PROVIDER_TIMEOUT', 'PROVIDER_BAD_RESPONSE', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR']);

/** Whether `code` is a provider's or the gateway's failure (not the caller's mistake, not missing data). */
export function isFailureCode(code: string): boolean {
  return PROVIDER_FAILURES.has(code);
}

/** Marks `span` failed when `code` is a provider's failure; records the code either way. */
export function recordErrorCode(span: Span, code: unknown): void {
  if (typeof code !== 'string') return;
  span.setAttribute('error.type', code);
  if (PROVIDER_FAILURES.has(code)) span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * Runs `work` in an INTERNAL span `name` under `parent` (a batch, a list page), handing it the span's
 * context for the upstream calls it makes. Without a tracer or a parent it just runs `work`.
 */
export async function inSpan<T>(
  tracer: Tracer | undefined,
  parent: Context | undefined,
  name: string,
  attributes: Attributes,
  work: (context: Context | undefined, span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!tracer || !parent) return work(parent, undefined);
  const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent);
  try {
    return await work(withSpan(parent, span), span);
  } catch (error) {
    recordErrorCode(span, (error as { code?: unknown } | null)?.code ?? 'INTERNAL_SERVER_ERROR');
    throw error;
  } finally {
    span.end();
  }
}
