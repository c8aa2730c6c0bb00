/**
 * `usergraph check`'s probe of Passbolt (see src/providers/probe.ts): one request whose answer tells Passbolt's
 * API at the right base URL and path from any other server that merely answers.
 */
import { displayUrl, jsonMember, ok, redirect, wrong, type ProbeGet, type ProbeOutcome } from '../probe.js';
import type { PassboltConfig } from './index.js';

/**
 * Passbolt: `GET /users/me.json`, with PASSBOLT_TOKEN as `Authorization: Bearer …` when set.
 *
 * Passbolt answers every `.json` request with its `{"header": {"status", "code", "message", …},
 * "body": …}` envelope, errors included, so:
 * - 401 envelope "Authentication is required to continue." (403 on servers before v3): Passbolt at
 *   the right path; with PASSBOLT_TOKEN set, the token is refused or expired;
 * - 403 envelope with `body.mfa_providers`: the token is valid but its session still needs MFA;
 * - 200 envelope: the token is accepted;
 * - 404 envelope: Passbolt, but PASSBOLT_URL has a path below which `/users/me.json` does not exist;
 * - a 404 without the envelope: not Passbolt at PASSBOLT_URL.
 */
export async function probePassbolt(config: PassboltConfig, get: ProbeGet): Promise<ProbeOutcome> {
  const path = '/users/me.json';
  const token = config.defaultToken;
  const res = await get(path, token ? { authorization: `Bearer ${token}` } : {});
  const at = displayUrl(config.baseUrl);
  const header = jsonMember(res.body, 'header');
  const envelope = typeof header === 'object' && header !== null ? (header as { status?: unknown; message?: unknown }) : undefined;
  const message = typeof envelope?.message === 'string' ? envelope.message : '';
  if (envelope && res.status === 200 && envelope.status === 'success') return ok(`Passbolt API at ${at}; PASSBOLT_TOKEN accepted`);
  if (envelope && res.status === 403) {
    const body = jsonMember(res.body, 'body');
    if (typeof body === 'object' && body !== null && Array.isArray((body as { mfa_providers?: unknown }).mfa_providers)) {
      return wrong(`PASSBOLT_TOKEN is valid on ${at} but its session still needs multi-factor authentication: use a token that has passed MFA`);
    }
  }
  if (envelope && (res.status === 401 || (res.status === 403 && /authentication is required/i.test(message)))) {
    return token
      ? wrong(`PASSBOLT_TOKEN was refused by ${at} (HTTP ${res.status}, authentication required): the token is invalid or expired`)
      : ok(`Passbolt API at ${at} (no PASSBOLT_TOKEN to check)`);
  }
  if (envelope && res.status === 404) {
    return wrong(`PASSBOLT_URL ${at} reaches Passbolt, but ${path} is not found below it: PASSBOLT_URL must be the installation's root URL`);
  }
  if (envelope && res.status !== 200) {
    return wrong(`PASSBOLT_URL ${at} reaches Passbolt, but ${path} answers HTTP ${res.status}${token ? ': check PASSBOLT_TOKEN' : ''}`);
  }
  return (
    redirect('PASSBOLT_URL', res, path) ??
    wrong(
      `PASSBOLT_URL answers HTTP ${res.status} at ${path} without Passbolt's JSON envelope: ` +
        "PASSBOLT_URL must be the Passbolt installation's root URL, e.g. https://passbolt.example.com",
    )
  );
}
