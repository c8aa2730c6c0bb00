/**
 * Droplit's raw shapes, as documented on "Get a user." (docs.droplit.io/docs/users-info) and in the
 * 2016 "read-users" example (docs.droplit.io/docs/read-users), and its composite user id.
 */
import { z } from 'zod';
import { ErrorCode, GatewayError } from '../../errors.js';
import { lenient, lenientList, parseTolerant } from '../tolerant.js';

/** Ecosystem ids are `C` + 24 lower-case hex, Mongo ObjectId style (every id in Droplit's docs). */
const ECOSYSTEM_ID = /^C[0-9a-f]{24}$/;
const MAX_ID_LENGTH = 256;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/** A UTF-16 surrogate without its partner: no URL encoding exists for it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface DroplitUserId {
  ecosystemId: string;
  uniqueId: string;
}

/**
 * Splits a composite user id `<ecosystemId>;<uniqueId>` on the FIRST `;`: ecosystem ids never hold
 * one, while the uniqueId is whatever the app's identity provider issued and may contain `;`, `|`,
 * spaces or any Unicode (docs/providers/droplit.md §3). Null when Droplit could never accept the id.
 */
export function splitDroplitId(id: string): DroplitUserId | null {
  if (id.length === 0 || id.length > MAX_ID_LENGTH || CONTROL_CHARS.test(id) || LONE_SURROGATE.test(id)) return null;
  const separator = id.indexOf(';');
  if (separator === -1) return null;
  const ecosystemId = id.slice(0, separator);
  const uniqueId = id.slice(separator + 1);
  if (!ECOSYSTEM_ID.test(ecosystemId) || uniqueId.length === 0) return null;
  return { ecosystemId, uniqueId };
}

/**
 * Validates an id and returns its parts; throws BAD_USER_INPUT (before any upstream call) for an id
 * Droplit could never accept.
 */
export function parseDroplitId(id: string): DroplitUserId {
  const parts = splitDroplitId(id);
  if (parts) return parts;
  throw new GatewayError(
    ErrorCode.BAD_USER_INPUT,
    'droplit: id must be "<ecosystemId>;<uniqueId>" with a C + 24 lower-case hex ecosystem id and a non-empty uniqueId (at most 256 characters, no control characters).',
    { provider: 'DROPLIT' },
  );
}

/**
 * The canonical id (the DataLoader key): the input itself once valid. The ecosystem part is already
 * lower-case hex (an upper-case one is not an ecosystem id at all). The uniqueId is the app's own
 * IdP key, taken as given (docs/providers/droplit.md §3, §13): case folding or Unicode normalisation could merge two users.
 */
export function normalizeDroplitId(id: string): string {
  const { ecosystemId, uniqueId } = parseDroplitId(id);
  return `${ecosystemId};${uniqueId}`;
}

/** One per-environment grant; the only level seen is `Full`, so any string is kept. */
const accessWire = z.object({
  environmentId: z.string(),
  accessLevel: z.string(),
});

/**
 * A user as get-a-user returns it. Strict only on what identifies the user (`id`, `ecosystemId`,
 * `uniqueId`); everything else is read tolerantly: `email` is "for your identification only" and may
 * be missing, `meta` and `access` may be empty or absent (read as `{}` and `[]`), a grant without
 * its environment or level is left out, and a field of another type reads as absent.
 */
const userWire = z.object({
  id: z.string(),
  ecosystemId: z.string(),
  uniqueId: z.string(),
  meta: lenient(z.record(z.string(), z.unknown()), 'meta').transform((meta) => meta ?? {}),
  email: lenient(z.string(), 'email'),
  /** A timestamp string; anything else becomes an error on `createdAt` alone. */
  createdAt: z.unknown().optional(),
  access: lenientList(accessWire, 'access'),
});

export type DroplitAccessWire = z.output<typeof accessWire>;
export type DroplitUserWire = z.output<typeof userWire>;

/**
 * Validates a get-a-user body. Also checks that `id` is the composite of `ecosystemId` and
 * `uniqueId` and a valid id itself, so the id the gateway serves is always accepted back.
 */
export function parseDroplitUserWire(value: unknown): DroplitUserWire {
  const wire = parseTolerant(userWire, value, 'DROPLIT', 'body');
  const parts = splitDroplitId(wire.id);
  if (!parts || parts.ecosystemId !== wire.ecosystemId || parts.uniqueId !== wire.uniqueId) {
    throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'droplit: body.id is not "<ecosystemId>;<uniqueId>" of the user', {
      provider: 'DROPLIT',
    });
  }
  return wire;
}

/** The patterns above, which run on client and provider text: bounded or free of repetition, linear. */
export const UNTRUSTED_TEXT_PATTERNS: Readonly<Record<string, RegExp>> = { ECOSYSTEM_ID, CONTROL_CHARS, LONE_SURROGATE };
