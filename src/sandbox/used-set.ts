const chunkBits = 1 << 16;
const markEveryMs = 1000;

/**
 * The set of used token sequence numbers, one bit per token, in 8 KiB chunks. Chunks holding
 * only expired tokens are dropped, so memory follows the tokens alive in the last TTL, not all
 * tokens ever issued.
 */
export class UsedSet {
  readonly #chunks = new Map<number, Uint32Array>();
  /**
   * Flattened `[seq, time]` pairs, one per second of issuing: every token numbered below
   * `seq` was issued at or before `time` (the clock only moves forward).
   */
  readonly #marks: number[] = [];
  #nextMarkAt = Number.NEGATIVE_INFINITY;

  /** Called for each issued token; tokens issued before `expiredBefore` are expired. */
  noteIssued(seq: number, issuedAt: number, expiredBefore: number): void {
    if (issuedAt >= this.#nextMarkAt) {
      this.#marks.push(seq, issuedAt);
      this.#nextMarkAt = issuedAt + markEveryMs;
    }
    const oldest = this.#marks[1];
    if (oldest !== undefined && oldest < expiredBefore) this.#prune(expiredBefore);
  }

  /** Marks `seq` used; `false` when it already was. */
  add(seq: number): boolean {
    const index = Math.floor(seq / chunkBits);
    let chunk = this.#chunks.get(index);
    if (chunk === undefined) {
      chunk = new Uint32Array(chunkBits / 32);
      this.#chunks.set(index, chunk);
    }
    const word = (seq & (chunkBits - 1)) >>> 5;
    const bit = 1 << (seq & 31);
    const current = chunk[word] ?? 0;
    if ((current & bit) !== 0) return false;
    chunk[word] = current | bit;
    return true;
  }

  #prune(expiredBefore: number): void {
    const marks = this.#marks;
    let expiredBelow = 0;
    let drop = 0;
    while (drop + 1 < marks.length && (marks[drop + 1] ?? 0) < expiredBefore) {
      expiredBelow = marks[drop] ?? 0;
      drop += 2;
    }
    marks.splice(0, drop);
    const firstLiveChunk = Math.floor(expiredBelow / chunkBits);
    for (const index of this.#chunks.keys()) {
      if (index < firstLiveChunk) this.#chunks.delete(index);
    }
  }
}
