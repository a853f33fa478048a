import { type Faults, noFaults } from './faults.ts';

/**
 * How a call that passed every check is disrupted instead of answered normally:
 * - `reject`: RESTAPI110 with an error (permanent failure),
 * - `unavailable`: HTTP 503 from a gateway, no vCare body,
 * - `hold`: no answer at all (client timeout path),
 * - `drop`: the effect is applied, then the connection is dropped unanswered,
 * - `token-expire`: RESTAPI001 "Token expire".
 */
export type Disruption = 'reject' | 'unavailable' | 'hold' | 'drop' | 'token-expire';

/**
 * Decides disruptions: first the deterministic ones chosen by the enrollment id prefix
 * (`PERM`, `FLAKY<n>`, `SLOW`, `LOST`, `TOKEN`), then the random ones of the current faults.
 */
export class FaultInjector {
  #faults: Faults = { ...noFaults };
  /** Calls seen per counted enrollment; only prefixed enrollments ever get an entry. */
  readonly #calls = new Map<string, number>();
  readonly #random: () => number;

  constructor(random: () => number) {
    this.#random = random;
  }

  get faults(): Readonly<Faults> {
    return this.#faults;
  }

  set faults(faults: Faults) {
    this.#faults = { ...faults };
  }

  /** Forgets prefix counters and random faults. */
  clear(): void {
    this.#calls.clear();
    this.#faults = { ...noFaults };
  }

  /** Disruption for one vCare call about `enrollmentId`; counts the call. */
  forCall(enrollmentId: string | null): Disruption | null {
    if (enrollmentId !== null) {
      const planned = this.#byPrefix(enrollmentId);
      if (planned !== undefined) return planned;
    }
    return this.#byChance(true);
  }

  /** Disruption for an /authenticate call: only the transport faults apply. */
  forAuthenticate(): Disruption | null {
    return this.#byChance(false);
  }

  /** Milliseconds to wait before answering (0 when no latency is configured). */
  latency(): number {
    const { latency_ms, jitter_ms } = this.#faults;
    if (latency_ms === 0 && jitter_ms === 0) return 0;
    return Math.max(0, latency_ms + (this.#random() * 2 - 1) * jitter_ms);
  }

  /** `undefined` when the id carries no prefix; `null` when the prefix's failures are used up. */
  #byPrefix(id: string): Disruption | null | undefined {
    if (id.startsWith('PERM')) return 'reject';
    if (id.startsWith('SLOW')) return 'hold';
    if (id.startsWith('FLAKY')) {
      const failures = id.charCodeAt(5) - 48;
      if (!(failures >= 0 && failures <= 9)) return undefined;
      return this.#count(id) <= failures ? 'unavailable' : null;
    }
    if (id.startsWith('LOST')) return this.#count(id) === 1 ? 'drop' : null;
    if (id.startsWith('TOKEN')) return this.#count(id) === 1 ? 'token-expire' : null;
    return undefined;
  }

  #count(id: string): number {
    const n = (this.#calls.get(id) ?? 0) + 1;
    this.#calls.set(id, n);
    return n;
  }

  #byChance(tokenFaults: boolean): Disruption | null {
    const f = this.#faults;
    if (f.timeout_rate > 0 && this.#random() < f.timeout_rate) return 'hold';
    if (f.error_rate > 0 && this.#random() < f.error_rate) return 'unavailable';
    if (f.drop_rate > 0 && this.#random() < f.drop_rate) return 'drop';
    if (tokenFaults && f.token_expire_rate > 0 && this.#random() < f.token_expire_rate) {
      return 'token-expire';
    }
    return null;
  }
}
