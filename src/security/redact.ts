import { type Cipher, isEncrypted } from './cipher.ts';

export const REDACTED = '[redacted]';

/**
 * The one masking rule for everything a person reads (API responses, CLI output, dead-letter
 * views): card numbers as `•••• 1111`, every other secret as `[redacted]`. Encrypted values are
 * decrypted only to take a card's last four digits; an undecryptable one is just `[redacted]`.
 */
export function maskSecrets<T extends Record<string, unknown>>(
  record: T,
  secretFields: readonly string[],
  cipher?: Cipher,
): T {
  const out: Record<string, unknown> = { ...record };
  for (const field of secretFields) {
    const value = out[field];
    if (value === undefined || value === null || value === '') continue;
    out[field] = field === 'card_number' ? maskCard(value, cipher) : REDACTED;
  }
  return out as T;
}

function maskCard(value: unknown, cipher: Cipher | undefined): string {
  let plain: unknown = value;
  if (isEncrypted(value)) {
    if (!cipher) return REDACTED;
    try {
      plain = JSON.parse(cipher.decrypt(value));
    } catch {
      return REDACTED;
    }
  }
  const digits = String(plain).replace(/\D/g, '');
  return digits.length >= 8 ? `•••• ${digits.slice(-4)}` : REDACTED;
}
