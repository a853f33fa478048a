import { isEncrypted } from './cipher.ts';
import { SEALED, SEALED_SECRETS } from './secret-fields.ts';

/**
 * What a secret field holds once its value is gone for good (a completed order, a dead-letter
 * entry past its retention): the field stays so that a person sees what was there, and so
 * that a replay can say which fields the operator must supply again.
 */
export const SCRUBBED: Readonly<{ scrubbed: true }> = Object.freeze({ scrubbed: true });

/** Whether a stored value is the `SCRUBBED` marker. */
export function isScrubbed(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    (value as { scrubbed?: unknown }).scrubbed === true
  );
}

/**
 * Replaces the present (non-blank) values of `fields` by `SCRUBBED`, encrypted or not, and
 * removes the sealed envelope (`SEALED_SECRETS`): a field left out of `fields` that still
 * points into it is scrubbed too, its value being gone with the envelope (open the order first,
 * with `decryptFields`, to keep one). Returns the copy and the fields it replaced or removed
 * (empty: nothing to write back).
 */
export function scrubFields<T extends Record<string, unknown>>(
  record: T,
  fields: readonly string[],
): { record: T; scrubbed: string[] } {
  // Rest, not `delete`: a deleted key turns the copy into a slow dictionary object.
  const { [SEALED_SECRETS]: _envelope, ...out }: Record<string, unknown> = record;
  const scrubbed: string[] = [];
  const scrub = (field: string) => {
    const value = out[field];
    if (value === undefined || value === null || value === '' || isScrubbed(value)) return;
    out[field] = SCRUBBED;
    scrubbed.push(field);
  };
  for (const field of fields) if (field !== SEALED_SECRETS) scrub(field);
  if (Object.hasOwn(record, SEALED_SECRETS)) {
    scrubbed.push(SEALED_SECRETS);
    for (const field of Object.keys(out)) if (out[field] === SEALED) scrub(field);
  }
  return { record: out as T, scrubbed };
}

/**
 * Every field of a stored order that holds a secret: the action's declared `secretFields`, and
 * any other field holding ciphertext or the sealed marker (a field a Bull Board edit added, an
 * order whose action is unknown). The envelope itself is not one of them.
 */
export function storedSecretFields(
  order: Record<string, unknown>,
  declared: readonly string[],
): string[] {
  const found = Object.keys(order).filter(
    (field) => field !== SEALED_SECRETS && (isEncrypted(order[field]) || order[field] === SEALED),
  );
  return [...new Set([...declared, ...found])];
}

/** Top-level fields of `record` holding the `SCRUBBED` marker. */
export function scrubbedFields(record: Record<string, unknown>): string[] {
  return Object.keys(record).filter((field) => isScrubbed(record[field]));
}

/**
 * The scrubbed fields of a stored order that `patch` does not supply with a real value, leaving
 * out `refillable` ones. A replay must refuse while any remain, naming them: replaying would
 * otherwise send vCare a marker instead of a card number. Call it with the dead-letter entry's
 * `payload.order` and the operator's patch.
 */
export function missingScrubbedFields(
  order: Record<string, unknown>,
  patch: Record<string, unknown> = {},
  refillable: readonly string[] = [],
): string[] {
  return scrubbedFields(order).filter((field) => {
    if (refillable.includes(field)) return false;
    const value = patch[field];
    return value === undefined || value === null || value === '' || isScrubbed(value);
  });
}

/**
 * A replay's order: the stored order with the operator's patch applied, and the scrubbed
 * markers of `refillable` fields the patch leaves out removed, so that intake fills them again
 * from configuration (`['agent_password']`). `missing` non-empty: refuse the replay and name
 * them (400), the order must not be queued.
 */
export function patchScrubbedOrder(
  order: Record<string, unknown>,
  patch: Record<string, unknown> = {},
  refillable: readonly string[] = [],
): { order: Record<string, unknown>; missing: string[] } {
  const missing = missingScrubbedFields(order, patch, refillable);
  const out: Record<string, unknown> = { ...order, ...patch };
  for (const field of refillable) if (isScrubbed(out[field])) delete out[field];
  return { order: out, missing };
}
