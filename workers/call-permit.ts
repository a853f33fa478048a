import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { luaScript } from '../src/queue/lua-script.ts';
import type { RedisClient } from '../src/queue/redis.ts';

// Taken together so that a call costs one round trip: the enrollment must be free (a busy one
// spends no rate slot), then the window must have room (a full one takes no lock), then the
// job's sending mark (KEYS[3], its progress) is written if asked, as BullMQ's updateProgress
// writes it; a job removed meanwhile (-2) takes nothing. The lock already holding this very
// owner is this request sent again (ioredis resends a command whose reply a dropped connection
// lost): granted, with nothing counted twice. Taken as busy, its job would wait, then find its
// own sending mark and be dead-lettered as possibly sent.
export const ACQUIRE = luaScript(`
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return 0 end
if holder then return -1 end
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 0 then return -2 end
local max = tonumber(ARGV[3])
if max > 0 then
  local used = tonumber(redis.call('GET', KEYS[2]) or '0')
  if used >= max then
    local ttl = redis.call('PTTL', KEYS[2])
    if ttl > 0 then return ttl end
    redis.call('DEL', KEYS[2])
  end
  if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if KEYS[3] then redis.call('HSET', KEYS[3], ARGV[6], ARGV[5]) end
return 0
`);

// Compare-and-delete / compare-and-extend: never touch a lock another holder took after ours expired.
// KEYS[2], when given: a job field written in the same round trip if the job still exists.
const RELEASE = luaScript(`
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);
const RENEW = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** The window of VCARE_MAX_RPS, as BullMQ's limiter counts it: it starts with its first call. */
const RATE_WINDOW_MS = 1000;

export interface CallPermitsOptions {
  /** A worker-role connection: waits out a Redis blip instead of failing the job. */
  redis: RedisClient;
  /** The queue prefix with its hash tag (`{vcare}`): lock and rate keys share the queues' slot. */
  prefix: string;
  /**
   * How long a lock outlives a holder that stopped renewing it (its process died); renewed
   * every half of it while held, so a slow call never loses it. The workers' job lock duration:
   * an enrollment held by a dead worker is free again by the time its job is found stalled.
   */
  lockTtlMs: number;
  /** vCare calls started per second across every queue and process; no cap when absent. */
  maxPerSecond?: number;
  /** Told when a renewal finds the lock gone (Redis lost it, or the event loop stalled past the TTL). */
  onLost?: (enrollmentId: string) => void;
}

/** An enrollment held for one vCare call. */
export interface Permit {
  /** Frees the enrollment if the lock is still ours, and writes `write`. One round trip. */
  release(write?: JobFieldWrite): Promise<void>;
}

export type PermitAnswer =
  | { kind: 'granted'; permit: Permit }
  /** Another job of this enrollment is calling vCare. */
  | { kind: 'busy' }
  /** VCARE_MAX_RPS calls already started in this window; it ends in `waitMs`. */
  | { kind: 'rate-limited'; waitMs: number };

/**
 * A field of a job's hash written in the same round trip as a lock is taken (the sending mark,
 * in `progress`) or released (scrubbed `data`).
 */
export interface JobFieldWrite {
  /** The job's hash key. */
  jobKey: string;
  field: 'progress' | 'data';
  /** JSON, as BullMQ stores the field. */
  value: string;
}

/** `value` for `field` of `job`'s hash. */
export function jobFieldWrite(
  job: Job,
  field: JobFieldWrite['field'],
  value: string,
): JobFieldWrite {
  return { jobKey: `${job.queueQualifiedName}:${job.id}`, field, value };
}

export interface CallPermits {
  /**
   * One round trip. `holder` names the job in the lock's value, for whoever inspects Redis;
   * `mark` is written only if the lock is granted. Rejects if the marked job no longer exists.
   */
  acquire(enrollmentId: string, holder: string, mark?: JobFieldWrite): Promise<PermitAnswer>;
}

/** Redis key of one enrollment's lock. */
export function enrollmentLockKey(prefix: string, enrollmentId: string): string {
  return `${prefix}:lock:enrollment:${enrollmentId}`;
}

/**
 * Permission for one vCare call: no other job of the order's enrollment calls vCare meanwhile,
 * in any queue or process, and (with `maxPerSecond`) the current one-second window has room.
 */
export function createCallPermits(options: CallPermitsOptions): CallPermits {
  const { redis, lockTtlMs } = options;
  const rateKey = `${options.prefix}:vcare:rate`;
  return {
    async acquire(enrollmentId, holder, mark) {
      const key = enrollmentLockKey(options.prefix, enrollmentId);
      const owner = `${holder}:${randomUUID()}`;
      const answer = Number(
        await ACQUIRE(redis, mark ? [key, rateKey, mark.jobKey] : [key, rateKey], [
          owner,
          lockTtlMs,
          options.maxPerSecond ?? 0,
          RATE_WINDOW_MS,
          mark?.value ?? '',
          mark?.field ?? '',
        ]),
      );
      if (answer === -1) return { kind: 'busy' };
      if (answer === -2) throw new Error(`job ${holder} no longer exists; not calling vCare`);
      if (answer > 0) return { kind: 'rate-limited', waitMs: answer };
      // Fires only for holds longer than half the TTL: the usual call costs no renewal.
      const renewal = setInterval(() => {
        RENEW(redis, [key], [owner, lockTtlMs]).then(
          (renewed) => {
            if (Number(renewed) === 1) return;
            clearInterval(renewal);
            options.onLost?.(enrollmentId);
          },
          () => {}, // Redis unreachable: the next tick tries again, within the TTL.
        );
      }, lockTtlMs / 2);
      renewal.unref();
      return {
        kind: 'granted',
        permit: {
          async release(write) {
            clearInterval(renewal);
            await (write
              ? RELEASE(redis, [key, write.jobKey], [owner, write.field, write.value])
              : RELEASE(redis, [key], [owner]));
          },
        },
      };
    },
  };
}
