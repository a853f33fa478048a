import { randomUUID } from 'node:crypto';
import { FlowProducer, type JobsOptions, Queue } from 'bullmq';
import type { ActionDefinition, OrderBody } from '../actions/action.ts';
import { type FieldIssue, validateOrder } from '../actions/validate.ts';
import type { Cipher } from '../security/cipher.ts';
import { encryptFields, sealedSecretsIssue } from '../security/secret-fields.ts';
import { takeCallbackUrl } from './callbacks.ts';
import { type ChainEnqueueResult, enqueueChain } from './chain-producer.ts';
import {
  bodyHash,
  idempotencyKeyIssue,
  idempotentJobId,
  takeIdempotencyKey,
} from './idempotency-key.ts';
import type { OrderJobData } from './job-data.ts';
import { heldElsewhere, type KeyedOrder, settleKeyedAdd } from './keyed-add.ts';
import { BACKOFF_TYPE, ORDER_QUEUES, type OrderQueueName } from './names.ts';
import { quietQueue, type RedisClient, writeCoalescer } from './redis.ts';
import { DEFAULT_RETRY_POLICY, policyFor, type RetryPolicy } from './retry-policy.ts';

/** Filled into an order when the producer leaves them out (vCare wants them in every body). */
export interface OrderDefaults {
  agent_id: string;
  agent_password?: string;
  source: string;
}

export interface ProducerOptions {
  /** A fail-fast client connection (see `createRedis(url, 'client')`). */
  redis: RedisClient;
  /** BullMQ prefix. @defaultValue '{vcare}' */
  prefix?: string;
  defaults: OrderDefaults;
  /** Encrypts each action's secret fields before anything reaches Redis. */
  cipher: Cipher;
  /**
   * Key of the keyed hashes behind idempotency keys (a plain hash of a body with an SSN could
   * be guessed). Use the service's (its oldest `DATA_KEY`) so that a key sent here and the
   * same key sent over HTTP name the same order.
   */
  hashKey: string;
  /** Attempts and backoff per queue (`policyFor`). @defaultValue DEFAULT_RETRY_POLICY */
  retry?: RetryPolicy;
  now?: () => Date;
}

export interface EnqueueOptions {
  /**
   * 1 to 255 characters. Same key and same body again: `duplicate` with the first order's id,
   * nothing queued; same key with another body or action: `conflict`. A key lives as long as
   * its order's job; once the job is removed the key is free again.
   */
  idempotencyKey?: string;
  /** Namespace of idempotency keys (e.g. the producer's identity), so two producers never collide. */
  scope?: string;
}

/**
 * - `accepted`: queued now under `id`; `duplicate`: an equal order was queued before under
 *   this idempotency key, nothing new queued (HTTP 202 and 200);
 * - `conflict`: the key belongs to another body (409); `invalid`: every issue, nothing queued (400).
 */
export type EnqueueResult =
  | { status: 'accepted' | 'duplicate'; id: string; action: string; queue: OrderQueueName }
  | { status: 'conflict'; id: string }
  | { status: 'invalid'; issues: FieldIssue[] };

export interface Producer {
  enqueue(body: unknown, options?: EnqueueOptions): Promise<EnqueueResult>;
  /**
   * Each body stands alone; the accepted ones are added in one `addBulk` per queue. A body may
   * carry its own idempotency key as a top-level `idempotency_key` string (removed before
   * validation, hashing and queueing); results are in the order of `bodies`.
   */
  enqueueBatch(
    bodies: readonly unknown[],
    options?: Pick<EnqueueOptions, 'scope'>,
  ): Promise<EnqueueResult[]>;
  /**
   * Queues an order chain, `{"steps": [...]}`: 2 to 10 orders of one enrollment run one after
   * another, each only once the previous completed (see chain-producer.ts). Each step is
   * prepared as `enqueue` prepares an order; the idempotency key names the whole chain.
   */
  enqueueChain(body: unknown, options?: EnqueueOptions): Promise<ChainEnqueueResult>;
  readonly queues: ReadonlyMap<OrderQueueName, Queue>;
  close(): Promise<void>;
}

/** An order ready to add: its action, job data (secrets encrypted) and job options. */
export interface Prepared {
  action: ActionDefinition;
  data: OrderJobData;
  opts: JobsOptions & { jobId: string };
}

export function createProducer(options: ProducerOptions): Producer {
  const prefix = options.prefix ?? '{vcare}';
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const now = options.now ?? (() => new Date());
  const queues = new Map<OrderQueueName, Queue>(
    ORDER_QUEUES.map((name) => [
      name,
      quietQueue(new Queue(name, { connection: options.redis, prefix })),
    ]),
  );
  const queueOf = (name: OrderQueueName) => queues.get(name) as Queue;
  // The adds of concurrent requests leave in one write.
  const holdWrites = writeCoalescer(options.redis);
  // Chains span queues: one flow needs them all under one prefix (one Cluster hash tag).
  const flows = new FlowProducer({ connection: options.redis, prefix });

  function prepare(
    body: unknown,
    enqueue: EnqueueOptions,
  ): { ok: true; prepared: Prepared } | { ok: false; issues: FieldIssue[] } {
    const callback = takeCallbackUrl(body);
    const filled = withDefaults(callback.body, options.defaults);
    const result = validateOrder(filled, now());
    const reserved = sealedSecretsIssue(callback.body);
    const extra = reserved ? [...callback.issues, reserved] : callback.issues;
    if (!result.ok) return { ok: false, issues: [...result.issues, ...extra] };
    if (extra.length > 0) return { ok: false, issues: extra };
    const { action, order } = result;
    const key = enqueue.idempotencyKey;
    const jobId = key ? idempotentJobId(options.hashKey, enqueue.scope ?? '', key) : randomUUID();
    const stored = encryptFields(order, action.secretFields, options.cipher);
    const data: OrderJobData = {
      order: stored,
      meta: {
        received_at: Date.now(),
        ...(key && { body_hash: bodyHash(options.hashKey, body), nonce: randomUUID() }),
        ...(callback.url && { callback_url: callback.url }),
      },
    };
    const opts = orderJobOptions(jobId, policyFor(retry, action.queue));
    return { ok: true, prepared: { action, data, opts } };
  }

  /** The answer for a keyed order once its add is settled (see keyed-add.ts). */
  async function settleKeyed(prepared: Prepared): Promise<EnqueueResult> {
    const outcome = await settleKeyedAdd(queues, keyedOrder(prepared));
    if (outcome === 'accepted') return accepted(prepared);
    const id = prepared.opts.jobId as string;
    if (outcome === 'conflict') return { status: 'conflict', id };
    return { status: 'duplicate', id, action: prepared.action.name, queue: prepared.action.queue };
  }

  return {
    queues,

    async enqueue(body, enqueueOptions = {}) {
      const key = enqueueOptions.idempotencyKey;
      const keyIssue = key === undefined ? undefined : idempotencyKeyIssue(key, 'idempotencyKey');
      if (keyIssue) return { status: 'invalid', issues: [keyIssue] };
      const result = prepare(body, enqueueOptions);
      if (!result.ok) return { status: 'invalid', issues: result.issues };
      const { prepared } = result;
      // A key already used for another action is refused before anything is added.
      if (key !== undefined && (await heldElsewhere(queues, keyedOrder(prepared))))
        return { status: 'conflict', id: prepared.opts.jobId as string };
      holdWrites();
      await queueOf(prepared.action.queue).add(prepared.action.name, prepared.data, prepared.opts);
      return key === undefined ? accepted(prepared) : settleKeyed(prepared);
    },

    async enqueueBatch(bodies, batchOptions = {}) {
      const items = bodies.map((body) => {
        const item = takeIdempotencyKey(body);
        const result = prepare(item.body, { ...batchOptions, idempotencyKey: item.key });
        if (!result.ok || item.issues.length > 0) {
          const issues = [...(result.ok ? [] : result.issues), ...item.issues];
          return { result: { status: 'invalid', issues } satisfies EnqueueResult };
        }
        return { prepared: result.prepared, keyed: item.key !== undefined };
      });
      const results: EnqueueResult[] = items.map((item) =>
        item.prepared ? accepted(item.prepared) : item.result,
      );
      // Keyed items only: the others need no round trip, nor a promise each.
      const keyed = items.flatMap((item, index) =>
        item.prepared && item.keyed ? [{ index, prepared: item.prepared }] : [],
      );
      // A key already used for another action is refused before anything is added.
      await Promise.all(
        keyed.map(async ({ index, prepared }) => {
          if (await heldElsewhere(queues, keyedOrder(prepared)))
            results[index] = { status: 'conflict', id: prepared.opts.jobId as string };
        }),
      );
      const byQueue = new Map<OrderQueueName, Prepared[]>();
      for (const [index, item] of items.entries()) {
        if (!item.prepared || results[index]?.status !== 'accepted') continue;
        const list = byQueue.get(item.prepared.action.queue) ?? [];
        list.push(item.prepared);
        byQueue.set(item.prepared.action.queue, list);
      }
      await Promise.all(
        [...byQueue].map(([name, list]) =>
          queueOf(name).addBulk(
            list.map((p) => ({ name: p.action.name, data: p.data, opts: p.opts })),
          ),
        ),
      );
      // Keyed items (two with one key in this batch too) are settled as single adds are.
      await Promise.all(
        keyed.map(async ({ index, prepared }) => {
          if (results[index]?.status === 'accepted') results[index] = await settleKeyed(prepared);
        }),
      );
      return results;
    },

    enqueueChain(body, chainOptions) {
      const prepareStep = (step: unknown) => prepare(step, {});
      const ctx = { queues, flows, hashKey: options.hashKey, prepare: prepareStep };
      return enqueueChain(ctx, body, chainOptions);
    },

    async close() {
      await Promise.all([...queues.values(), flows].map((q) => q.close()));
    },
  };
}

/**
 * Options of every order job: a fresh attempt budget and the vCare backoff of `retry`.
 * Intake and dead-letter replays both use it, so a replay retries like a new order.
 */
export function orderJobOptions(
  jobId: string,
  retry: RetryPolicy,
): JobsOptions & { jobId: string } {
  return {
    jobId,
    attempts: retry.attempts,
    backoff: { type: BACKOFF_TYPE, delay: retry.baseDelayMs },
  };
}

function keyedOrder({ action, data, opts }: Prepared): KeyedOrder {
  return { name: action.name, queue: action.queue, data, opts };
}

function accepted({ action, opts }: Prepared): EnqueueResult {
  return { status: 'accepted', id: opts.jobId as string, action: action.name, queue: action.queue };
}

function withDefaults(body: unknown, defaults: OrderDefaults): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const filled: Record<string, unknown> = { ...body };
  for (const [field, value] of Object.entries(defaults)) {
    if (value !== undefined && (filled[field] === undefined || filled[field] === ''))
      filled[field] = value;
  }
  return filled;
}

export type { OrderBody };
