/**
 * SCIM status/body → gateway error (RFC 7644 §3.12; docs/providers/scim.md §7). A SCIM error body is
 * `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404", "scimType": …,
 * "detail": …}` with `status` a string; the body is read only for `scimType`, which becomes the
 * error's `reason` when it is one the RFC defines. `detail` is the server's free text and never
 * reaches a client or a log.
 */
import { ErrorCode, type GatewayError } from '../../errors.js';
import { applyErrorTable, type ErrorContextBase, type ErrorOutcome, type ErrorTable } from '../error-table.js';
import { parseJsonBody } from '../wire.js';
import { ERROR_SCHEMA } from './wire.js';

export interface ScimErrorContext extends ErrorContextBase {
  /** Which request failed: one user, `/Me`, a filtered read by id, a directory page of users, or a group. */
  endpoint?: 'user' | 'me' | 'list' | 'users' | 'group';
  /** For a directory page: the names of the directory filters it carried (none: an unfiltered page). */
  filters?: readonly string[];
}

/** RFC 7644 §3.12 Table 9: the `scimType` values, each a stable `reason` once upper-snake-cased. */
const SCIM_TYPES: Readonly<Record<string, string>> = {
  invalidfilter: 'INVALID_FILTER',
  toomany: 'TOO_MANY',
  uniqueness: 'UNIQUENESS',
  mutability: 'MUTABILITY',
  invalidsyntax: 'INVALID_SYNTAX',
  invalidpath: 'INVALID_PATH',
  notarget: 'NO_TARGET',
  invalidvalue: 'INVALID_VALUE',
  invalidvers: 'INVALID_VERS',
  sensitive: 'SENSITIVE',
};

const BY_STATUS = {
  400: { code: ErrorCode.BAD_USER_INPUT, message: 'scim: the server rejected the request as invalid.' },
  401: { code: ErrorCode.UNAUTHENTICATED, message: 'scim: the token is missing, invalid or expired.' },
  403: { code: ErrorCode.FORBIDDEN, message: 'scim: the token may not read this user.' },
  404: { code: ErrorCode.NOT_FOUND, message: 'scim: no such user.' },
  429: { code: ErrorCode.RATE_LIMITED, message: 'scim: rate limited; retry later.' },
} satisfies Record<number, ErrorOutcome>;

/** The reason for a `scimType` the RFC defines; undefined for anything else (never echoed). */
export function scimTypeReason(body: unknown): string | undefined {
  const type = readScimError(typeof body === 'string' ? parseJsonBody(body) : body)?.scimType;
  return type === undefined ? undefined : SCIM_TYPES[type.toLowerCase()];
}

/** The `scimType` of a SCIM error body, or undefined when the body is not one. */
export function readScimError(value: unknown): { scimType?: string } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const body = value as { schemas?: unknown; scimType?: unknown; status?: unknown };
  const isError = Array.isArray(body.schemas) && body.schemas.some((s) => typeof s === 'string' && s.toLowerCase() === ERROR_SCHEMA.toLowerCase());
  // RFC 7644 §3.12 says `status` is a string; some servers send a number. Either marks the body.
  if (!isError && typeof body.status !== 'string' && typeof body.status !== 'number') return undefined;
  return { scimType: typeof body.scimType === 'string' ? body.scimType : undefined };
}

const TABLE: ErrorTable<ScimErrorContext> = {
  provider: 'SCIM',
  byStatus: BY_STATUS,
  first: [
    // RFC 7644 §3.11: a server that does not support `/Me` answers 501.
    ({ status, context }) =>
      status === 501 && context.endpoint === 'me'
        ? {
            code: ErrorCode.PROVIDER_UNAVAILABLE,
            message: 'scim: the SCIM server does not implement /Me; ask for the user by id with user(provider: SCIM, id: …).',
            reason: 'ME_NOT_SUPPORTED',
          }
        : undefined,
    // A directory page whose filter the server refuses (RFC 7644 §3.4.2.2 lets it support only some
    // attributes and operators): 400 invalidFilter (or no scimType) or 501. The client can drop the
    // filter; the message names ours, never the server's text (docs/providers/scim.md §11).
    ({ status, body, context }) => {
      if (context.endpoint !== 'users' || !context.filters?.length) return undefined;
      const reason = status === 400 ? scimTypeReason(body) : undefined;
      if (status !== 501 && !(status === 400 && (reason === undefined || reason === 'INVALID_FILTER'))) return undefined;
      return {
        code: ErrorCode.BAD_USER_INPUT,
        message: `scim: the SCIM server cannot run this filter (${context.filters.join(', ')}); leave it out or use another.`,
        reason: 'FILTER_NOT_SUPPORTED',
      };
    },
    ({ status }) =>
      status === 501 ? { code: ErrorCode.PROVIDER_UNAVAILABLE, message: 'scim: the SCIM server does not implement this request.', reason: 'NOT_IMPLEMENTED' } : undefined,
  ],
  special: [
    // `/Me` for a token that maps to no User resource (a provisioning client's token) is a 404.
    ({ status, context }) =>
      status === 404 && context.endpoint === 'me'
        ? { code: ErrorCode.NOT_FOUND, message: 'scim: the token does not belong to a user the server can return from /Me.', reason: 'ME_NOT_FOUND' }
        : undefined,
    ({ status, context }) =>
      status === 404 && context.endpoint === 'group' ? { code: ErrorCode.NOT_FOUND, message: 'scim: no such group.' } : undefined,
    ({ status, context }) =>
      status === 403 && (context.endpoint === 'users' || context.endpoint === 'group')
        ? { code: ErrorCode.FORBIDDEN, message: `scim: the token may not read ${context.endpoint === 'group' ? 'this group' : 'the list of users'}.` }
        : undefined,
    ({ status, body }) => {
      if (status !== 400) return undefined;
      const reason = scimTypeReason(body);
      return { ...BY_STATUS[400], ...(reason ? { reason } : {}) };
    },
  ],
  redirectMessage: 'scim: unexpected redirect.',
  unexpectedMessage: 'scim: unexpected response status.',
};

export function toGatewayError(status: number, body: string, context: ScimErrorContext = {}): GatewayError {
  return applyErrorTable(TABLE, status, body, context);
}
