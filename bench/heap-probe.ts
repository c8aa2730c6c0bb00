/**
 * A bench-only preload (`node --expose-gc --import <this module> dist-bench/src/cli.js start`): lets
 * bench/run.ts read the gateway's heap after a full collection without any code in the gateway for it.
 *
 * When the process has an IPC channel (spawned with an `'ipc'` stdio entry), a message
 * `{ type: 'heap' }` is answered with `{ type: 'heap', heapUsed, rss }` (bytes), read right after two
 * full collections (`global.gc`, exposed by `--expose-gc`; `heapUsed` is `null` without it). The
 * channel is unreferenced, so it never keeps the process alive
 * (https://nodejs.org/api/process.html#processchannelunref). Without a channel this module does nothing.
 */
if (process.send) {
  process.on('message', (message: unknown) => {
    if ((message as { type?: unknown } | null)?.type !== 'heap') return;
    const collect = globalThis.gc;
    if (collect) {
      collect();
      collect();
    }
    const { heapUsed, rss } = process.memoryUsage();
    // NaN would travel as null over the JSON channel: say null outright when there was no collection.
    process.send?.({ type: 'heap', heapUsed: collect ? heapUsed : null, rss });
  });
  process.channel?.unref();
}

export {};
