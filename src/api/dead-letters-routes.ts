import { type Response, Router } from 'express';
import { z } from 'zod';
import type { FieldIssue } from '../actions/validate.ts';
import { readAudit } from '../queue/audit-log.ts';
import {
  type DeadLetterFilter,
  getDeadLetter,
  InvalidCursorError,
  listDeadLetters,
} from '../queue/dead-letter-store.ts';
import { detail, summarize } from '../queue/dead-letter-view.ts';
import {
  auditKeyOf,
  type DeadLetterOpsDeps,
  discardDeadLetter,
  replayDeadLetter,
} from '../queue/replay.ts';
import { refusal, replayMany } from '../queue/replay-many.ts';

export interface DeadLettersRoutesDeps {
  ops: DeadLetterOpsDeps;
  /** Recorded as the actor of replays and discards: the admin user the request authenticated as. */
  actor: string;
}

const reasons = ['permanent_error', 'attempts_exhausted', 'outcome_unknown'] as const;
const since = z.union([z.number(), z.string().min(1)]).transform((value, ctx) => {
  const ms = typeof value === 'number' || /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO date or milliseconds since epoch' });
    return z.NEVER;
  }
  return new Date(ms);
});
const filterFields = {
  queue: z.string().min(1).optional(),
  action: z.string().min(1).optional(),
  msg_code: z.string().min(1).optional(),
  reason: z.enum(reasons).optional(),
  since: since.optional(),
};
// The request schemas are exported for /openapi.json (src/api/openapi.ts), built from them.
export const listQuery = z.object({
  ...filterFields,
  replayed: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
});
export const replayBody = z.strictObject({
  patch: z.record(z.string(), z.unknown()).optional(),
  force: z.boolean().optional(),
});
export const bulkBody = z.strictObject({
  filter: z.strictObject({ ...filterFields, replayed: z.boolean().optional() }),
  dry_run: z.boolean().optional(),
  rate_per_s: z.number().positive().max(1000).optional(),
  force: z.boolean().optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});
export const auditQuery = z.object({
  entry_id: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * `/v1/dead-letters`: the ops API over the dead-letter queue (behind admin auth). Replays and
 * discards go through the same operations as Bull Board's buttons and the CLI. Response
 * shapes: docs/ops-api.md.
 */
export function deadLettersRoutes(deps: DeadLettersRoutesDeps): Router {
  const router = Router();
  const { ops } = deps;

  router.get('/v1/dead-letters', async (req, res) => {
    const query = parse(listQuery, req.query, res);
    if (!query) return;
    const { limit, cursor, ...filter } = query;
    try {
      const page = await listDeadLetters(ops.deadLetters, filter as DeadLetterFilter, {
        limit,
        cursor,
      });
      res.json({ entries: page.items.map(summarize), next_cursor: page.next_cursor });
    } catch (error) {
      if (!(error instanceof InvalidCursorError)) throw error;
      invalid(res, [{ path: 'cursor', message: `cursor ${error.message}` }]);
    }
  });

  router.get('/v1/dead-letters/audit', async (req, res) => {
    const query = parse(auditQuery, req.query, res);
    if (!query) return;
    const records = await readAudit(ops.redis, auditKeyOf(ops), {
      entryId: query.entry_id,
      limit: query.limit,
    });
    res.json({ records });
  });

  router.get('/v1/dead-letters/:id', async (req, res) => {
    const ref = await getDeadLetter(ops.deadLetters, req.params.id);
    if (!ref) {
      notFound(res);
      return;
    }
    const audit = await readAudit(ops.redis, auditKeyOf(ops), { entryId: req.params.id });
    res.json(detail(ref, ops.cipher, audit));
  });

  router.post('/v1/dead-letters/replay', async (req, res) => {
    const body = parse(bulkBody, req.body ?? {}, res);
    if (!body) return;
    const report = await replayMany(ops, body.filter as DeadLetterFilter, {
      actor: deps.actor,
      dryRun: body.dry_run,
      ratePerS: body.rate_per_s,
      force: body.force,
      limit: body.limit,
    });
    res.json(report);
  });

  router.post('/v1/dead-letters/:id/replay', async (req, res) => {
    const body = parse(replayBody, req.body ?? {}, res);
    if (!body) return;
    const result = await replayDeadLetter(ops, req.params.id, { ...body, actor: deps.actor });
    if (result.status === 'replayed') {
      const statusUrl = `/v1/orders/${encodeURIComponent(result.replayed_as)}`;
      res.status(202).location(statusUrl).json({
        entry_id: result.entry_id,
        replayed_as: result.replayed_as,
        queue: result.queue,
        fields: result.fields,
        status_url: statusUrl,
      });
      return;
    }
    if (result.status === 'would_replay')
      throw new Error('dry run reached the single replay route');
    const { id: _id, ...answer } = refusal(result);
    res.status(refusalStatus[answer.error] ?? 500).json(answer);
  });

  router.delete('/v1/dead-letters/:id', async (req, res) => {
    const result = await discardDeadLetter(ops, req.params.id, deps.actor);
    if (result.status === 'not_found') notFound(res);
    else if (result.status === 'busy') {
      res.status(409).json({
        error: 'replay_in_progress',
        message: 'the entry is being replayed or discarded',
      });
    } else {
      // Discarding an order chain step cancels the steps after it: say which.
      const { cancelled } = result;
      res.json({ discarded: result.entry_id, ...(cancelled && { cancelled }) });
    }
  });

  return router;
}

const refusalStatus: Record<string, number> = {
  not_found: 404,
  already_replayed: 409,
  replay_in_progress: 409,
  validation_failed: 400,
  not_replayable: 422,
};

function parse<T extends z.ZodType>(
  schema: T,
  input: unknown,
  res: Response,
): z.output<T> | undefined {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  invalid(
    res,
    result.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
      return { path, message: `${path} ${issue.message}` };
    }),
  );
  return undefined;
}

function invalid(res: Response, issues: FieldIssue[]): void {
  res.status(400).json({ error: 'validation_failed', issues });
}

function notFound(res: Response): void {
  res.status(404).json({ error: 'not_found', message: 'no dead-letter entry with this id' });
}
