import { type Cipher, isEncrypted } from './cipher.ts';
import { decryptedOrUndefined, SEALED, SEALED_SECRETS } from './secret-fields.ts';

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
  // The envelope is dropped (rest, as every copy of an order without it is made).
  const { [SEALED_SECRETS]: _envelope, ...out }: Record<string, unknown> = record;
  for (const field of secretFields) {
    const value = out[field];
    if (value === undefined || value === null || value === '') continue;
    out[field] = field === 'card_number' ? maskCard(cardNumberOf(record, cipher)) : REDACTED;
  }
  return out as T;
}

/** The card number in clear, or undefined when it does not decrypt here. */
function cardNumberOf(record: Record<string, unknown>, cipher: Cipher | undefined): unknown {
  if (!isEncrypted(record.card_number) && record.card_number !== SEALED) return record.card_number;
  return cipher && decryptedOrUndefined(record, ['card_number'], cipher)?.card_number;
}

/**
 * The same rule for free text we keep or show (vCare's `msg` and `errors`, failure reasons,
 * job logs, dead-letter entries): vCare may echo what it was sent ("Invalid card 4111…").
 * Every run of 12 or more digits (spaces and hyphens allowed between them) becomes a masked
 * card, and every known secret of the order (see `secretValues`) standing as a whole word
 * becomes `[redacted]`.
 */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/\d(?:[ -]?\d){11,}/g, (run) => maskDigits(run.replace(/\D/g, '')));
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    // Most texts hold no secret at all: no pattern is built for one that is not there.
    if (out.includes(secret)) out = out.replace(wholeWord(secret), REDACTED);
  }
  return out;
}

/** `scrubText` over vCare's `msg` and `errors` of an outcome-like value; other fields kept. */
export function scrubMessages<
  T extends { msg?: string | undefined; errors?: string[] | undefined },
>(value: T, secrets: readonly string[]): T {
  return {
    ...value,
    ...(value.msg !== undefined && { msg: scrubText(value.msg, secrets) }),
    ...(value.errors !== undefined && { errors: value.errors.map((e) => scrubText(e, secrets)) }),
  };
}

/**
 * The plain values of a record's secret fields as strings to look for in free text: strings
 * and numbers at any depth (security answers are lists of objects). Values shorter than 3
 * characters are left out: they would match all over ordinary text and reveal little.
 */
export function secretValues(
  record: Record<string, unknown>,
  secretFields: readonly string[],
): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string' || typeof value === 'number') {
      const text = String(value).trim();
      if (text.length >= 3 && !isEncrypted(text) && text !== SEALED) found.add(text);
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (typeof value === 'object' && value !== null) {
      Object.values(value).forEach(visit);
    }
  };
  for (const field of secretFields) visit(record[field]);
  return [...found];
}

function wholeWord(secret: string): RegExp {
  const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, 'g');
}

function maskDigits(digits: string): string {
  return `•••• ${digits.slice(-4)}`;
}

function maskCard(plain: unknown): string {
  if (plain === undefined) return REDACTED;
  const digits = String(plain).replace(/\D/g, '');
  return digits.length >= 8 ? maskDigits(digits) : REDACTED;
}
