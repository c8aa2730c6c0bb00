/**
 * Fault injection for the simulators: how a provider misbehaves, scripted per request, so tests can
 * drive every failure the gateway must survive (status sequences, latency, a hung or trickling
 * upstream, a reset connection, a truncated or non-JSON body, a redirect, an oversized or deeply
 * nested body, or a request held until a test lets it go). Controlled over each simulator's
 * `/__simulator/faults` API or in process (the `gate` fault only in process).
 *
 * Rules form a queue: each request to the provider API takes the first rule whose `path` prefix
 * matches and that has uses left; with no rule left, the simulator answers normally.
 */
import type { ServerResponse } from 'node:http';

export type Fault =
  /** Answer with this status (and body) instead of the real answer: 500, 503, 429 + Retry-After, … */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Wait, then answer normally. */
  | { kind: 'latency'; ms: number }
  /** Accept the request and never answer (a black hole); the socket closes when the client gives up. */
  | { kind: 'hang' }
  /** Send the real answer's headers at once, then its body `bytes` at a time every `intervalMs`. */
  | { kind: 'trickle'; intervalMs: number; bytes?: number }
  /** Destroy the connection before any response byte (ECONNRESET at the client). */
  | { kind: 'reset' }
  /** Announce the real body's full length, send half of it, then destroy the connection. */
  | { kind: 'truncate' }
  /** A 200 whose body is an HTML error page, as a proxy in front of the provider might send. */
  | { kind: 'non-json' }
  /** A redirect to `location` (a tripwire origin in tests); a client must never follow it. */
  | { kind: 'redirect'; location: string; status?: 301 | 302 | 303 | 307 | 308 }
  /** A 200 JSON body of about `bytes` bytes. */
  | { kind: 'large'; bytes: number }
  /** A 200 JSON body nested `depth` arrays deep. */
  | { kind: 'deep'; depth: number }
  /**
   * Hold the real answer until `gate` opens (in process only): requests stay in flight upstream for
   * exactly as long as a test needs, whatever the machine's speed. A request whose client gave up
   * meanwhile is not answered.
   */
  | { kind: 'gate'; gate: Gate };

/** Opens once; every request held by a `gate` fault on it is then answered. */
export interface Gate {
  readonly opened: Promise<void>;
  readonly isOpen: boolean;
  open(): void;
}

export function createGate(): Gate {
  let open!: () => void;
  let isOpen = false;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    opened,
    get isOpen() {
      return isOpen;
    },
    open() {
      isOpen = true;
      open();
    },
  };
}

export interface FaultRule {
  fault: Fault;
  /** How many matching requests this rule applies to (default 1); `Infinity` or -1 for all of them. */
  times?: number;
  /** Applies only to request paths starting with this (raw, as sent). */
  path?: string;
}

export interface FaultQueue {
  add(rules: FaultRule[]): void;
  clear(): void;
  list(): FaultRule[];
  /** Takes the fault for a request to `path`, if any rule applies. */
  take(path: string): Fault | undefined;
}

export function createFaultQueue(): FaultQueue {
  let rules: Array<FaultRule & { left: number }> = [];
  return {
    add(newRules) {
      for (const rule of newRules) {
        const times = rule.times === undefined ? 1 : rule.times < 0 ? Infinity : rule.times;
        rules.push({ ...rule, left: times });
      }
    },
    clear() {
      rules = [];
    },
    list: () => rules.map(({ left, ...rule }) => ({ ...rule, times: left === Infinity ? -1 : left })),
    take(path) {
      const rule = rules.find((r) => r.left > 0 && (r.path === undefined || path.startsWith(r.path)));
      if (!rule) return undefined;
      rule.left--;
      rules = rules.filter((r) => r.left > 0);
      return rule.fault;
    },
  };
}

/** A fault that replaces the answer outright, as `{status, headers, body}`; undefined for the others. */
export function faultResponse(fault: Fault): { status: number; headers: Record<string, string>; body: string } | undefined {
  switch (fault.kind) {
    case 'status':
      return {
        status: fault.status,
        headers: { 'content-type': 'application/json; charset=utf-8', ...fault.headers },
        body: fault.body === undefined ? '' : typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body),
      };
    case 'non-json':
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: '<!doctype html><html><body><h1>502 Bad Gateway</h1><p>ZX-UPSTREAM-BODY nginx</p></body></html>',
      };
    case 'redirect':
      return { status: fault.status ?? 302, headers: { location: fault.location }, body: '' };
    case 'large': {
      const filler = 'x'.repeat(Math.max(0, fault.bytes - 20));
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ filler }) };
    }
    case 'deep':
      return { status: 200, headers: { 'content-type': 'application/json' }, body: '['.repeat(fault.depth) + ']'.repeat(fault.depth) };
    default:
      return undefined;
  }
}

/** Sends `payload` the way a fault that shapes delivery says (gate, trickle, truncate); false when the fault does not shape delivery. */
export function sendWithFault(fault: Fault, res: ServerResponse, status: number, headers: Record<string, string>, payload: string): boolean {
  const bytes = Buffer.from(payload, 'utf8');
  // Over the HTTP control API a gate cannot arrive (it is not JSON): such a rule answers normally.
  if (fault.kind === 'gate' && fault.gate?.opened instanceof Promise) {
    void fault.gate.opened.then(() => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-length': bytes.length, ...headers });
      res.end(bytes);
    });
    return true;
  }
  if (fault.kind === 'truncate') {
    res.writeHead(status, { ...headers, 'content-length': bytes.length });
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    setImmediate(() => res.destroy());
    return true;
  }
  if (fault.kind === 'trickle') {
    res.writeHead(status, { ...headers, 'content-length': bytes.length });
    const step = Math.max(1, fault.bytes ?? 1);
    let offset = 0;
    const timer = setInterval(() => {
      if (res.destroyed || offset >= bytes.length) {
        clearInterval(timer);
        if (!res.destroyed) res.end();
        return;
      }
      res.write(bytes.subarray(offset, offset + step));
      offset += step;
    }, fault.intervalMs);
    res.on('close', () => clearInterval(timer));
    return true;
  }
  return false;
}
