/**
 * Keys and sealing for cache entries.
 *
 * A store (memory or Redis) must never hold a credential or readable user data. Two tools give that:
 *
 * - `keyOf(parts)`: an opaque key part, base64url HMAC-SHA256 under `CACHE_KEY_SECRET` of the parts,
 *   each prefixed with its byte length so `('a','bc')` and `('ab','c')` differ. Without the secret a
 *   key reveals nothing and cannot be computed from a guessed credential or id.
 * - `sealer(context).seal/open`: AES-256-GCM (NIST SP 800-38D) with a key derived per context by
 *   HKDF-SHA256 (RFC 5869; salt `usergraph-cache-v1`, info = context). A user record's context names
 *   the provider and the credential scope, so only a request carrying that same credential derives the
 *   key that opens it; the store key is the additional authenticated data, so a value copied to
 *   another key does not open either. Sealed bytes are `iv(12) | ciphertext | tag(16)`.
 *
 * IVs are random (96 bits, SP 800-38D §8.2.2); each context has its own key, so no key comes near the
 * 2^32 messages that bound random IVs. Derived keys are memoised per context in a bounded LRU: the same
 * credential is seen request after request, and HKDF costs two HMACs.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export interface CacheCrypto {
  /** base64url HMAC-SHA256(secret, parts joined unambiguously (length-prefixed)) — an opaque key part. */
  keyOf(parts: readonly string[]): string;
  /** A sealer whose AES-256-GCM key is HKDF-SHA256(secret, salt 'usergraph-cache-v1', info = context). */
  sealer(context: string): Sealer;
}

export interface Sealer {
  /** iv(12) | ciphertext | tag(16); `aad` (the store key) is authenticated, so a value moved to another key fails to open. */
  seal(aad: string, plaintext: Buffer): Buffer;
  /** The plaintext, or undefined when the value was not sealed by this sealer for this aad (wrong credential, tampered, truncated). Never throws. */
  open(aad: string, sealed: Buffer): Buffer | undefined;
}

const HKDF_SALT = 'usergraph-cache-v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CIPHER = 'aes-256-gcm';
/** Derived keys kept per context: about one per distinct credential in use (32 bytes each). */
const MEMO_MAX = 10_000;

export function createCacheCrypto(secret: string): CacheCrypto {
  // The message never quotes the value: it is a secret.
  if (typeof secret !== 'string' || secret.length === 0) throw new Error('the cache key secret must be a non-empty string');
  const secretBytes = Buffer.from(secret, 'utf8');
  const keys = new LRUCache<string, Buffer>({ max: MEMO_MAX });

  const keyFor = (context: string): Buffer => {
    let key = keys.get(context);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', secretBytes, HKDF_SALT, context, KEY_BYTES));
      keys.set(context, key);
    }
    return key;
  };

  return {
    keyOf(parts) {
      const mac = createHmac('sha256', secretBytes);
      const length = Buffer.alloc(4);
      for (const part of parts) {
        const bytes = Buffer.from(part, 'utf8');
        length.writeUInt32BE(bytes.length, 0);
        mac.update(length);
        mac.update(bytes);
      }
      return mac.digest('base64url');
    },

    sealer(context) {
      return {
        seal(aad, plaintext) {
          const iv = randomBytes(IV_BYTES);
          const cipher = createCipheriv(CIPHER, keyFor(context), iv, { authTagLength: TAG_BYTES });
          cipher.setAAD(Buffer.from(aad, 'utf8'));
          const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
          return Buffer.concat([iv, body, cipher.getAuthTag()]);
        },

        open(aad, sealed) {
          if (!Buffer.isBuffer(sealed) || sealed.length < IV_BYTES + TAG_BYTES) return undefined;
          try {
            const iv = sealed.subarray(0, IV_BYTES);
            const tag = sealed.subarray(sealed.length - TAG_BYTES);
            const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
            const decipher = createDecipheriv(CIPHER, keyFor(context), iv, { authTagLength: TAG_BYTES });
            decipher.setAAD(Buffer.from(aad, 'utf8'));
            decipher.setAuthTag(tag);
            return Buffer.concat([decipher.update(body), decipher.final()]);
          } catch {
            // Wrong key (another credential or secret), another aad, or altered bytes: GCM's tag check fails.
            return undefined;
          }
        },
      };
    },
  };
}
