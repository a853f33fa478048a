import type { RedisClient } from '../queue/redis.ts';
import type { Cipher } from '../security/cipher.ts';

/**
 * vCare tokens are single-use and live 15 minutes, and every reply carries a fresh one. The
 * pool keeps those reply tokens so that calls rarely need `/authenticate`:
 * a reply token goes first to a caller of this process already waiting, then to a small local
 * stack, and past that to a Redis sorted set (score = issue time) shared by every worker
 * process. Tokens are encrypted in Redis because a vCare JWT carries the partner's credentials.
 * `/authenticate` runs only when both are empty, at most `maxConcurrentAuth` at a time per
 * process (single-flight by default), and only while callers are still waiting.
 */
export interface TokenPool {
  /** A token never handed out before. Rejects if authentication fails or `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<string>;
  /** Gives back a fresh, unused token taken from a vCare reply. */
  release(token: string): Promise<void>;
  /** Tokens in the shared Redis pool (not counting local ones). */
  sharedSize(): Promise<number>;
  /**
   * Moves the local tokens still fresh to the shared pool, for the next process (call at
   * shutdown, once no call is in flight): a restart then starts warm instead of paying one
   * `/authenticate` per concurrent call, which at vCare's real latency is a slow ramp.
   */
  spill(): Promise<void>;
  /** `/authenticate` calls made by this process. */
  readonly authenticateCalls: number;
}

export interface TokenPoolOptions {
  redis: RedisClient;
  /** Redis key of the shared sorted set. */
  key: string;
  cipher: Cipher;
  /** Calls vCare `/authenticate` and returns the new token. */
  authenticate: () => Promise<string>;
  /** Tokens older than this are dropped. @defaultValue 14 minutes (vCare: 15) */
  maxAgeMs?: number;
  /** @defaultValue 1 */
  maxConcurrentAuth?: number;
  /** Tokens kept in process before spilling to Redis. @defaultValue 64 */
  localCapacity?: number;
  /** Bound on the shared pool's size. @defaultValue 5000 */
  sharedCapacity?: number;
  now?: () => number;
}

interface Held {
  token: string;
  issuedAt: number;
}

interface Waiter {
  resolve(token: string): void;
  reject(error: unknown): void;
}

export function createTokenPool(options: TokenPoolOptions): TokenPool {
  const { redis, key, cipher, authenticate } = options;
  const maxAgeMs = options.maxAgeMs ?? 14 * 60_000;
  const maxConcurrentAuth = options.maxConcurrentAuth ?? 1;
  const localCapacity = options.localCapacity ?? 64;
  const sharedCapacity = options.sharedCapacity ?? 5000;
  const now = options.now ?? Date.now;
  const local: Held[] = [];
  const waiters: Waiter[] = [];
  let authInFlight = 0;
  let authenticateCalls = 0;

  function takeLocal(): string | undefined {
    const oldest = now() - maxAgeMs;
    for (let held = local.pop(); held; held = local.pop()) {
      if (held.issuedAt > oldest) return held.token;
    }
    return undefined;
  }

  async function takeShared(): Promise<string | undefined> {
    const replies = await redis
      .multi()
      .zremrangebyscore(key, '-inf', now() - maxAgeMs)
      .zpopmax(key)
      .exec();
    const popped = replies?.[1]?.[1] as string[] | undefined;
    if (popped?.[0] === undefined) return undefined;
    try {
      return cipher.decrypt(popped[0]);
    } catch {
      // Released by a process with another DATA_KEY (mid-rotation): a token is cheap, drop it.
      return takeShared();
    }
  }

  function startAuthentications(): void {
    while (authInFlight < maxConcurrentAuth && waiters.length > authInFlight) {
      authInFlight++;
      authenticateCalls++;
      authenticate().then(
        (token) => {
          authInFlight--;
          handOver(token, now());
          startAuthentications();
        },
        (error: unknown) => {
          authInFlight--;
          // One failed /authenticate fails one caller, so each failure an order sees stands for
          // one real vCare call (the circuit breaker counts them); the others try their own.
          waiters.shift()?.reject(error);
          startAuthentications();
        },
      );
    }
  }

  /** Returns true when the token found a home in process. */
  function handOver(token: string, issuedAt: number): boolean {
    const waiter = waiters.shift();
    if (waiter) {
      waiter.resolve(token);
      return true;
    }
    if (local.length < localCapacity) {
      local.push({ token, issuedAt });
      return true;
    }
    return false;
  }

  return {
    get authenticateCalls() {
      return authenticateCalls;
    },

    async acquire(signal) {
      const fromLocal = takeLocal();
      if (fromLocal) return fromLocal;
      // Callers already waiting found the shared pool empty: queue behind them rather than
      // ask Redis again (an empty pop per call while tokens are short).
      const fromShared = waiters.length > 0 ? undefined : await takeShared();
      if (fromShared) return fromShared;
      signal?.throwIfAborted();
      return new Promise<string>((resolve, reject) => {
        const waiter: Waiter = {
          resolve: (token) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(token);
          },
          reject: (error) => {
            signal?.removeEventListener('abort', onAbort);
            reject(error);
          },
        };
        const onAbort = () => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) waiters.splice(index, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
        startAuthentications();
      });
    },

    async release(token) {
      const issuedAt = now();
      if (handOver(token, issuedAt)) return;
      await redis
        .multi()
        .zadd(key, issuedAt, cipher.encrypt(token))
        .zremrangebyrank(key, 0, -sharedCapacity - 1)
        .exec();
    },

    async sharedSize() {
      return redis.zcard(key);
    },

    async spill() {
      const oldest = now() - maxAgeMs;
      const fresh = local.splice(0).filter((held) => held.issuedAt > oldest);
      if (fresh.length === 0) return;
      const multi = redis.multi();
      for (const held of fresh) multi.zadd(key, held.issuedAt, cipher.encrypt(held.token));
      await multi.zremrangebyrank(key, 0, -sharedCapacity - 1).exec();
    },
  };
}
