import { type Cipher, isEncrypted } from './cipher.ts';

/**
 * Encrypts the named top-level fields of a record (JSON-encoded first, so arrays such as
 * `security_questions_answers` round-trip). Already-encrypted values are kept: an order
 * edited in Bull Board or replayed keeps its ciphertext rather than gaining a second layer.
 */
export function encryptFields<T extends Record<string, unknown>>(
  record: T,
  fields: readonly string[],
  cipher: Cipher,
): T {
  const out: Record<string, unknown> = { ...record };
  for (const field of fields) {
    const value = out[field];
    if (value === undefined || value === null || value === '' || isEncrypted(value)) continue;
    out[field] = cipher.encrypt(JSON.stringify(value));
  }
  return out as T;
}

/** Reverses `encryptFields`. Throws `DecryptError` on tampered or foreign ciphertext. */
export function decryptFields<T extends Record<string, unknown>>(
  record: T,
  fields: readonly string[],
  cipher: Cipher,
): T {
  const out: Record<string, unknown> = { ...record };
  for (const field of fields) {
    const value = out[field];
    if (isEncrypted(value)) out[field] = JSON.parse(cipher.decrypt(value));
  }
  return out as T;
}
