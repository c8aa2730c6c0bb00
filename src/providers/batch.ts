/**
 * The one batch contract of every adapter's `fetchUsers`: it always resolves an array in key order,
 * one slot per id, with a GatewayError in each slot that failed, and never rejects. A failure shared
 * by the whole batch (missing or malformed credentials, the credential refused, the provider down,
 * throttling or too slow) is put in every slot, so each field gets its own error, and DataLoader
 * caches it per key for the rest of the request exactly as it caches a single user's failure.
 */
import { isGatewayError, type GatewayError } from '../errors.js';

/** One failed user becomes its slot's error; anything that is not a gateway error is a bug and is rethrown. */
export function asSlotError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  throw error;
}

/**
 * Runs a batch read of `size` ids; when it fails as a whole with a gateway error, that error fills
 * every slot. A bug (any other error) still rejects.
 */
export async function settleBatch<T>(size: number, read: () => Promise<Array<T | GatewayError>>): Promise<Array<T | GatewayError>> {
  try {
    return await read();
  } catch (error) {
    const shared = asSlotError(error);
    return Array.from({ length: size }, () => shared);
  }
}
