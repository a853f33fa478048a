import { randomBytes } from 'node:crypto';
import { UsedSet } from './used-set.ts';

/** Partner credentials a token carries in clear, as vCare's own tokens do. */
export interface TokenCredentials {
  vendor_id: string;
  username: string;
  password: string;
  pin: string;
}

/** Why a presented token was refused (vCare answers each with RESTAPI001). */
export type TokenProblem = 'Invalid Token' | 'Token already used' | 'Token expire';

/** `{"typ":"JWT","alg":"HS256"}`, the header of the vendor's tokens. */
const header = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9';
const sigBytes = 16;
const sigChars = 22;
const twoTo32 = 2 ** 32;

function fmix(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Issues and redeems single-use tokens shaped like vCare's JWTs:
 * `header.payload.signature`, base64url, payload `{data: {username, password, pin,
 * vendor_id, log_id}, exp}`.
 *
 * The signature is not HMAC: it carries the token's sequence number and issue time plus a
 * keyed 32-bit check, so redeeming needs no lookup table and memory does not grow with the
 * number of tokens handed out (tens of thousands per second under benchmark). Only the used
 * ones are remembered, one bit each, and only until they expire. A simulator, not a security
 * boundary.
 */
export class TokenBook {
  readonly #payloadPrefix: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #used = new UsedSet();
  readonly #key1: number;
  readonly #key2: number;
  readonly #logBase: number;
  readonly #scratch: Buffer;
  #nextSeq = 0;

  constructor(credentials: TokenCredentials, ttlMs: number, now: () => number) {
    const { username, password, pin, vendor_id } = credentials;
    const data = JSON.stringify({ username, password, pin, vendor_id });
    this.#payloadPrefix = `{"data":${data.slice(0, -1)},"log_id":`;
    this.#ttlMs = ttlMs;
    this.#now = now;
    const seed = randomBytes(12);
    this.#key1 = seed.readUInt32BE(0);
    this.#key2 = seed.readUInt32BE(4);
    this.#logBase = seed.readUInt32BE(8);
    this.#scratch = Buffer.allocUnsafe(Buffer.byteLength(this.#payloadPrefix) + 64);
  }

  /** A fresh token, valid for one call within the TTL. */
  issue(): string {
    const seq = this.#nextSeq++;
    const issuedAt = Math.max(0, Math.floor(this.#now()));
    this.#used.noteIssued(seq, issuedAt, issuedAt - this.#ttlMs);
    const exp = Math.floor((issuedAt + this.#ttlMs) / 1000);
    const json = `${this.#payloadPrefix}${this.#logBase + seq}},"exp":${exp}}`;
    const buf = this.#scratch;
    const len = buf.write(json, 0, 'utf8');
    const payload = buf.toString('base64url', 0, len);
    buf.writeUIntBE(seq, 0, 6);
    buf.writeUIntBE(issuedAt, 6, 6);
    buf.writeUInt32BE(this.#check(seq, issuedAt), 12);
    return `${header}.${payload}.${buf.toString('base64url', 0, sigBytes)}`;
  }

  /** Consumes `token`; `null` when it was good for this call, else the refusal. */
  redeem(token: string | undefined): TokenProblem | null {
    if (token === undefined) return 'Invalid Token';
    const dot = token.lastIndexOf('.');
    if (dot < 0 || token.length - dot - 1 !== sigChars || !token.startsWith(header)) {
      return 'Invalid Token';
    }
    const buf = this.#scratch;
    if (buf.write(token.slice(dot + 1), 0, 'base64url') !== sigBytes) return 'Invalid Token';
    const seq = buf.readUIntBE(0, 6);
    const issuedAt = buf.readUIntBE(6, 6);
    if (seq >= this.#nextSeq || buf.readUInt32BE(12) !== this.#check(seq, issuedAt)) {
      return 'Invalid Token';
    }
    // Expiry first: used tokens are forgotten once expired, so this order keeps answers stable.
    if (this.#now() - issuedAt > this.#ttlMs) return 'Token expire';
    return this.#used.add(seq) ? null : 'Token already used';
  }

  #check(seq: number, issuedAt: number): number {
    let h = fmix(this.#key1 ^ (seq >>> 0));
    h = fmix(h ^ Math.floor(seq / twoTo32));
    h = fmix(h ^ (issuedAt >>> 0));
    return fmix(h ^ Math.floor(issuedAt / twoTo32) ^ this.#key2);
  }
}
