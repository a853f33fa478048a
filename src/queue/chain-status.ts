import type { Queue } from 'bullmq';
import { type ChainStepRef, chainOf } from './order-chain.ts';
import { getOrderStatus, type OrderState } from './order-status.ts';

/**
 * Where a chain is as a whole: `completed` once every step is; `dead_lettered` while a step
 * waits in the dead-letter queue (the steps after it wait too); `cancelled` once a step was
 * discarded (the steps after it never ran); `failed` when a step failed without either (its
 * entry was discarded and no step followed it); `active` while any step runs, waits for a retry
 * or some steps are done; `waiting` before the first step started.
 */
export type ChainState =
  | 'waiting'
  | 'active'
  | 'completed'
  | 'dead_lettered'
  | 'cancelled'
  | 'failed';

/**
 * One step of `GET /v1/orders/<chain id>`. A step replayed from the dead-letter queue shows its
 * newest run (`replayed_as` names it). `unknown`: the step's job is gone (retention) and its
 * successor does not record it as completed.
 */
export interface ChainStepStatus {
  index: number;
  id: string;
  action: string;
  queue: string;
  state: OrderState | 'unknown';
  attempts?: number;
  result?: unknown;
  error?: string;
  dead_letter_id?: string;
  replayed_as?: string;
}

export interface ChainStatus {
  /** The chain's id: its last step's job id. */
  id: string;
  kind: 'chain';
  state: ChainState;
  steps: ChainStepStatus[];
}

/** The chain whose root job is `id`; undefined when `id` is not a chain's. */
export async function getChainStatus(
  queues: ReadonlyMap<string, Queue>,
  deadLetters: Queue,
  id: string,
): Promise<ChainStatus | undefined> {
  const found = await Promise.all([...queues.values()].map((q) => q.getJob(id)));
  const chain = chainOf(found.find((job) => job)?.data?.meta);
  if (chain?.id !== id) return undefined;
  const steps = await Promise.all(
    chain.steps.map((step, index) => stepStatus(queues, deadLetters, chain.steps, index, step)),
  );
  return { id, kind: 'chain', state: chainState(steps.map((s) => s.state)), steps };
}

async function stepStatus(
  queues: ReadonlyMap<string, Queue>,
  deadLetters: Queue,
  steps: readonly ChainStepRef[],
  index: number,
  step: ChainStepRef,
): Promise<ChainStepStatus> {
  const base = { index, id: step.id, action: step.action, queue: step.queue };
  const status = await getOrderStatus(queues.values(), deadLetters, step.id);
  if (!status) {
    const done = await recordedAsCompleted(queues, steps, index);
    return { ...base, state: done ? 'completed' : 'unknown' };
  }
  const run = status.latest ?? status;
  return {
    ...base,
    state: run.state,
    attempts: run.attempts,
    ...(run.result !== undefined && { result: run.result }),
    ...(run.error !== undefined && { error: run.error }),
    ...(run.dead_letter_id !== undefined && { dead_letter_id: run.dead_letter_id }),
    ...(status.replayed_as !== undefined && { replayed_as: status.replayed_as }),
  };
}

/** A completed child stays in its parent's `processed` record after retention removed it. */
async function recordedAsCompleted(
  queues: ReadonlyMap<string, Queue>,
  steps: readonly ChainStepRef[],
  index: number,
): Promise<boolean> {
  const next = steps[index + 1];
  const step = steps[index] as ChainStepRef;
  const parent = next ? await queues.get(next.queue)?.getJob(next.id) : undefined;
  if (!parent) return false;
  const { processed = {} } = await parent.getDependencies({ processed: { count: 50 } });
  // The step itself or one of its replays (`<id>-r<n>`) completed.
  return Object.keys(processed).some(
    (key) => key.endsWith(`:${step.id}`) || key.includes(`:${step.id}-r`),
  );
}

function chainState(states: readonly ChainStepStatus['state'][]): ChainState {
  if (states.includes('cancelled')) return 'cancelled';
  if (states.includes('dead_lettered')) return 'dead_lettered';
  if (states.includes('failed')) return 'failed';
  if (states.every((s) => s === 'completed')) return 'completed';
  const started = states.some((s) => s === 'active' || s === 'delayed' || s === 'completed');
  return started ? 'active' : 'waiting';
}
