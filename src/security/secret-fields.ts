import { type Cipher, DecryptError, isEncrypted } from './cipher.ts';

/**
 * The field of a stored order holding all of its secrets as one ciphertext (a JSON object of
 * field → value). One cipher operation per order instead of one per secret field: each costs a
 * cipher object, and they were the largest single cost of intake and a visible one of workers.
 */
export const SEALED_SECRETS = 'encrypted_secrets';

/**
 * What a secret field holds while its value rests in `SEALED_SECRETS`: the field stays, so that
 * a person (Bull Board, dead-letter views) sees what the order carries, and a scrub knows which
 * fields it empties without decrypting anything.
 */
export const SEALED = '[encrypted]';

/** The issue of a body that sets `SEALED_SECRETS` itself (only intake writes it); or undefined. */
export function sealedSecretsIssue(body: unknown): { path: string; message: string } | undefined {
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, SEALED_SECRETS))
    return undefined;
  return { path: SEALED_SECRETS, message: `${SEALED_SECRETS} is reserved for the service` };
}

/**
 * Seals the plain values of the named top-level fields into `SEALED_SECRETS` (values JSON-encoded,
 * so arrays such as `security_questions_answers` round-trip) and leaves `SEALED` in each. A
 * sealed envelope already in `record` is opened first, its secrets sealed again with the new
 * ones. Values that are already ciphertext on their own (orders stored by earlier versions,
 * one per field) are kept as they are.
 */
export function encryptFields<T extends Record<string, unknown>>(
  record: T,
  fields: readonly string[],
  cipher: Cipher,
): T {
  const out: Record<string, unknown> =
    record[SEALED_SECRETS] === undefined ? { ...record } : decryptFields(record, fields, cipher);
  const secrets: Record<string, unknown> = {};
  let sealed = false;
  for (const field of fields) {
    const value = out[field];
    if (value === undefined || value === null || value === '' || isEncrypted(value)) continue;
    secrets[field] = value;
    out[field] = SEALED;
    sealed = true;
  }
  if (sealed) out[SEALED_SECRETS] = cipher.encrypt(JSON.stringify(secrets));
  return out as T;
}

/**
 * Reverses `encryptFields`: each field still holding `SEALED` gets its value from the envelope
 * (a field edited since, in Bull Board, keeps the edit), per-field ciphertext in `fields` is
 * decrypted, and the envelope is removed. Throws `DecryptError` on tampered or foreign
 * ciphertext, and when a sealed field has no value to take (its envelope removed or emptied).
 */
export function decryptFields<T extends Record<string, unknown>>(
  record: T,
  fields: readonly string[],
  cipher: Cipher,
): T {
  // A copy without the envelope (rest, not `delete`: a deleted key turns the object into a
  // slow dictionary for every later read, validation and copy of it).
  const { [SEALED_SECRETS]: envelope, ...out }: Record<string, unknown> = record;
  let secrets: Record<string, unknown> | undefined;
  if (envelope !== undefined) {
    if (!isEncrypted(envelope)) throw new DecryptError(`${SEALED_SECRETS} is not encrypted`);
    const opened = openJson(envelope, cipher, SEALED_SECRETS);
    if (typeof opened !== 'object' || opened === null || Array.isArray(opened))
      throw new DecryptError(`${SEALED_SECRETS} does not hold an object`);
    secrets = opened as Record<string, unknown>;
  }
  // Every sealed field, named in `fields` or not: an order sealed by a version whose action
  // declared other secret fields must not reach vCare with a marker in place of a value.
  for (const field of Object.keys(out)) {
    if (out[field] !== SEALED) continue;
    if (!secrets || !Object.hasOwn(secrets, field))
      throw new DecryptError(`${field} is sealed but ${SEALED_SECRETS} does not hold it`);
    out[field] = secrets[field];
  }
  for (const field of fields) {
    const value = out[field];
    if (isEncrypted(value)) out[field] = openJson(value, cipher, field);
  }
  return out as T;
}

/**
 * The JSON value a ciphertext holds. Its own DecryptError, never JSON.parse's, whose message
 * quotes the text: the plaintext is a secret, and the message goes into dead-letter reasons.
 */
function openJson(ciphertext: string, cipher: Cipher, field: string): unknown {
  const plain = cipher.decrypt(ciphertext);
  try {
    return JSON.parse(plain);
  } catch {
    throw new DecryptError(`${field} does not hold JSON`);
  }
}

/** `decryptFields`, or undefined when the record does not decrypt with this cipher. */
export function decryptedOrUndefined<T extends Record<string, unknown>>(
  record: T,
  fields: readonly string[],
  cipher: Cipher,
): T | undefined {
  try {
    return decryptFields(record, fields, cipher);
  } catch {
    return undefined;
  }
}
