import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createProducer, type Producer } from '../src/queue/producer.ts';
import { createCipher } from '../src/security/cipher.ts';
import type { BenchOptions } from './options.ts';
import { BENCH_AGENT, benchOrders } from './orders.ts';
import { DATA_KEY, type OursSetup } from './ours.ts';

/** What every phase of one bench run shares. */
export interface Bench {
  readonly options: BenchOptions;
  /** The bench's own connection (loading jobs, counting, INFO). */
  readonly redis: Redis;
  /** Every key of this run starts with it (cleanup: `${keyPattern}*`). */
  readonly keyPattern: string;
  readonly sandbox: { checked: string; floor: string };
  /** Our service's settings; QUEUE_PREFIX is fresh for this run. */
  readonly ours: OursSetup;
  /** Our `enrollment` queue, as the bench sees it. */
  readonly oursQueue: Queue;
  /** BullMQ prefix of the bare baselines. */
  readonly barePrefix: string;
  /** Adds `count` orders through our producer (validated, encrypted), as intake would. */
  enqueueOurs(count: number): Promise<void>;
  close(): Promise<void>;
}

export function createBench(
  options: BenchOptions,
  sandbox: { checked: string; floor: string },
): Bench {
  const id = `bench${randomBytes(4).toString('hex')}`;
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const ours: OursSetup = {
    redisUrl: options.redisUrl,
    queuePrefix: id,
    dataKey: DATA_KEY,
    vcareUrl: sandbox.checked,
  };
  // Our config wraps QUEUE_PREFIX in a Cluster hash tag; the bench's views must match.
  const oursPrefix = `{${id}}`;
  const producer: Producer = createProducer({
    redis,
    prefix: oursPrefix,
    cipher: createCipher([DATA_KEY]),
    hashKey: DATA_KEY,
    defaults: { agent_id: BENCH_AGENT.id, agent_password: BENCH_AGENT.password, source: 'API' },
  });
  const oursQueue = producer.queues.get('enrollment') as Queue;
  return {
    options,
    redis,
    keyPattern: `{${id}`,
    sandbox,
    ours,
    oursQueue,
    barePrefix: `{${id}-bare}`,
    async enqueueOurs(count) {
      for (let done = 0; done < count; done += 500) {
        const results = await producer.enqueueBatch(benchOrders(Math.min(500, count - done)));
        const refused = results.find((r) => r.status !== 'accepted');
        if (refused) throw new Error(`bench order refused: ${JSON.stringify(refused)}`);
      }
    },
    async close() {
      await producer.close();
      await redis.quit();
    },
  };
}

/** A queue view on the bare baselines' `enrollment` queue. */
export function bareQueue(bench: Bench): Queue {
  return new Queue('enrollment', { connection: bench.redis, prefix: bench.barePrefix });
}
