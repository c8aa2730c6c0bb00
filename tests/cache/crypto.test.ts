/**
 * Cache keys and sealing (src/cache/crypto.ts): only the same secret, context and store key open a
 * value; keys are deterministic, unambiguous and reveal nothing of their parts.
 */
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCacheCrypto } from '../../src/cache/crypto.js';

const SECRET = 'a-cache-key-secret-of-at-least-32-characters';
const OTHER_SECRET = 'another-cache-key-secret-of-32-plus-characters';
const PLAINTEXT = Buffer.from('{"id":"u-1","email":"canary-7f3a@example.com"}');
const AAD = 'user:PASSBOLT:abc';

describe('sealer', () => {
  const crypto = createCacheCrypto(SECRET);

  it('opens what it sealed, for the same aad', () => {
    const sealer = crypto.sealer('user\0PASSBOLT\0scope-1');
    const sealed = sealer.seal(AAD, PLAINTEXT);
    expect(sealer.open(AAD, sealed)).toEqual(PLAINTEXT);
    // Another sealer object for the same context (a later request) opens it too.
    expect(createCacheCrypto(SECRET).sealer('user\0PASSBOLT\0scope-1').open(AAD, sealed)).toEqual(PLAINTEXT);
  });

  it('round-trips any bytes, including empty', () => {
    const sealer = crypto.sealer('apq');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string(), (bytes, aad) => {
        const plaintext = Buffer.from(bytes);
        const sealed = sealer.seal(aad, plaintext);
        expect(sealed.length).toBe(12 + plaintext.length + 16);
        expect(sealer.open(aad, sealed)).toEqual(plaintext);
      }),
    );
  });

  it('uses a fresh iv each time: sealing twice gives different bytes', () => {
    const sealer = crypto.sealer('apq');
    expect(sealer.seal(AAD, PLAINTEXT).equals(sealer.seal(AAD, PLAINTEXT))).toBe(false);
  });

  it('derives its key with HKDF-SHA256 (salt usergraph-cache-v1, info = context)', () => {
    // A value sealed by hand with the documented derivation opens: the derivation is the documented one.
    const context = 'user\0SYNCANO\0scope-2';
    const key = Buffer.from(hkdfSync('sha256', SECRET, 'usergraph-cache-v1', context, 32));
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(AAD));
    const body = Buffer.concat([cipher.update(PLAINTEXT), cipher.final()]);
    const sealed = Buffer.concat([iv, body, cipher.getAuthTag()]);
    expect(crypto.sealer(context).open(AAD, sealed)).toEqual(PLAINTEXT);
  });

  it('does not open with another secret or another context', () => {
    const sealed = crypto.sealer('user\0PASSBOLT\0scope-1').seal(AAD, PLAINTEXT);
    expect(createCacheCrypto(OTHER_SECRET).sealer('user\0PASSBOLT\0scope-1').open(AAD, sealed)).toBeUndefined();
    expect(crypto.sealer('user\0PASSBOLT\0scope-2').open(AAD, sealed)).toBeUndefined();
    expect(crypto.sealer('user\0SYNCANO\0scope-1').open(AAD, sealed)).toBeUndefined();
    expect(crypto.sealer('apq').open(AAD, sealed)).toBeUndefined();
  });

  it('does not open a value moved to another key (aad)', () => {
    const sealer = crypto.sealer('apq');
    const sealed = sealer.seal('apq:aaaa', PLAINTEXT);
    expect(sealer.open('apq:bbbb', sealed)).toBeUndefined();
    expect(sealer.open('', sealed)).toBeUndefined();
  });

  it('does not open a tampered value, whichever byte changed', () => {
    const sealer = crypto.sealer('apq');
    const sealed = sealer.seal(AAD, PLAINTEXT);
    for (let i = 0; i < sealed.length; i++) {
      const tampered = Buffer.from(sealed);
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      expect(sealer.open(AAD, tampered), `byte ${i}`).toBeUndefined();
    }
  });

  it('does not open (and does not throw on) truncated, extended or junk bytes', () => {
    const sealer = crypto.sealer('apq');
    const sealed = sealer.seal(AAD, PLAINTEXT);
    for (let length = 0; length < sealed.length; length++) {
      expect(sealer.open(AAD, sealed.subarray(0, length)), `first ${length} bytes`).toBeUndefined();
    }
    expect(sealer.open(AAD, Buffer.concat([sealed, Buffer.from([0])]))).toBeUndefined();
    expect(sealer.open(AAD, Buffer.alloc(0))).toBeUndefined();
    expect(sealer.open(AAD, Buffer.alloc(64, 0xff))).toBeUndefined();
    expect(sealer.open(AAD, 'not a buffer' as unknown as Buffer)).toBeUndefined();
  });

  it('never holds the plaintext in the sealed bytes', () => {
    const sealed = crypto.sealer('apq').seal(AAD, PLAINTEXT);
    expect(sealed.includes(PLAINTEXT)).toBe(false);
    expect(sealed.includes(Buffer.from('canary-7f3a'))).toBe(false);
    expect(sealed.toString('latin1')).not.toContain('canary');
    expect(sealed.toString('base64')).not.toContain(PLAINTEXT.toString('base64').slice(0, 16));
  });
});

describe('keyOf', () => {
  const crypto = createCacheCrypto(SECRET);

  it('is deterministic and base64url', () => {
    const a = crypto.keyOf(['PASSBOLT', 'u-1']);
    expect(crypto.keyOf(['PASSBOLT', 'u-1'])).toBe(a);
    expect(createCacheCrypto(SECRET).keyOf(['PASSBOLT', 'u-1'])).toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('depends on the secret', () => {
    expect(createCacheCrypto(OTHER_SECRET).keyOf(['PASSBOLT', 'u-1'])).not.toBe(crypto.keyOf(['PASSBOLT', 'u-1']));
  });

  it('differs per part boundary', () => {
    expect(crypto.keyOf(['a', 'bc'])).not.toBe(crypto.keyOf(['ab', 'c']));
    expect(crypto.keyOf(['a\0', 'b'])).not.toBe(crypto.keyOf(['a', '\0b']));
    expect(crypto.keyOf(['ab'])).not.toBe(crypto.keyOf(['a', 'b']));
    expect(crypto.keyOf([])).not.toBe(crypto.keyOf(['']));
    expect(crypto.keyOf([''])).not.toBe(crypto.keyOf(['', '']));
  });

  it('gives different keys to different part lists', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }), fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }), (a, b) => {
        const same = a.length === b.length && a.every((part, i) => part === b[i]);
        expect(crypto.keyOf(a) === crypto.keyOf(b)).toBe(same);
      }),
    );
  });

  it('contains none of its input text', () => {
    const credential = 'Bearer-token-canary-91c2';
    const key = crypto.keyOf(['PASSBOLT', credential, 'user-42']);
    for (const text of ['PASSBOLT', 'canary', 'Bearer', 'user-42', Buffer.from(credential).toString('base64url').slice(0, 8)]) {
      expect(key).not.toContain(text);
    }
  });
});

describe('createCacheCrypto', () => {
  it('refuses an empty secret without quoting anything', () => {
    expect(() => createCacheCrypto('')).toThrow(/non-empty/);
  });
});
