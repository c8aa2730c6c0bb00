/**
 * The simulator's view of its raw user records: the few fields it routes on, who may read whom, and
 * the `exclude` parameter. Records themselves are served exactly as stored.
 */

/** One stored record plus the fields the simulator needs from it. */
export interface StoredUser {
  raw: unknown;
  id: string | undefined;
  username: string | undefined;
  domainId: string | undefined;
  active: boolean;
  roles: string[];
  groups: Array<{ id: string; name: unknown; description: unknown }>;
}

export function indexUser(raw: unknown): StoredUser {
  const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const list = (value: unknown) => (Array.isArray(value) ? (value as unknown[]) : []).map((v) => (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>);
  return {
    raw,
    id: str(record.id),
    username: str(record.username),
    domainId: str(record.domain_id),
    active: record.active === true,
    roles: list(record.roles).map((r) => str(r.role) ?? ''),
    groups: list(record.groups).flatMap((g) => (typeof g.id === 'string' ? [{ id: g.id, name: g.name, description: g.description ?? null }] : [])),
  };
}

/** `ADMIN` is BellaDati's global (system) admin, `WORKSPACE_ADMIN` the domain admin (belladati-sdk-api `UserRole`). */
export const isGlobalAdmin = (user: StoredUser) => user.roles.includes('ADMIN');
/** An admin of some domain, or of all: may learn that an id does not exist. */
export const isAnyAdmin = (user: StoredUser) => isGlobalAdmin(user) || user.roles.includes('WORKSPACE_ADMIN');
/** May administer `domainId`: its own domain admin, or a global admin. */
export const isDomainAdmin = (user: StoredUser, domainId: string | undefined) =>
  isGlobalAdmin(user) || (user.roles.includes('WORKSPACE_ADMIN') && domainId !== undefined && user.domainId === domainId);

/**
 * Who may read a user record: BellaDati does not say who may call `/api/users/{id}`
 * (docs/providers/belladati.md §13). The simulator's rule: every user may read their own record, a domain admin any user of their
 * own domain, a global admin anyone; the list is "Global admin or Domain admin only" (GET Users),
 * which this rule extends to single reads.
 */
export function canRead(caller: StoredUser, target: StoredUser): boolean {
  return caller.id === target.id || isDomainAdmin(caller, target.domainId);
}

/** Fields `exclude` never removes (not documented; docs/providers/belladati.md §13): a record without its id or username would be unusable. */
const ALWAYS_KEPT = new Set(['id', 'username']);

/**
 * `exclude` (optional): "removes information from Response Structure", comma-separated top-level
 * names, e.g. `email,lastLogin` (GET User Detail). Unknown names are ignored (not documented).
 */
export function withExclusions(raw: unknown, exclude: string | null): unknown {
  if (!exclude || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const drop = new Set(exclude.split(',').map((name) => name.trim()).filter((name) => !ALWAYS_KEPT.has(name)));
  return Object.fromEntries(Object.entries(raw).filter(([name]) => !drop.has(name)));
}
