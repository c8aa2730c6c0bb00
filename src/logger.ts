/**
 * The gateway's logger: pino, with every credential-bearing header redacted by key path.
 * Messages must never contain credentials, upstream bodies or URLs with query strings.
 */
import { pino, type DestinationStream, type Logger as PinoLogger, type LoggerOptions } from 'pino';

export type Logger = Pick<PinoLogger, 'debug' | 'info' | 'warn' | 'error' | 'child'>;

/** Header names (lower case) that carry secrets, on the client side or the upstream side. */
export const SECRET_HEADERS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-user-key',
  'x-syncano-api-key',
  'x-syncano-user-key',
  'x-droplit-token',
  'x-passbolt-token',
  'x-belladati-token',
] as const;

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
