/**
 * What `usergraph check` hands a provider's probe and what it expects back, and the helpers every
 * probe uses. Each provider's probe (`src/providers/<name>/probe.ts`) tells "this is the provider's
 * API, at the path the gateway will call" from "something answered": a bare 404 (or any answer
 * outside the provider's documented error shapes) means the base URL, its path or the instance is
 * wrong; a refusal of a configured server-side credential means the credential is wrong.
 *
 * Messages name the setting to fix and may show a base URL (without any userinfo) and a path; they
 * never show a credential, the consumer key or an upstream body (only fixed, documented phrases
 * are matched against bodies).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';
import { parseJsonBody } from './wire.js';

/** An upstream answer as a probe sees it: status, lower-case headers and the body as text. */
export interface ProbeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A GET below the provider's base URL, exactly as the gateway joins them (origin + base path + path). */
export type ProbeGet = (path: string, headers: Record<string, string>) => Promise<ProbeResponse>;

export interface ProbeOutcome {
  ok: boolean;
  /** What was verified, or what is wrong and which setting to fix. Never a credential. */
  detail: string;
}

/** Error bodies worth reading are small; anything longer is cut (and never printed anyway). */
const MAX_PROBE_BODY_BYTES = 64 * 1024;

/** The base URL as printed: origin and path, never `user:password@`. */
export function displayUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function createProbeGet(baseUrl: string, timeoutMs: number): ProbeGet {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  return async (path, headers) => {
    // undici never follows redirects here: a redirect is reported, as the gateway refuses it too.
    const res = await request(`${base.origin}${basePath}${path}`, {
      method: 'GET',
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_PROBE_BODY_BYTES) {
        res.body.destroy();
        break;
      }
      chunks.push(chunk);
    }
    return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
  };
}

/** A probe's verdict: the provider is there and its settings work. */
export const ok = (detail: string): ProbeOutcome => ({ ok: true, detail });
/** A probe's verdict: what is wrong and which setting to fix. */
export const wrong = (detail: string): ProbeOutcome => ({ ok: false, detail });

/** A member of a JSON object body, or undefined (not JSON, not an object). */
export function jsonMember(body: string, name: string): unknown {
  const parsed = parseJsonBody(body);
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>)[name] : undefined;
}

/** A redirect answer, reported as such (the gateway never follows one), or undefined. */
export function redirect(variable: string, res: ProbeResponse, path: string): ProbeOutcome | undefined {
  if (res.status < 300 || res.status >= 400) return undefined;
  return wrong(`${variable} answers a redirect (HTTP ${res.status}) at ${path}: the gateway never follows redirects; set the URL the redirect points to`);
}
