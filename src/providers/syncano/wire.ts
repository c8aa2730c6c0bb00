/**
 * Syncano's raw shapes (contract §4, `UserFullSerializer`), validated before mapping. Lenient where
 * the contract says a field may be missing or null, strict on what the mapping reads. `user_key`, the
 * user's secret, is accepted here only to be dropped: the parsed value never carries it.
 */
import { z } from 'zod';
import { ErrorCode, GatewayError } from '../../errors.js';
import { parseWire } from '../wire.js';

const linksSchema = z.record(z.string(), z.unknown());

export const syncanoGroupWireSchema = z.object({
  id: z.number().int(),
  label: z.string(),
  description: z.string().nullish(),
  // Emitted by the 2018+ backend only (contract §4).
  name: z.string().nullish(),
  links: linksSchema.nullish(),
});

/** The documented DataObject fields of a profile; everything else on it is a custom field. */
export const PROFILE_BUILTIN_FIELDS = [
  'id',
  'created_at',
  'updated_at',
  'revision',
  'owner',
  'owner_permissions',
  'group_permissions',
  'other_permissions',
  'group',
  'channel',
  'channel_room',
  'links',
] as const;

export const syncanoProfileWireSchema = z
  .object({
    id: z.number().int(),
    created_at: z.string().nullish(),
    updated_at: z.string().nullish(),
    revision: z.number().int(),
    owner: z.number().int().nullish(),
    owner_permissions: z.string().nullish(),
    group_permissions: z.string().nullish(),
    other_permissions: z.string().nullish(),
    group: z.number().int().nullish(),
    channel: z.string().nullish(),
    channel_room: z.string().nullish(),
    links: linksSchema.nullish(),
  })
  .catchall(z.unknown());

export const syncanoUserWireSchema = z.object({
  // Auto-increment from 1 (contract §4); beyond 2^53 a JSON number no longer names one integer.
  id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  username: z.string(),
  // [INF] "may be absent if profile row missing" (contract §4).
  profile: syncanoProfileWireSchema.nullish(),
  groups: z.array(syncanoGroupWireSchema).nullish(),
  links: linksSchema.nullish(),
});

export type SyncanoGroupWire = z.output<typeof syncanoGroupWireSchema>;
export type SyncanoProfileWire = z.output<typeof syncanoProfileWireSchema>;
export type SyncanoUserWire = z.output<typeof syncanoUserWireSchema>;

/** Strips every `user_key` (and any secret-looking key) from a raw value, at any depth. */
export function stripSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!isSecretKey(key)) out[key] = stripSecrets(v);
  }
  return out;
}

/** `user_key` itself, and custom fields named like secrets (`*_key`, `password`, `token`…). */
export function isSecretKey(key: string): boolean {
  return /(^|_)(user_key|api_key|key|password|passwd|secret|token)$/i.test(key);
}

export function parseSyncanoUserWire(value: unknown): SyncanoUserWire {
  return parseWire(syncanoUserWireSchema, stripSecrets(value), 'SYNCANO', 'body') as SyncanoUserWire;
}

/** One item of a batch response: `{code, content}` (contract §2, `apps/batch/utils.py`). */
const batchItemSchema = z.object({ code: z.number().int(), content: z.unknown() });
export type SyncanoBatchItem = z.output<typeof batchItemSchema>;

export function parseSyncanoBatchWire(value: unknown, expected: number): SyncanoBatchItem[] {
  const items = parseWire(z.array(batchItemSchema), value, 'SYNCANO', 'body');
  if (items.length !== expected) {
    throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'syncano: the batch response does not match the request.', { provider: 'SYNCANO' });
  }
  return items;
}

/**
 * A user id as Syncano stores it: a positive auto-increment integer (contract §4). Canonical form
 * drops leading zeros, so "007" and "7" share a cache key; at most 18 digits keeps it an exact
 * integer everywhere.
 */
export function normalizeSyncanoId(id: string): string {
  if (!/^\d{1,18}$/.test(id) || /^0+$/.test(id)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'syncano: id must be a positive integer (digits only).', { provider: 'SYNCANO' });
  }
  return id.replace(/^0+/, '');
}
