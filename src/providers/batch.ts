/**
 * Helpers for an adapter's `fetchUsers` batch contract: one slot per id, a GatewayError in a slot
 * that failed, and the whole batch rejected only when every slot failed for the same batch-wide
 * reason (the credential was refused, the provider is down or throttling), so it is reported once.
 */
import { ErrorCode, GatewayError, isGatewayError } from '../errors.js';

/** Failures that say nothing about one user but about the credential or the provider. */
const BATCH_WIDE_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.PROVIDER_UNAVAILABLE,
  ErrorCode.PROVIDER_TIMEOUT,
  ErrorCode.RATE_LIMITED,
]);

/** One failed user becomes its slot's error; anything that is not a gateway error is a bug and fails the batch. */
export function asSlotError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  throw error;
}

/** Throws the shared error when every slot failed with the same batch-wide code. */
export function throwIfAllFailedAlike<T>(results: ReadonlyArray<T | GatewayError>): void {
  const first = results[0];
  if (!(first instanceof GatewayError) || !BATCH_WIDE_CODES.has(first.code)) return;
  if (results.every((r) => r instanceof GatewayError && r.code === first.code)) throw first;
}
