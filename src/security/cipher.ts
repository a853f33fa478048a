import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  randomBytes,
} from 'node:crypto';

/** Raised when a value cannot be decrypted: tampered, truncated, or made with an unknown key. */
export class DecryptError extends Error {
  override name = 'DecryptError';
}

const PREFIX = 'enc:v1:';

/**
 * AES-256-GCM field encryption. Values look like `enc:v1:<keyId>:<base64 iv|tag|ciphertext>`;
 * the key id lets old values decrypt after the encryption key rotates.
 */
export interface Cipher {
  encrypt(plain: string): string;
  decrypt(value: string): string;
  /** Id of the key that encrypts (the first of the ring). */
  readonly keyId: string;
}

/** Whether a string is one of our ciphertexts (and so must not be encrypted again). */
export function isEncrypted(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/** The id of the key a ciphertext was made with; undefined for anything else. */
export function keyIdOf(value: unknown): string | undefined {
  if (!isEncrypted(value)) return undefined;
  const rest = value.slice(PREFIX.length);
  const colon = rest.indexOf(':');
  return colon > 0 ? rest.slice(0, colon) : undefined;
}

/**
 * @param keys base64 32-byte keys; the first encrypts, all decrypt (rotation: put the new key
 * first, keep the old ones until nothing encrypted with them remains).
 */
export function createCipher(keys: readonly string[]): Cipher {
  const ring = keys.map((k) => {
    const key = Buffer.from(k, 'base64');
    if (key.length !== 32) throw new Error('data key must be 32 bytes');
    const id = createHash('sha256').update(key).digest('hex').slice(0, 8);
    // A KeyObject once: a raw Buffer key is imported again by every createCipheriv (measured
    // as the largest single cost of intake).
    return { id, key: createSecretKey(key) };
  });
  const current = ring[0];
  if (!current) throw new Error('at least one data key is required');
  const byId = new Map(ring.map((k) => [k.id, k.key]));
  // IVs are cut from a pool refilled in one call rather than one randomBytes per field: each
  // is still 96 fresh random bits, never handed out twice (a spent pool is replaced, not reused).
  let ivPool = Buffer.alloc(0);
  let ivOffset = 0;
  const nextIv = (): Buffer => {
    if (ivOffset + 12 > ivPool.length) {
      ivPool = randomBytes(12 * 256);
      ivOffset = 0;
    }
    ivOffset += 12;
    return ivPool.subarray(ivOffset - 12, ivOffset);
  };

  return {
    keyId: current.id,
    encrypt(plain) {
      const iv = nextIv();
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      const body = cipher.update(plain, 'utf8');
      cipher.final(); // GCM's final() only computes the tag: it never returns more bytes
      const packed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
      return `${PREFIX}${current.id}:${packed}`;
    },
    decrypt(value) {
      if (!isEncrypted(value)) throw new DecryptError('value is not encrypted');
      const rest = value.slice(PREFIX.length);
      const colon = rest.indexOf(':');
      const key = byId.get(rest.slice(0, colon));
      if (!key) throw new DecryptError(`no data key with id ${rest.slice(0, colon)}`);
      const packed = Buffer.from(rest.slice(colon + 1), 'base64');
      if (packed.length < 28) throw new DecryptError('ciphertext is truncated');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, packed.subarray(0, 12));
        decipher.setAuthTag(packed.subarray(12, 28));
        return Buffer.concat([decipher.update(packed.subarray(28)), decipher.final()]).toString(
          'utf8',
        );
      } catch (cause) {
        throw new DecryptError('ciphertext failed authentication', { cause });
      }
    },
  };
}
