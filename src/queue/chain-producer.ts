import { randomUUID } from 'node:crypto';
import type { FlowJob, FlowProducer, Job, Queue } from 'bullmq';
import type { FieldIssue } from '../actions/validate.ts';
import { bodyHash, idempotencyKeyIssue, idempotentJobId } from './idempotency-key.ts';
import type { OrderJobData } from './job-data.ts';
import { heldElsewhere, type KeyedOrder } from './keyed-add.ts';
import type { OrderQueueName } from './names.ts';
import {
  type ChainStepRef,
  chainOf,
  chainStepId,
  chainSteps,
  enrollmentIssues,
  stepIssues,
} from './order-chain.ts';
import type { EnqueueOptions, Prepared as PreparedOrder } from './producer.ts';

/** A step of an accepted chain, as intake answers it. */
export type ChainStep = ChainStepRef & { index: number };

/**
 * - `accepted`: queued now as one BullMQ flow; `duplicate`: an equal chain was queued before
 *   under this idempotency key, nothing new queued (HTTP 202 and 200). `id` is the chain's.
 * - `conflict`: the key belongs to another body (409); `invalid`: every issue of every step,
 *   paths prefixed `steps.<index>.`, nothing queued (400).
 */
export type ChainEnqueueResult =
  | { status: 'accepted' | 'duplicate'; id: string; steps: ChainStep[] }
  | { status: 'conflict'; id: string }
  | { status: 'invalid'; issues: FieldIssue[] };

/** What a chain borrows from its producer: the single-order prepare path among others. */
export interface ChainContext {
  queues: ReadonlyMap<OrderQueueName, Queue>;
  flows: FlowProducer;
  hashKey: string;
  /** The producer's own prepare: defaults, callback_url, validation, secrets encrypted. */
  prepare(
    body: unknown,
  ): { ok: true; prepared: PreparedOrder } | { ok: false; issues: FieldIssue[] };
}

/**
 * Queues the steps of one enrollment to run one after another: a BullMQ flow in which each
 * step is the only child of the next, so the first step runs first and each later one only
 * once its child completed. The last step is the flow's root and its job id is the chain id.
 * Each step is prepared as a single order (same validation, defaults and encryption) and
 * carries `meta.chain`; a keyed chain's root carries the body hash and nonce of the whole body.
 */
export async function enqueueChain(
  ctx: ChainContext,
  body: unknown,
  options: EnqueueOptions = {},
): Promise<ChainEnqueueResult> {
  const key = options.idempotencyKey;
  const keyIssue = key === undefined ? undefined : idempotencyKeyIssue(key, 'idempotencyKey');
  if (keyIssue) return { status: 'invalid', issues: [keyIssue] };
  const split = chainSteps(body);
  const results = split.steps.map((step) => ctx.prepare(step));
  const issues = [
    ...split.issues,
    ...results.flatMap((result, index) => (result.ok ? [] : stepIssues(index, result.issues))),
  ];
  const prepared = results.flatMap((result) => (result.ok ? [result.prepared] : []));
  if (issues.length === 0)
    issues.push(...enrollmentIssues(prepared.map((p) => p.data.order.enrollment_id)));
  if (issues.length > 0) return { status: 'invalid', issues };

  const id = key ? idempotentJobId(ctx.hashKey, options.scope ?? '', key) : randomUUID();
  const steps = prepared.map((p, index) => ({
    id: chainStepId(id, index, prepared.length),
    queue: p.action.queue,
    action: p.action.name,
  }));
  for (const [index, p] of prepared.entries()) {
    p.opts.jobId = (steps[index] as { id: string }).id;
    p.data.meta.chain = { id, index, steps };
  }
  const root = prepared.at(-1) as PreparedOrder;
  if (key)
    Object.assign(root.data.meta, { body_hash: bodyHash(ctx.hashKey, body), nonce: randomUUID() });
  const answer = { id, steps: steps.map((step, index) => ({ index, ...step })) };
  if (!key) {
    await ctx.flows.add(toFlow(prepared));
    return { status: 'accepted', ...answer };
  }
  return addKeyed(ctx, prepared, answer);
}

/** The chain as nested flow nodes: step 0 deepest, the last step at the root. */
function toFlow(prepared: readonly PreparedOrder[]): FlowJob {
  let node: FlowJob | undefined;
  for (const p of prepared) {
    node = {
      name: p.action.name,
      queueName: p.action.queue,
      data: p.data,
      opts: p.opts,
      ...(node && { children: [node] }),
    };
  }
  return node as FlowJob;
}

/**
 * A keyed chain: BullMQ ignores adds of job ids that exist, so the flow's add is atomic per
 * job id and the stored root's nonce tells whether this submission created it.
 */
async function addKeyed(
  ctx: ChainContext,
  prepared: readonly PreparedOrder[],
  answer: { id: string; steps: ChainStep[] },
): Promise<ChainEnqueueResult> {
  const root = prepared.at(-1) as PreparedOrder;
  const keyed: KeyedOrder = {
    name: root.action.name,
    queue: root.action.queue,
    data: root.data,
    opts: root.opts,
  };
  const rootQueue = ctx.queues.get(root.action.queue) as Queue;
  if (await heldElsewhere(ctx.queues, keyed)) return { status: 'conflict', id: answer.id };
  const before = await rootQueue.getJob(answer.id);
  if (before) return judge(before, root.data, answer);
  // Steps of an earlier chain under this key outlived its root (retention): adding ours would
  // adopt them (a completed one would count as done). Refuse rather than run a half chain.
  if (await staleSteps(ctx, prepared)) {
    const now = await rootQueue.getJob(answer.id);
    return now ? judge(now, root.data, answer) : { status: 'conflict', id: answer.id };
  }
  await ctx.flows.add(toFlow(prepared));
  const stored = await rootQueue.getJob(answer.id);
  if (!stored || stored.data?.meta?.nonce !== root.data.meta.nonce)
    return stored ? judge(stored, root.data, answer) : { status: 'accepted', ...answer };
  // Concurrently, the same key may have queued a single order in another queue.
  if (!(await heldElsewhere(ctx.queues, keyed))) return { status: 'accepted', ...answer };
  const removed = await rootQueue.remove(answer.id, { removeChildren: true });
  return removed === 1 ? { status: 'conflict', id: answer.id } : { status: 'accepted', ...answer };
}

function judge(
  stored: Job,
  ours: OrderJobData,
  answer: { id: string; steps: ChainStep[] },
): ChainEnqueueResult {
  const meta = (stored.data as Partial<OrderJobData> | undefined)?.meta;
  const chain = chainOf(meta);
  if (!chain || meta?.body_hash !== ours.meta.body_hash)
    return { status: 'conflict', id: answer.id };
  const steps = chain.steps.map((step, index) => ({ index, ...step }));
  return { status: 'duplicate', id: answer.id, steps };
}

async function staleSteps(ctx: ChainContext, prepared: readonly PreparedOrder[]): Promise<boolean> {
  const found = await Promise.all(
    prepared
      .slice(0, -1)
      .map((p) => ctx.queues.get(p.action.queue)?.getJob(p.opts.jobId as string)),
  );
  return found.some((job) => job !== undefined);
}
