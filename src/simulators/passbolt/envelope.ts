/**
 * Passbolt's response envelope: every JSON answer is `{"header": {...}, "body": ...}`
 * (AppController::success/error, ErrorController; OpenAPI `components/schemas.yml#header`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { json, type SimulatorRequest, type SimulatorResponse } from '../http-simulator.js';

export interface PassboltHeaderExtras {
  /** List answers only: `{count, page, limit}` (ApiPaginationComponent). */
  pagination?: { count: number; page: number; limit: number | null };
}

/** 200 with `header.status` "success" and Passbolt's standard message. */
export function success(req: SimulatorRequest, action: string, body: unknown, extras: PassboltHeaderExtras = {}): SimulatorResponse {
  return json(200, { header: { ...header(req, action, 'success', 'The operation was successful.', 200), ...extras }, body });
}

/** An error envelope: `header.status` "error", `header.code` = the HTTP status, `body` "" unless the exception carries details. */
export function failure(req: SimulatorRequest, action: string, status: number, message: string, body: unknown = ''): SimulatorResponse {
  return json(status, { header: header(req, action, 'error', message, status), body });
}

function header(req: SimulatorRequest, action: string, status: 'success' | 'error', message: string, code: number) {
  return {
    // A fresh "user action id" per request.
    id: randomUUID(),
    status,
    servertime: Math.floor(Date.now() / 1000),
    action: actionId(action),
    message,
    // The request path, as in Passbolt's documented example (`/users/<uuid>.json`).
    url: req.pathname,
    code,
  };
}

/** Namespace for the deterministic action ids (RFC 9562 "URL" namespace). */
const ACTION_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/** Passbolt's `header.action` is a name-based (v5) UUID of the controller action, stable across requests. */
export function actionId(action: string): string {
  const hash = createHash('sha1').update(ACTION_NAMESPACE).update(action).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
