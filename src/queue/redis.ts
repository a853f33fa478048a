import type { Queue } from 'bullmq';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl } from './redis-url.ts';

/**
 * - `worker`: blocking commands, waits out Redis outages (BullMQ requires
 *   `maxRetriesPerRequest: null` here).
 * - `client`: request paths (intake, ops); fails fast while Redis is down instead of hanging
 *   the HTTP request.
 */
export type RedisRole = 'worker' | 'client';

/**
 * A connection to the service's Redis, whatever its topology: a standalone or
 * Sentinel-managed server (`Redis`) or a Redis Cluster (`Cluster`). BullMQ takes either; the
 * service's own keys all carry the queue prefix's hash tag, so they live in one slot.
 */
export type RedisClient = Redis | Cluster;

/** What {@link createRedis} will construct for a URL; separate so that tests can check it. */
export type RedisPlan =
  | { kind: 'redis'; url?: string; options: RedisOptions }
  | { kind: 'cluster'; nodes: Array<{ host: string; port: number }>; options: ClusterOptions };

/**
 * Turns a `REDIS_URL` (any form of {@link parseRedisUrl}) into ioredis constructor arguments
 * for a role. Throws `RedisUrlError` on a URL it cannot use.
 */
export function planRedis(url: string, role: RedisRole): RedisPlan {
  const base: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    connectTimeout: 5_000,
    lazyConnect: false,
  };
  const target = parseRedisUrl(url);
  switch (target.kind) {
    case 'standalone':
      return { kind: 'redis', url: target.url, options: base };
    case 'cluster':
      return {
        kind: 'cluster',
        nodes: target.nodes,
        // BullMQ reads a Cluster's per-node options (maxRetriesPerRequest above) from here.
        options: { redisOptions: { ...base, ...target.auth, ...(target.tls && { tls: {} }) } },
      };
    case 'sentinel':
      return {
        kind: 'redis',
        options: {
          ...base,
          sentinels: target.sentinels,
          name: target.name,
          db: target.db,
          ...target.auth,
          ...(target.sentinelAuth.username && { sentinelUsername: target.sentinelAuth.username }),
          ...(target.sentinelAuth.password && { sentinelPassword: target.sentinelAuth.password }),
          ...(target.tls && { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true }),
        },
      };
  }
}

/**
 * Opens a connection for a role; see {@link RedisRole} and {@link planRedis}.
 * @param onError told about connection errors, at most once per 10 s per connection (ioredis
 * reconnects by itself; without a listener it would print raw error dumps past the logger).
 */
export function createRedis(
  url: string,
  role: RedisRole,
  onError: (error: Error) => void = () => {},
): RedisClient {
  const plan = planRedis(url, role);
  const client =
    plan.kind === 'cluster'
      ? new Cluster(plan.nodes, plan.options)
      : plan.url === undefined
        ? new Redis(plan.options)
        : new Redis(plan.url, plan.options);
  reportErrors(client, onError);
  return client;
}

/**
 * A second connection to the same Redis whose commands issued in one turn of the event loop
 * leave in one write (ioredis auto-pipelining). For the workers' own short scripts, which many
 * jobs issue at the same moment: one system call for all of them instead of one each, the
 * largest cost of a Redis command on the client's side. BullMQ's own connections stay plain
 * (auto-pipelining them measured no gain: a job's BullMQ commands follow one another).
 */
export function pipelinedTwin(
  client: RedisClient,
  onError: (error: Error) => void = () => {},
): RedisClient {
  const twin =
    client instanceof Cluster
      ? client.duplicate(undefined, { enableAutoPipelining: true })
      : client.duplicate({ enableAutoPipelining: true });
  reportErrors(twin, onError);
  return twin;
}

/**
 * Returns `hold`: the connection's writes from the call until the end of this event-loop turn
 * leave in one system call (the socket is corked, then uncorked once the turn is over). For
 * the adds of concurrent intake requests: a system call per add was the largest cost of a
 * request, and BullMQ's addBulk, which also sends them in one write, first builds an ioredis
 * pipeline, which copies BullMQ's 64 scripts onto itself (21 µs, more than the writes saved).
 * Does nothing on a Cluster (one socket per node) or while disconnected (ioredis queues).
 */
export function writeCoalescer(client: RedisClient): () => void {
  let held = false;
  return () => {
    const stream = client instanceof Redis ? client.stream : undefined;
    if (held || !stream?.writable) return;
    held = true;
    stream.cork();
    setImmediate(() => {
      held = false;
      stream.uncork();
    });
  };
}

/**
 * Returns `queue`, made quiet about its connection's errors: a BullMQ queue re-emits them and,
 * with no listener, prints each one raw to stderr, past the logger. The connection's own
 * listener ({@link createRedis}) reports them already.
 */
export function quietQueue<Q extends Queue>(queue: Q): Q {
  queue.on('error', () => {});
  return queue;
}

/** At most once per 10 s per connection (ioredis reconnects by itself). */
function reportErrors(client: RedisClient, onError: (error: Error) => void): void {
  let lastReported = 0;
  client.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastReported < 10_000) return;
    lastReported = now;
    onError(error);
  });
}
