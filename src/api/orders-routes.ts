import type { Queue } from 'bullmq';
import { type Response, Router } from 'express';
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
  const statusUrl = (id: string) => `/v1/orders/${encodeURIComponent(id)}`;

  router.post('/v1/orders', async (req, res) => {
    const key = req.get('idempotency-key');
    const keyIssue = key === undefined ? undefined : idempotencyKeyIssue(key, 'Idempotency-Key');
    if (keyIssue) {
      res.status(400).json({ error: 'validation_failed', issues: [keyIssue] });
      return;
    }
    if (isChainBody(req.body)) {
      await answerChain(res, await deps.producer.enqueueChain(req.body, { idempotencyKey: key }));
      return;
    }
    const result = await deps.producer.enqueue(req.body, { idempotencyKey: key });
    switch (result.status) {
      case 'invalid':
        res.status(400).json({ error: 'validation_failed', issues: result.issues });
        return;
      case 'conflict':
        res.status(409).json({ error: 'idempotency_conflict', message: CONFLICT, id: result.id });
        return;
      default: {
        const { id, action, queue } = result;
        // A repeat may come long after the first: tell where that order is now.
        const state =
          result.status === 'duplicate'
            ? ((await getOrderStatus(deps.producer.queues.values(), deps.deadLetters, id))?.state ??
              'waiting')
            : 'waiting';
        res
          .status(result.status === 'accepted' ? 202 : 200)
          .location(statusUrl(id))
          .json({ id, action, queue, state, status_url: statusUrl(id) });
      }
    }
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

  /** `POST /v1/orders` with `{"steps": [...]}`: the chain's answer. */
  async function answerChain(res: Response, result: ChainEnqueueResult): Promise<void> {
    switch (result.status) {
      case 'invalid':
        res.status(400).json({ error: 'validation_failed', issues: result.issues });
        return;
      case 'conflict':
        res.status(409).json({ error: 'idempotency_conflict', message: CONFLICT, id: result.id });
        return;
      default: {
        const { id, steps } = result;
        const state =
          result.status === 'duplicate'
            ? ((await getChainStatus(deps.producer.queues, deps.deadLetters, id))?.state ??
              'waiting')
            : 'waiting';
        res
          .status(result.status === 'accepted' ? 202 : 200)
          .location(statusUrl(id))
          .json({ id, kind: 'chain', state, steps, status_url: statusUrl(id) });
      }
    }
  }

  return router;
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
