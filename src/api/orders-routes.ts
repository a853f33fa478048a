import type { Queue } from 'bullmq';
import { Router } from 'express';
import type { FieldIssue } from '../actions/validate.ts';
import type { ChainEnqueueResult } from '../queue/chain-producer.ts';
import { getChainStatus } from '../queue/chain-status.ts';
import { idempotencyKeyIssue } from '../queue/idempotency-key.ts';
import { isChainBody } from '../queue/order-chain.ts';
import { getOrderStatus } from '../queue/order-status.ts';
import type { EnqueueResult, Producer } from '../queue/producer.ts';

const CONFLICT = 'this idempotency key was used with a different body';

export interface OrdersRoutesDeps {
  producer: Producer;
  deadLetters: Queue;
  /** Most orders one batch request may carry. @defaultValue 1000 */
  maxBatch?: number;
}

/** `/v1/orders`: intake and status for upstream producers (behind the producer key). */
export function ordersRoutes(deps: OrdersRoutesDeps): Router {
  const router = Router();
  const maxBatch = deps.maxBatch ?? 1000;

  router.post('/v1/orders', async (req, res) => {
    const answer = await answerOrder(deps, req.body, req.get('idempotency-key'));
    if (answer.location) res.location(answer.location);
    res.status(answer.status).json(answer.json);
  });

  router.post('/v1/orders/batch', async (req, res) => {
    const bodies: unknown = req.body;
    if (!Array.isArray(bodies) || bodies.length === 0 || bodies.length > maxBatch) {
      res.status(400).json({
        error: 'validation_failed',
        issues: [{ path: 'body', message: `body must be a JSON array of 1 to ${maxBatch} orders` }],
      });
      return;
    }
    const results = await deps.producer.enqueueBatch(bodies);
    res.json({ results: results.map(batchItem) });
  });

  router.get('/v1/orders/:id', async (req, res) => {
    const status = await getOrderStatus(
      deps.producer.queues.values(),
      deps.deadLetters,
      req.params.id,
    );
    if (!status) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    // A chain's id is its last step's job id: show the whole chain.
    const chain =
      status.chain?.id === status.id
        ? await getChainStatus(deps.producer.queues, deps.deadLetters, status.id)
        : undefined;
    res.json(chain ?? status);
  });

  return router;
}

/** An HTTP answer: status, JSON body and, for a queued order, where its status is. */
export interface Answer {
  status: number;
  json: unknown;
  location?: string;
}

const statusUrl = (id: string) => `/v1/orders/${encodeURIComponent(id)}`;

/**
 * The answer to `POST /v1/orders` for a parsed body and its Idempotency-Key header: one order,
 * or an order chain (`{"steps": [...]}`). Shared by the express route and the intake fast path
 * (intake-fast-path.ts), so that both answer alike.
 */
export async function answerOrder(
  deps: Pick<OrdersRoutesDeps, 'producer' | 'deadLetters'>,
  body: unknown,
  key: string | undefined,
): Promise<Answer> {
  const keyIssue = key === undefined ? undefined : idempotencyKeyIssue(key, 'Idempotency-Key');
  if (keyIssue) return { status: 400, json: { error: 'validation_failed', issues: [keyIssue] } };
  if (isChainBody(body)) {
    return answerChain(deps, await deps.producer.enqueueChain(body, { idempotencyKey: key }));
  }
  const result = await deps.producer.enqueue(body, { idempotencyKey: key });
  switch (result.status) {
    case 'invalid':
    case 'conflict':
      return refusal(result);
    default: {
      const { id, action, queue } = result;
      // A repeat may come long after the first: tell where that order is now.
      const state =
        result.status === 'duplicate'
          ? ((await getOrderStatus(deps.producer.queues.values(), deps.deadLetters, id))?.state ??
            'waiting')
          : 'waiting';
      return {
        status: result.status === 'accepted' ? 202 : 200,
        location: statusUrl(id),
        json: { id, action, queue, state, status_url: statusUrl(id) },
      };
    }
  }
}

/** An order or chain that was not queued: invalid (400), or its key taken by another body (409). */
function refusal(
  result: { status: 'invalid'; issues: FieldIssue[] } | { status: 'conflict'; id: string },
): Answer {
  return result.status === 'invalid'
    ? { status: 400, json: { error: 'validation_failed', issues: result.issues } }
    : { status: 409, json: { error: 'idempotency_conflict', message: CONFLICT, id: result.id } };
}

/** `POST /v1/orders` with `{"steps": [...]}`: the chain's answer. */
async function answerChain(
  deps: Pick<OrdersRoutesDeps, 'producer' | 'deadLetters'>,
  result: ChainEnqueueResult,
): Promise<Answer> {
  switch (result.status) {
    case 'invalid':
    case 'conflict':
      return refusal(result);
    default: {
      const { id, steps } = result;
      const state =
        result.status === 'duplicate'
          ? ((await getChainStatus(deps.producer.queues, deps.deadLetters, id))?.state ?? 'waiting')
          : 'waiting';
      return {
        status: result.status === 'accepted' ? 202 : 200,
        location: statusUrl(id),
        json: { id, kind: 'chain', state, steps, status_url: statusUrl(id) },
      };
    }
  }
}

function batchItem(result: EnqueueResult, index: number) {
  switch (result.status) {
    case 'invalid':
      return { index, error: 'validation_failed', issues: result.issues };
    case 'conflict':
      return { index, error: 'idempotency_conflict', message: CONFLICT, id: result.id };
    case 'duplicate':
      // The first order with this key: nothing new was queued.
      return { index, id: result.id, action: result.action, queue: result.queue, duplicate: true };
    default:
      return { index, id: result.id, action: result.action, queue: result.queue };
  }
}
