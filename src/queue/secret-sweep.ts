import type { JobType, Queue } from 'bullmq';
import { findAction } from '../actions/registry.ts';
import { type Cipher, keyIdOf } from '../security/cipher.ts';
import { scrubFields, storedSecretFields } from '../security/scrub.ts';
import { decryptedOrUndefined, encryptFields } from '../security/secret-fields.ts';
import type { RedisClient } from './redis.ts';

export interface SecretSweepOptions {
  redis: RedisClient;
  deadLetters: Queue;
  /** Order queues: their failed jobs hold the same secrets as the dead-letter entries. */
  orderQueues: Iterable<Queue>;
  /** How long secrets are kept after an order failed for good (DEAD_LETTER_SECRET_TTL_HOURS). */
  ttlMs: number;
  /**
   * Opens the orders it scrubs, so that what is kept (KEPT_FOR_REPLAY) is sealed again without
   * the rest, and moves kept secrets made under an older key to the current one.
   */
  cipher: Cipher;
  now?: () => number;
}

export interface SweepResult {
  /** Dead-letter entries newly marked `secrets_scrubbed_at`. */
  deadLetters: number;
  /** Failed order jobs newly marked `meta.secrets_scrubbed_at`. */
  failedOrders: number;
  /** Entries and jobs whose kept secrets moved to the current key. */
  rewrapped: number;
}

type Data = Record<string, unknown>;

const PAGE = 200;
const DEAD_LETTER_STATES: JobType[] = ['failed', 'completed', 'waiting', 'delayed'];

/**
 * Kept (encrypted) past the TTL: not customer data but the partner agent's credential, filled
 * from configuration at intake. A replay needs it and an operator cannot be asked to know it;
 * the same credentials rest encrypted in the token pool (inside every vCare token) anyway.
 */
const KEPT_FOR_REPLAY = new Set(['agent_password']);

// Writes only if nobody changed the data since we read it (a replay recording `replayed_as`).
const COMPARE_AND_SET_DATA = `
if redis.call('HGET', KEYS[1], 'data') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'data', ARGV[2])
  return 1
end
return 0`;

/**
 * Scrubs the secrets of orders that failed for good more than `ttlMs` ago: the dead-letter
 * entry's `payload.order` and the failed source job's `order` get the scrubbed marker in each
 * secret field (`agent_password` excepted, see KEPT_FOR_REPLAY), and `secrets_scrubbed_at`
 * (on the entry; in `meta` on the job). What is kept and was encrypted under an older key of
 * the ring is encrypted again under the current key, so that a rotated-out key can be dropped.
 * Each write is a compare-and-set on the stored data, so a concurrent edit (a replay recording
 * `replayed_as`) is never overwritten: that one waits for the next sweep.
 * Runs from the maintenance queue's job scheduler; reads every dead-letter entry and failed
 * order job each time (retention keeps those sets small).
 */
export async function sweepExpiredSecrets(options: SecretSweepOptions): Promise<SweepResult> {
  const now = (options.now ?? Date.now)();
  const cutoff = now - options.ttlMs;
  const stamp = new Date(now).toISOString();
  const { cipher, redis } = options;
  const result: SweepResult = { deadLetters: 0, failedOrders: 0, rewrapped: 0 };
  const stale = (order: unknown) => hasStaleCiphertext(order, cipher);

  for (const state of DEAD_LETTER_STATES) {
    for await (const job of jobsOf(options.deadLetters, state)) {
      const entry = job.data as Data;
      const at = Date.parse(String(entry.dead_lettered_at)) || job.timestamp;
      const expired = !entry.secrets_scrubbed_at && at <= cutoff;
      const order = (entry.payload as Data | undefined)?.order;
      if (!expired && !stale(order)) continue;
      const written = await rewrite(redis, options.deadLetters, job.id as string, (data) => {
        const payload = data.payload as Data | undefined;
        const stored = payload?.order as Data | undefined;
        const clean = stored && renew(stored, String(data.action ?? job.name), expired, cipher);
        return {
          ...data,
          ...(payload && clean && { payload: { ...payload, order: clean } }),
          ...(expired && { secrets_scrubbed_at: stamp }),
        };
      });
      if (written && expired) result.deadLetters++;
      else if (written) result.rewrapped++;
    }
  }

  for (const queue of options.orderQueues) {
    for await (const job of jobsOf(queue, 'failed')) {
      const data = job.data as Data | undefined;
      const meta = data?.meta as Data | undefined;
      const expired = !meta?.secrets_scrubbed_at && (job.finishedOn ?? job.timestamp) <= cutoff;
      if (!expired && !stale(data?.order)) continue;
      const written = await rewrite(redis, queue, job.id as string, (stored) => {
        const order = stored.order as Data | undefined;
        return {
          ...stored,
          ...(order && { order: renew(order, job.name, expired, cipher) }),
          ...(expired && { meta: { ...(stored.meta as Data), secrets_scrubbed_at: stamp } }),
        };
      });
      if (written && expired) result.failedOrders++;
      else if (written) result.rewrapped++;
    }
  }
  return result;
}

/** Scrubs an order's secrets when `expired`, then moves what is left to the current key. */
function renew(order: Data, action: string, expired: boolean, cipher: Cipher): Data {
  let out = order;
  if (expired) {
    const fields = storedSecretFields(order, findAction(action)?.secretFields ?? []);
    const kept = fields.filter((f) => KEPT_FOR_REPLAY.has(f));
    const scrub = fields.filter((f) => !KEPT_FOR_REPLAY.has(f));
    // Opened first, so that what is kept is sealed again without what is scrubbed. An order
    // that does not open here (tampered, or a key already dropped) loses all of its secrets.
    const opened = decryptedOrUndefined(order, fields, cipher);
    out = opened
      ? encryptFields(scrubFields(opened, scrub).record, kept, cipher)
      : scrubFields(order, scrub).record;
  }
  const rewrapped: Data = { ...out };
  for (const [field, value] of Object.entries(out)) {
    const id = keyIdOf(value);
    if (id === undefined || id === cipher.keyId) continue;
    try {
      rewrapped[field] = cipher.encrypt(cipher.decrypt(value as string));
    } catch {
      // Not decryptable here (tampered, or a key already dropped): left for the processor to report.
    }
  }
  return rewrapped;
}

function hasStaleCiphertext(order: unknown, cipher: Cipher): boolean {
  if (typeof order !== 'object' || order === null) return false;
  return Object.values(order).some((value) => {
    const id = keyIdOf(value);
    return id !== undefined && id !== cipher.keyId;
  });
}

async function* jobsOf(queue: Queue, state: JobType) {
  for (let start = 0; ; start += PAGE) {
    const jobs = await queue.getJobs([state], start, start + PAGE - 1, true);
    for (const job of jobs) if (job?.id) yield job;
    if (jobs.length < PAGE) return;
  }
}

async function rewrite(
  redis: RedisClient,
  queue: Queue,
  jobId: string,
  change: (data: Data) => Data,
): Promise<boolean> {
  const key = queue.toKey(jobId);
  const raw = await redis.hget(key, 'data');
  if (raw === null) return false;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return false;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const next = JSON.stringify(change(data as Data));
  if (next === raw) return false;
  return (await redis.eval(COMPARE_AND_SET_DATA, 1, key, raw, next)) === 1;
}
