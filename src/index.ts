/**
 * The package's entry: the typed producer API for upstream Node services. It runs the same
 * validation, secret encryption and idempotency rules as `POST /v1/orders` and
 * `POST /v1/orders/batch`, and queues into the same Redis queues the workers read.
 *
 * ```ts
 * import { createCipher, createProducer, createRedis } from 'vcare-orders';
 *
 * const dataKeys = (process.env.DATA_KEY as string).split(','); // the service's DATA_KEY
 * const producer = createProducer({
 *   redis: createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'client'),
 *   prefix: '{vcare}', // `{` + the service's QUEUE_PREFIX + `}`
 *   cipher: createCipher(dataKeys),
 *   hashKey: dataKeys.at(-1) as string, // the oldest key, as the service: keys then match
 *   defaults: { agent_id: 'ewebsiteapi', source: 'API' },
 * });
 * const result = await producer.enqueue(order, { idempotencyKey: order.enrollment_id });
 * ```
 *
 * @packageDocumentation
 */

export type {
  ActionDefinition,
  IdempotencyClass,
  OrderBody,
  OrderQueueName,
} from './actions/action.ts';
export { actions, findAction } from './actions/registry.ts';
export { type FieldIssue, type Validation, validateOrder } from './actions/validate.ts';
export type { ChainEnqueueResult, ChainStep } from './queue/chain-producer.ts';
export { MAX_IDEMPOTENCY_KEY_LENGTH } from './queue/idempotency-key.ts';
export type { OrderJobData, OrderMeta } from './queue/job-data.ts';
export { ORDER_QUEUES } from './queue/names.ts';
export {
  createProducer,
  type EnqueueOptions,
  type EnqueueResult,
  type OrderDefaults,
  type Producer,
  type ProducerOptions,
} from './queue/producer.ts';
export { createRedis, type RedisClient, type RedisRole } from './queue/redis.ts';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './queue/retry-policy.ts';
export { type Cipher, createCipher } from './security/cipher.ts';
