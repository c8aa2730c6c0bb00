/**
 * The OTLP span exporter the environment asks for (https://opentelemetry.io/docs/specs/otel/protocol/exporter/):
 * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, picks the transport:
 *
 * - `http/protobuf` (the default, as the specification recommends): protobuf bodies POSTed over HTTP;
 * - `http/json`: the same over HTTP with JSON bodies;
 * - `grpc`: the collector's `TraceService/Export` over gRPC (HTTP/2), e.g. a backend's port 4317.
 *
 * An empty variable counts as unset (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#parsing-empty-value),
 * case does not matter, and any other value is a configuration error, thrown here so that
 * `usergraph start` refuses to run rather than export nothing (where the SDK specification would
 * have an unknown enum value warned about and ignored: a gateway sending its spans nowhere, or with
 * the wrong encoding, would look healthy while its traces go missing).
 *
 * The endpoint is the one `env` names (the exporters alone would read process.env's). The other
 * OTEL_EXPORTER_OTLP_* settings (headers, timeout, compression, and for gRPC the certificates and
 * `…_INSECURE`) each exporter reads from the process environment itself.
 */
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export type Env = Readonly<Record<string, string | undefined>>;

/** The values the specification defines, the default first. */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/**
 * The protocol spans are exported with: the traces-specific variable wins over the generic one,
 * `http/protobuf` when neither is set. Throws, naming the variable, its value and the accepted
 * values, when the one that applies holds anything else.
 */
export function tracesProtocol(env: Env): OtlpProtocol {
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'] as const) {
    // Enum values are read case-insensitively (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#enum).
    const value = env[name]?.trim().toLowerCase();
    if (!value) continue;
    if ((OTLP_PROTOCOLS as readonly string[]).includes(value)) return value as OtlpProtocol;
    throw new Error(`${name}=${JSON.stringify(env[name])} is not an OTLP protocol; accepted: http/protobuf (the default), http/json, grpc`);
  }
  return 'http/protobuf';
}

/**
 * Where spans go for `protocol` (https://opentelemetry.io/docs/specs/otel/protocol/exporter/#endpoint-urls-for-otlphttp):
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else, over HTTP, `OTEL_EXPORTER_OTLP_ENDPOINT` with
 * `/v1/traces` appended and, over gRPC, `OTEL_EXPORTER_OTLP_ENDPOINT` as is (gRPC has no path).
 */
export function tracesUrl(env: Env, protocol: OtlpProtocol = tracesProtocol(env)): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!base) return undefined;
  return protocol === 'grpc' ? base : `${base.replace(/\/+$/, '')}/v1/traces`;
}

/** The SDK's OTLP span exporter for the protocol `env` selects, sending to the endpoint `env` names. */
export function createSpanExporter(env: Env): SpanExporter {
  const protocol = tracesProtocol(env);
  const url = tracesUrl(env, protocol);
  switch (protocol) {
    case 'grpc':
      return new GrpcTraceExporter({ url });
    case 'http/json':
      return new JsonTraceExporter({ url });
    case 'http/protobuf':
      return new ProtobufTraceExporter({ url });
  }
}

/**
 * Where spans go, for a log line: the endpoint's origin (never its path, query or user info, which
 * may carry a key), or
 * `host:port` for a gRPC endpoint written without a scheme. Undefined when tracing has no endpoint.
 */
export function endpointOrigin(env: Env): string | undefined {
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!url) return undefined;
  for (const candidate of [url, `http://${url}`]) {
    try {
      const parsed = new URL(candidate);
      if (parsed.origin !== 'null') return candidate === url ? parsed.origin : parsed.host;
    } catch {
      // Not a URL as written: try it as `host:port`.
    }
  }
  return undefined;
}
