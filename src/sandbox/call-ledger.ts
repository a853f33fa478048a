/** One call the sandbox received. */
export interface LedgerCall {
  /** When the call arrived (ISO 8601, sandbox clock). */
  at: string;
  /** When its answer was sent or its connection dropped; null while held unanswered. */
  done_at: string | null;
  path: string;
  /** The body's `action`; null for /authenticate and unreadable bodies. */
  action: string | null;
  enrollment_id: string | null;
  /** null when no answer was sent (held or dropped connection). */
  http_status: number | null;
  /** null when the answer carried no vCare body (no answer, gateway 503). */
  msg_code: string | null;
}

/** How many times a side effect was applied for one (action, enrollment). */
export interface LedgerEffect {
  action: string;
  enrollment_id: string;
  count: number;
}

/** What `GET /__sandbox/ledger` answers. */
export interface Ledger {
  calls: LedgerCall[];
  effects: LedgerEffect[];
}

/** Calls kept by default; older ones are forgotten, effect counts never are. */
export const defaultCallCapacity = 100_000;

/**
 * Every call received (the most recent `capacity` of them) and exact counts of side effects.
 * Calls live in parallel arrays used as a ring, so recording one allocates nothing that
 * survives into the old generation.
 */
export class CallLedger {
  readonly #capacity: number;
  readonly #at: Float64Array;
  /** NaN stands for "not done" (a held call). */
  readonly #doneAt: Float64Array;
  readonly #path: string[];
  readonly #action: (string | null)[];
  readonly #enrollment: (string | null)[];
  /** 0 stands for "no answer". */
  readonly #status: Uint16Array;
  readonly #msgCode: (string | null)[];
  #total = 0;
  readonly #effects = new Map<string, LedgerEffect>();

  constructor(capacity = defaultCallCapacity) {
    this.#capacity = capacity;
    this.#at = new Float64Array(capacity);
    this.#doneAt = new Float64Array(capacity);
    this.#path = new Array(capacity);
    this.#action = new Array(capacity);
    this.#enrollment = new Array(capacity);
    this.#status = new Uint16Array(capacity);
    this.#msgCode = new Array(capacity);
  }

  record(
    at: number,
    path: string,
    action: string | null,
    enrollmentId: string | null,
    httpStatus: number | null,
    msgCode: string | null,
    doneAt: number | null = null,
  ): void {
    const i = this.#total % this.#capacity;
    this.#total++;
    this.#at[i] = at;
    this.#doneAt[i] = doneAt ?? Number.NaN;
    this.#path[i] = path;
    this.#action[i] = action;
    this.#enrollment[i] = enrollmentId;
    this.#status[i] = httpStatus ?? 0;
    this.#msgCode[i] = msgCode;
  }

  addEffect(action: string, enrollmentId: string): void {
    const key = `${action}\n${enrollmentId}`;
    const effect = this.#effects.get(key);
    if (effect === undefined) {
      this.#effects.set(key, { action, enrollment_id: enrollmentId, count: 1 });
    } else {
      effect.count++;
    }
  }

  snapshot(): Ledger {
    const kept = Math.min(this.#total, this.#capacity);
    const calls: LedgerCall[] = new Array(kept);
    for (let n = 0; n < kept; n++) {
      const i = (this.#total - kept + n) % this.#capacity;
      const status = this.#status[i] ?? 0;
      const doneAt = this.#doneAt[i] ?? Number.NaN;
      calls[n] = {
        at: new Date(this.#at[i] ?? 0).toISOString(),
        done_at: Number.isNaN(doneAt) ? null : new Date(doneAt).toISOString(),
        path: this.#path[i] ?? '',
        action: this.#action[i] ?? null,
        enrollment_id: this.#enrollment[i] ?? null,
        http_status: status === 0 ? null : status,
        msg_code: this.#msgCode[i] ?? null,
      };
    }
    const effects = Array.from(this.#effects.values(), (e) => ({ ...e }));
    return { calls, effects };
  }

  clear(): void {
    this.#total = 0;
    this.#path.fill('');
    this.#action.fill(null);
    this.#enrollment.fill(null);
    this.#msgCode.fill(null);
    this.#effects.clear();
  }
}
