/**
 * The in-process store (src/cache/memory-store.ts): bounded by entries and by bytes (least recently
 * used goes first), per-entry TTL on an injected clock.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/cache/memory-store.js';

const bytes = (text: string): Buffer => Buffer.from(text);

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('memory store', () => {
  it('gets, sets and deletes, answering in key order', async () => {
    const store = createMemoryStore({ maxEntries: 10, maxBytes: 10_000 });
    expect(store.kind).toBe('memory');
    expect(await store.get(['a', 'b'])).toEqual([undefined, undefined]);
    await store.set('a', bytes('one'), 60_000);
    await store.set('b', bytes('two'), 60_000);
    expect(await store.get(['b', 'missing', 'a'])).toEqual([bytes('two'), undefined, bytes('one')]);
    await store.set('a', bytes('uno'), 60_000);
    expect(await store.get(['a'])).toEqual([bytes('uno')]);
    await store.delete(['a', 'missing']);
    expect(await store.get(['a', 'b'])).toEqual([undefined, bytes('two')]);
    expect(await store.get([])).toEqual([]);
    expect(store.status()).toEqual({ state: 'ok' });
  });

  it('holds at most maxEntries, evicting the least recently used', async () => {
    const store = createMemoryStore({ maxEntries: 3, maxBytes: 1_000_000 });
    await store.set('k1', bytes('1'), 60_000);
    await store.set('k2', bytes('2'), 60_000);
    await store.set('k3', bytes('3'), 60_000);
    await store.get(['k1']); // k1 is now more recent than k2
    await store.set('k4', bytes('4'), 60_000);
    expect(await store.get(['k1', 'k2', 'k3', 'k4'])).toEqual([bytes('1'), undefined, bytes('3'), bytes('4')]);
  });

  it('holds at most maxBytes (values plus keys), evicting the least recently used', async () => {
    // Each entry: 2-char key + 98-byte value = 100 bytes; 350 bytes hold three.
    const store = createMemoryStore({ maxEntries: 1000, maxBytes: 350 });
    const value = (c: string): Buffer => Buffer.alloc(98, c);
    await store.set('k1', value('1'), 60_000);
    await store.set('k2', value('2'), 60_000);
    await store.set('k3', value('3'), 60_000);
    expect((await store.get(['k1', 'k2', 'k3'])).every(Boolean)).toBe(true);
    await store.get(['k2', 'k3']); // k1 is now the least recently used
    await store.set('k4', value('4'), 60_000);
    expect(await store.get(['k1', 'k2', 'k3', 'k4'])).toEqual([undefined, value('2'), value('3'), value('4')]);
    // One large value pushes out as many as it needs.
    await store.set('kb', Buffer.alloc(248, 'b'), 60_000);
    const held = await store.get(['k2', 'k3', 'k4', 'kb']);
    expect(held[3]).toEqual(Buffer.alloc(248, 'b'));
    expect(held.filter(Boolean).length).toBe(2);
  });

  it('does not store a value larger than maxBytes, and forgets the old value of that key', async () => {
    const store = createMemoryStore({ maxEntries: 10, maxBytes: 100 });
    await store.set('k', bytes('small'), 60_000);
    await store.set('k', Buffer.alloc(200), 60_000);
    await store.set('other', bytes('x'), 60_000);
    expect(await store.get(['k', 'other'])).toEqual([undefined, bytes('x')]);
  });

  it('forgets an entry once its TTL has passed', async () => {
    const time = clock();
    const store = createMemoryStore({ maxEntries: 10, maxBytes: 10_000, now: time.now });
    await store.set('short', bytes('s'), 1_000);
    await store.set('long', bytes('l'), 10_000);
    time.advance(999);
    expect(await store.get(['short', 'long'])).toEqual([bytes('s'), bytes('l')]);
    time.advance(2);
    expect(await store.get(['short', 'long'])).toEqual([undefined, bytes('l')]);
    // Setting again starts a new TTL.
    await store.set('long', bytes('l2'), 500);
    time.advance(400);
    expect(await store.get(['long'])).toEqual([bytes('l2')]);
    time.advance(101);
    expect(await store.get(['long'])).toEqual([undefined]);
  });

  it('stores nothing for a non-positive TTL (and forgets what was there)', async () => {
    const store = createMemoryStore({ maxEntries: 10, maxBytes: 10_000 });
    await store.set('k', bytes('v'), 60_000);
    await store.set('k', bytes('w'), 0);
    expect(await store.get(['k'])).toEqual([undefined]);
  });

  it('rejects calls after close', async () => {
    const store = createMemoryStore({ maxEntries: 10, maxBytes: 10_000 });
    await store.set('k', bytes('v'), 60_000);
    await store.close();
    await store.close();
    await expect(store.get(['k'])).rejects.toThrow(/closed/);
    await expect(store.set('k', bytes('v'), 1000)).rejects.toThrow(/closed/);
    await expect(store.delete(['k'])).rejects.toThrow(/closed/);
  });

  it('refuses bounds that are not positive integers', () => {
    expect(() => createMemoryStore({ maxEntries: 0, maxBytes: 10 })).toThrow(/maxEntries/);
    expect(() => createMemoryStore({ maxEntries: 10, maxBytes: 0 })).toThrow(/maxBytes/);
  });
});
