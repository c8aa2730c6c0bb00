/**
 * The gateway's logger: pino, with every credential-bearing header redacted by key path.
 * Messages must never contain credentials, upstream bodies or URLs with query strings.
 * The provider headers come from the provider modules, so a new provider's are redacted too.
 */
import { pino, type DestinationStream, type LoggerOptions } from 'pino';
import { PROVIDER_MODULES } from './providers/registry.js';
import type { Logger } from './providers/types.js';

export type { Logger } from './providers/types.js';

/**
 * Header names (lower case) that carry secrets, on the client side or the upstream side: the HTTP
 * ones every request may carry, and every provider's credential and upstream secret headers.
 */
export const SECRET_HEADERS: readonly string[] = [
  ...new Set(
    ['authorization', 'cookie', 'set-cookie', ...PROVIDER_MODULES.flatMap((m) => [...m.credentialHeaders, ...m.upstreamSecretHeaders])].map((h) =>
      h.toLowerCase(),
    ),
  ),
];

/** `destination` defaults to stdout; tests pass a stream to read the lines back. */
export function createLogger(options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const settings: LoggerOptions = {
    level: options.level ?? 'info',
    redact: {
      paths: SECRET_HEADERS.flatMap((h) => [`headers["${h}"]`, `req.headers["${h}"]`]),
      censor: '[redacted]',
    },
    ...options,
  };
  return destination ? pino(settings, destination) : pino(settings);
}

/** A logger that drops everything (tests that do not inspect logs). */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
