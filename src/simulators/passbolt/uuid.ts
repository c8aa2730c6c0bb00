/**
 * Passbolt's UUID check: CakePHP's `Validation::uuid` (version digit 0-5, variant digit 0/8/9/a/b,
 * any case), which UsersViewController applies to the id before anything else.
 */
const CAKE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-5][0-9a-f]{3}-[089ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return CAKE_UUID.test(value);
}
