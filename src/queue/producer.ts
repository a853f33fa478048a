import { createHmac, randomUUID } from 'node:crypto';
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ActionDefinition, OrderBody } from '../actions/action.ts';
import { type FieldIssue, validateOrder } from '../actions/validate.ts';
import type { Cipher } from '../security/cipher.ts';
import { encryptFields } from '../security/secret-fields.ts';
import type { OrderJobData } from './job-data.ts';
import { BACKOFF_TYPE, ORDER_QUEUES, type OrderQueueName } from './names.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';

/** Filled into an order when the producer leaves them out (vCare wants them in every body). */
export interface OrderDefaults {
  agent_id: string;
  agent_password?: string;
  source: string;
}

export interface ProducerOptions {
  /** A fail-fast client connection (see `createRedis(url, 'client')`). */
  redis: Redis;
  /** BullMQ prefix. @defaultValue '{vcare}' */
  prefix?: string;
  defaults: OrderDefaults;
  /** Encrypts each action's secret fields before anything reaches Redis. */
  cipher: Cipher;
  /** Key of the keyed body hash used by idempotency keys (a plain hash of a body with an SSN could be guessed). */
  hashKey: string;
  retry?: RetryPolicy;
  now?: () => Date;
}

export interface EnqueueOptions {
  /** Same key and same body again returns the first order; same key, other body, a conflict. */
  idempotencyKey?: string;
  /** Namespace of idempotency keys (e.g. the producer's identity), so two producers never collide. */
  scope?: string;
}

export type EnqueueResult =
  | { status: 'accepted' | 'duplicate'; id: string; action: string; queue: OrderQueueName }
  | { status: 'conflict'; id: string }
  | { status: 'invalid'; issues: FieldIssue[] };

export interface Producer {
  enqueue(body: unknown, options?: EnqueueOptions): Promise<EnqueueResult>;
  /** Each body stands alone; the accepted ones are added in one `addBulk`. */
  enqueueBatch(
    bodies: readonly unknown[],
    options?: Pick<EnqueueOptions, 'scope'>,
  ): Promise<EnqueueResult[]>;
  readonly queues: ReadonlyMap<OrderQueueName, Queue>;
  close(): Promise<void>;
}

interface Prepared {
  action: ActionDefinition;
  data: OrderJobData;
  opts: JobsOptions;
}

export function createProducer(options: ProducerOptions): Producer {
  const prefix = options.prefix ?? '{vcare}';
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const now = options.now ?? (() => new Date());
  const queues = new Map<OrderQueueName, Queue>(
    ORDER_QUEUES.map((name) => [name, new Queue(name, { connection: options.redis, prefix })]),
  );
  const queueOf = (name: OrderQueueName) => queues.get(name) as Queue;

  function prepare(
    body: unknown,
    enqueue: EnqueueOptions,
  ): { ok: true; prepared: Prepared } | { ok: false; issues: FieldIssue[] } {
    const filled = withDefaults(body, options.defaults);
    const result = validateOrder(filled, now());
    if (!result.ok) return result;
    const { action, order } = result;
    const key = enqueue.idempotencyKey;
    const jobId = key ? idempotentJobId(options.hashKey, enqueue.scope ?? '', key) : randomUUID();
    const data: OrderJobData = {
      order: encryptFields(order, action.secretFields, options.cipher),
      meta: {
        received_at: Date.now(),
        ...(key && { body_hash: bodyHash(options.hashKey, body), nonce: randomUUID() }),
      },
    };
    const opts: JobsOptions = {
      jobId,
      attempts: retry.attempts,
      backoff: { type: BACKOFF_TYPE, delay: retry.baseDelayMs },
    };
    return { ok: true, prepared: { action, data, opts } };
  }

  return {
    queues,

    async enqueue(body, enqueueOptions = {}) {
      const result = prepare(body, enqueueOptions);
      if (!result.ok) return { status: 'invalid', issues: result.issues };
      const { action, data, opts } = result.prepared;
      const queue = queueOf(action.queue);
      const id = opts.jobId as string;
      await queue.add(action.name, data, opts);
      if (enqueueOptions.idempotencyKey) {
        // BullMQ ignores an add whose id exists and echoes *our* data back; read what is stored.
        const stored = await queue.getJob(id);
        const meta = (stored?.data as Partial<OrderJobData> | undefined)?.meta;
        if (stored && meta?.nonce !== data.meta.nonce) {
          if (stored.name !== action.name || meta?.body_hash !== data.meta.body_hash) {
            return { status: 'conflict', id };
          }
          return { status: 'duplicate', id, action: action.name, queue: action.queue };
        }
      }
      return { status: 'accepted', id, action: action.name, queue: action.queue };
    },

    async enqueueBatch(bodies, batchOptions = {}) {
      const results: EnqueueResult[] = [];
      const byQueue = new Map<OrderQueueName, Prepared[]>();
      for (const body of bodies) {
        const result = prepare(body, batchOptions);
        if (!result.ok) {
          results.push({ status: 'invalid', issues: result.issues });
          continue;
        }
        const { action, opts } = result.prepared;
        results.push({
          status: 'accepted',
          id: opts.jobId as string,
          action: action.name,
          queue: action.queue,
        });
        const list = byQueue.get(action.queue) ?? [];
        list.push(result.prepared);
        byQueue.set(action.queue, list);
      }
      await Promise.all(
        [...byQueue].map(([name, list]) =>
          queueOf(name).addBulk(
            list.map((p) => ({ name: p.action.name, data: p.data, opts: p.opts })),
          ),
        ),
      );
      return results;
    },

    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
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

function idempotentJobId(hashKey: string, scope: string, key: string): string {
  return `idem-${createHmac('sha256', hashKey).update(`${scope}\n${key}`).digest('hex').slice(0, 40)}`;
}

function bodyHash(hashKey: string, body: unknown): string {
  return createHmac('sha256', hashKey).update(canonicalJson(body)).digest('base64url');
}

/** JSON with object keys sorted, so key order does not make two equal bodies differ. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : 1,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export type { OrderBody };
