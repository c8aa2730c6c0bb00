/**
 * The gateway's error catalogue. Every error a client can see carries one of these codes in
 * `extensions.code` (and `extensions.provider` when a provider is involved). Codes are part of the
 * public API: never rename one once shipped. Callers branch on `code`, not on `instanceof`.
 */
import { GraphQLError } from 'graphql';
import type { ProviderName } from './providers/provider-name.js';

export const ErrorCode = {
  /** The request's arguments are invalid (e.g. an id the provider could never accept). No upstream call is made. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** Credentials for the provider are missing, malformed, or were refused by the provider. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The provider knows the caller but does not allow this read. */
  FORBIDDEN: 'FORBIDDEN',
  /** The provider has no such user, or does not let the caller see it. The field resolves to null. */
  NOT_FOUND: 'NOT_FOUND',
  /** The provider is throttling the caller. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The provider could not be reached, answered with a server error, or is not configured. */
  PROVIDER_UNAVAILABLE: 'PROVIDER_UNAVAILABLE',
  /** The provider did not answer in time. */
  PROVIDER_TIMEOUT: 'PROVIDER_TIMEOUT',
  /** The provider answered with something outside its documented contract (wrong shape, not JSON, a redirect, an unparseable date). */
  PROVIDER_BAD_RESPONSE: 'PROVIDER_BAD_RESPONSE',
  /** The operation would cost more upstream calls than the gateway allows; refused before any call. */
  OPERATION_TOO_EXPENSIVE: 'OPERATION_TOO_EXPENSIVE',
  /** The provider offers no way to do this (e.g. Droplit documents no user list). No upstream call is made. */
  NOT_SUPPORTED: 'NOT_SUPPORTED',
  /** A bug in the gateway. Details are logged, never sent. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const GATEWAY_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** The client-facing message used for each code unless a more specific, safe one is given. */
const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  BAD_USER_INPUT: 'Invalid input.',
  UNAUTHENTICATED: 'Credentials are missing or were refused.',
  FORBIDDEN: 'The provider does not allow this read.',
  NOT_FOUND: 'User not found.',
  RATE_LIMITED: 'The provider is rate limiting requests; retry later.',
  PROVIDER_UNAVAILABLE: 'The provider is unavailable.',
  PROVIDER_TIMEOUT: 'The provider did not answer in time.',
  PROVIDER_BAD_RESPONSE: 'The provider sent a response the gateway cannot read.',
  OPERATION_TOO_EXPENSIVE: 'The operation would make too many upstream calls.',
  NOT_SUPPORTED: 'The provider does not support this.',
  INTERNAL_SERVER_ERROR: 'Internal server error.',
};

export interface GatewayErrorOptions {
  provider?: ProviderName;
  /** A short machine-readable refinement of the code, e.g. `MFA_REQUIRED`. */
  reason?: string;
  /** Seconds the client should wait before retrying (RATE_LIMITED). */
  retryAfterSeconds?: number;
  /**
   * Internal detail for logs only (upstream status, a redacted summary, the underlying error).
   * Never serialised into the response.
   */
  detail?: unknown;
  /** HTTP status for errors raised before execution (Apollo reads `extensions.http`; never sent). */
  http?: { status: number };
}

/**
 * The one error class of the gateway. Its message must be safe to show a client: never put an
 * upstream body, URL, header or credential in it (use `options.detail` for what only logs may see).
 */
export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;
  readonly provider: ProviderName | undefined;
  declare readonly detail: unknown;

  constructor(code: ErrorCode, message?: string, options: GatewayErrorOptions = {}) {
    const extensions: Record<string, unknown> = { code };
    if (options.provider) extensions.provider = options.provider;
    if (options.reason) extensions.reason = options.reason;
    if (options.retryAfterSeconds !== undefined) extensions.retryAfterSeconds = options.retryAfterSeconds;
    if (options.http) extensions.http = options.http;
    // No stack trace: a GatewayError is an expected outcome (a provider's answer, a refused input),
    // never a bug to locate, and the trace is what made an error answer cost more CPU than a success
    // (captured here, then formatted when graphql-js and Apollo wrap the error). A bug's own error
    // keeps its trace in `detail`.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message ?? DEFAULT_MESSAGES[code], { extensions });
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'GatewayError';
    this.code = code;
    this.provider = options.provider;
    // Non-enumerable so no serializer (JSON, pino, util.inspect defaults) picks it up by accident.
    Object.defineProperty(this, 'detail', { value: options.detail, enumerable: false });
  }
}

/** True for errors created by the gateway (matched on the code, as undici recommends, not instanceof). */
export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GraphQLError && isGatewayCode((error as { code?: unknown }).code);
}

/** True when `code` is one of the gateway's public codes. */
export function isGatewayCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && GATEWAY_CODES.has(code);
}
