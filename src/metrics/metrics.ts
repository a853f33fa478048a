import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { within } from '../within.ts';
import { msgCodeLabel, nameLabel } from './labels.ts';

/** What a queue must offer to be sampled (a BullMQ `Queue` does). */
export interface CountableQueue {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

/** One vCare HTTP exchange, as the client reports it. */
export interface VcareCallSample {
  /** The order's action, or `authenticate`. */
  action: string | undefined;
  msgCode: string | undefined;
  /** Outcome class: success, token, transient, permanent, unknown-outcome. */
  outcome: string;
  seconds: number;
}

/**
 * The service's Prometheus metrics, on a registry of their own: one per process (several per
 * test process), never prom-client's global one. Every label takes values from a closed set.
 */
export interface Metrics {
  readonly registry: Registry;
  /** `vcare_calls_total{action,msg_code,outcome}` and `vcare_call_duration_seconds{action}`; `/authenticate` also counts in `vcare_authenticate_total{outcome}`. */
  recordVcareCall(sample: VcareCallSample): void;
  /** `orders_finished_total{queue,outcome}`: an order reached its final state. */
  recordOrderFinished(queue: string, outcome: 'completed' | 'dead_lettered'): void;
  /** `dead_letters_total{queue,reason}`: a dead-letter entry was written. */
  recordDeadLetter(queue: string, reason: string): void;
  /** `replays_total{queue}`: a dead-lettered order was queued again. */
  recordReplay(queue: string): void;
  /** `callback_deliveries_total{outcome}`: delivered, retry (will try again) or failed (gave up). */
  recordCallback(outcome: 'delivered' | 'retry' | 'failed'): void;
  /** Samples `queue_jobs{queue,state}` from these queues at each scrape. */
  watchQueues(queues: Iterable<CountableQueue>): void;
  /** Samples `vcare_token_pool_size` at each scrape. */
  watchTokenPool(size: () => Promise<number>): void;
  /** Samples `vcare_circuit_state` (0 closed, 1 half-open, 2 open) at each scrape; shared by all workers. */
  watchCircuit(state: () => Promise<number>): void;
  /** Prometheus text exposition of every metric. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** Job states sampled for `queue_jobs`. */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
] as const;

/** A scrape must answer even while Redis does not: samples give up after this long. */
const SAMPLE_TIMEOUT_MS = 2000;

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const vcareCalls = new Counter({
    name: 'vcare_calls_total',
    help: 'vCare HTTP exchanges by action, msg_code (documented codes, none or other) and outcome class',
    labelNames: ['action', 'msg_code', 'outcome'] as const,
    registers,
  });
  const vcareDuration = new Histogram({
    name: 'vcare_call_duration_seconds',
    help: 'Duration of vCare HTTP exchanges by action, including timeouts',
    labelNames: ['action'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60],
    registers,
  });
  const authenticate = new Counter({
    name: 'vcare_authenticate_total',
    help: 'vCare /authenticate calls by outcome class (rare while the token pool is fed)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const finished = new Counter({
    name: 'orders_finished_total',
    help: 'Orders that reached a final state, by queue and outcome (completed or dead_lettered)',
    labelNames: ['queue', 'outcome'] as const,
    registers,
  });
  const deadLetters = new Counter({
    name: 'dead_letters_total',
    help: 'Dead-letter entries written, by source queue and reason',
    labelNames: ['queue', 'reason'] as const,
    registers,
  });
  const replays = new Counter({
    name: 'replays_total',
    help: 'Dead-lettered orders queued again, by source queue',
    labelNames: ['queue'] as const,
    registers,
  });
  const callbacks = new Counter({
    name: 'callback_deliveries_total',
    help: 'Status callbacks to upstream by outcome (delivered, retry, failed = gave up)',
    labelNames: ['outcome'] as const,
    registers,
  });

  const watched: CountableQueue[] = [];
  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs per queue and state, sampled from Redis at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      await Promise.all(
        watched.map(async (queue) => {
          try {
            const counts = await within(SAMPLE_TIMEOUT_MS, queue.getJobCounts(...QUEUE_STATES));
            for (const state of QUEUE_STATES) {
              this.set({ queue: nameLabel(queue.name), state }, counts[state] ?? 0);
            }
          } catch {
            // Redis unreachable: keep the last sample; /readyz is what reports the outage.
          }
        }),
      );
    },
  });
  let poolSize: (() => Promise<number>) | undefined;
  new Gauge({
    name: 'vcare_token_pool_size',
    help: 'Unused vCare tokens in the shared Redis pool, sampled at scrape time',
    registers,
    async collect() {
      if (!poolSize) return;
      try {
        this.set(await within(SAMPLE_TIMEOUT_MS, poolSize()));
      } catch {
        // As above: an outage shows in /readyz, not as a scrape failure.
      }
    },
  });

  let circuitState: (() => Promise<number>) | undefined;
  new Gauge({
    name: 'vcare_circuit_state',
    help: 'vCare circuit breaker shared by all workers: 0 closed, 1 half-open (probing), 2 open (queues paused)',
    registers,
    async collect() {
      if (!circuitState) return;
      try {
        this.set(await within(SAMPLE_TIMEOUT_MS, circuitState()));
      } catch {
        // As above.
      }
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    recordVcareCall(sample) {
      const action = nameLabel(sample.action);
      const outcome = nameLabel(sample.outcome);
      vcareCalls.inc({ action, msg_code: msgCodeLabel(sample.msgCode), outcome });
      vcareDuration.observe({ action }, sample.seconds);
      if (action === 'authenticate') authenticate.inc({ outcome });
    },
    recordOrderFinished(queue, outcome) {
      finished.inc({ queue: nameLabel(queue), outcome });
    },
    recordDeadLetter(queue, reason) {
      deadLetters.inc({ queue: nameLabel(queue), reason: nameLabel(reason) });
    },
    recordReplay(queue) {
      replays.inc({ queue: nameLabel(queue) });
    },
    recordCallback(outcome) {
      callbacks.inc({ outcome });
    },
    watchQueues(queues) {
      for (const queue of queues) if (!watched.includes(queue)) watched.push(queue);
    },
    watchTokenPool(size) {
      poolSize = size;
    },
    watchCircuit(state) {
      circuitState = state;
    },
    render() {
      return registry.metrics();
    },
  };
}
