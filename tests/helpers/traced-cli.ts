/**
 * The compiled `usergraph start` (dist/, built by tests/global-setup.ts) in demo mode on free ports,
 * with OpenTelemetry variables on top, as the tracing tests run it: its output kept, its exit awaited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { PROVIDERS } from '../../src/providers/registry.js';

export interface StartedCli {
  proc: ChildProcess;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  gone(): boolean;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr together. */
  output(): string;
  /** The gateway's URL once it prints it; rejects if the process exits first. */
  url(): Promise<string>;
}

/** Starts the CLI with `env` over the demo setup (every trace sampled); `onCleanup` is handed its kill. */
export function spawnStart(env: Record<string, string>, onCleanup: (cleanup: () => unknown) => void): StartedCli {
  const proc = spawn(process.execPath, ['dist/cli.js', 'start'], {
    env: {
      ...process.env,
      USERGRAPH_MODE: 'demo',
      PORT: '0',
      HOST: '127.0.0.1',
      ...Object.fromEntries(PROVIDERS.map((p) => [`${p}_SIMULATOR_PORT`, '0'])),
      OTEL_TRACES_SAMPLER: 'always_on',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onCleanup(() => proc.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => ((stdout += c.toString()), (output += c.toString())));
  proc.stderr!.on('data', (c: Buffer) => ((stderr += c.toString()), (output += c.toString())));
  const exited = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let gone = false;
  void exited.then(() => (gone = true));
  return {
    proc,
    exited,
    gone: () => gone,
    stdout: () => stdout,
    stderr: () => stderr,
    output: () => output,
    url: () => until(() => `the gateway's URL; it exited first:\n${output}`, () => /running at (http:\S+)/.exec(stdout)?.[1], () => gone),
  };
}

/** Polls `check` every 25 ms until it returns a value; `stop` ends the wait with `what` in the error. */
async function until<T>(what: () => string, check: () => T | undefined, stop: () => boolean): Promise<T> {
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (stop()) throw new Error(`gave up waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
