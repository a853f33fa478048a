import { CliError } from './cli-error.ts';
import { type DlqFilterFlags, toFilter } from './dlq-filter.ts';
import { refused } from './dlq-view-commands.ts';
import { type Io, printJson, table } from './output.ts';
import type { ServiceClient } from './service-client.ts';

/** `POST /v1/dead-letters/replay`'s report (docs/ops-api.md). */
interface BulkReport {
  dry_run: boolean;
  matched: number;
  replayed: { id: string; replayed_as: string; queue: string }[];
  would_replay: { id: string; queue: string }[];
  refused: { id: string; error: string; message: string }[];
  truncated: boolean;
}

const entryPath = (id: string) => `/v1/dead-letters/${encodeURIComponent(id)}`;

/**
 * `vcare-orders dlq replay <id>`: queues the entry's order again (patched), as a new order.
 * Refusals (replayed before, patch invalid, not found) fail with the service's reason.
 */
export async function dlqReplayCommand(
  client: ServiceClient,
  io: Io,
  id: string,
  options: { json?: boolean; force?: boolean; patch?: Record<string, unknown> },
): Promise<void> {
  const response = await client.request('POST', `${entryPath(id)}/replay`, {
    auth: 'admin',
    json: { ...(options.patch && { patch: options.patch }), ...(options.force && { force: true }) },
  });
  const body = response.body as Record<string, unknown> | undefined;
  if (response.status === 404) throw new CliError(`no dead-letter entry ${id}`);
  if (response.status === 409 && body?.error === 'already_replayed') {
    throw new CliError(
      `${id} was already replayed as ${body.replayed_as}; add --force to replay it again`,
    );
  }
  if (response.status === 400 && body?.error === 'validation_failed') {
    throw new CliError(`replay refused: ${refused(400, body).replace(/^refused: /, '')}`);
  }
  if (response.status !== 202)
    throw new CliError(`replay refused: ${refused(response.status, body)}`);
  if (options.json) {
    printJson(io, body);
    return;
  }
  const fields = Array.isArray(body?.fields) && body.fields.length > 0 ? body.fields : undefined;
  io.out(
    `replayed ${id} as ${body?.replayed_as} in ${body?.queue}` +
      (fields ? ` (patched: ${fields.join(', ')})` : ''),
  );
  io.out(`follow it: vcare-orders status ${body?.replayed_as}`);
}

export interface ReplayAllOptions extends DlqFilterFlags {
  json?: boolean;
  dryRun?: boolean;
  /** Replays per second (the service paces them). */
  rate?: number;
  /** Replay entries replayed before as well. */
  force?: boolean;
}

/**
 * `vcare-orders dlq replay --all [filters]`: every matching entry not replayed yet (with
 * `--force`, those replayed before too), paced by the service. Fails when any was refused.
 */
export async function dlqReplayAllCommand(
  client: ServiceClient,
  io: Io,
  options: ReplayAllOptions,
): Promise<void> {
  const response = await client.request('POST', '/v1/dead-letters/replay', {
    auth: 'admin',
    json: {
      filter: { ...toFilter(options), ...(!options.force && { replayed: false }) },
      ...(options.dryRun && { dry_run: true }),
      ...(options.rate !== undefined && { rate_per_s: options.rate }),
      ...(options.force && { force: true }),
    },
    // The service paces the replays at --rate, so a large set takes as long as it takes.
    timeoutMs: 0,
  });
  if (response.status !== 200)
    throw new CliError(`replay refused: ${refused(response.status, response.body)}`);
  const report = response.body as BulkReport;
  if (options.json) printJson(io, report);
  else io.out(humanBulk(report));
  if (report.refused.length > 0) {
    throw new CliError(`${report.refused.length} of ${report.matched} entries refused`);
  }
}

function humanBulk(report: BulkReport): string {
  const lines: string[] = [];
  if (report.dry_run && report.would_replay.length > 0) {
    lines.push(
      table(
        ['entry', 'queue'],
        report.would_replay.map((r) => [r.id, r.queue]),
      ),
      '',
    );
  }
  if (report.replayed.length > 0) {
    lines.push(
      table(
        ['entry', 'replayed as', 'queue'],
        report.replayed.map((r) => [r.id, r.replayed_as, r.queue]),
      ),
      '',
    );
  }
  if (report.refused.length > 0) {
    lines.push(
      'refused:',
      table(
        ['entry', 'error', 'message'],
        report.refused.map((r) => [r.id, r.error, r.message]),
      ),
      '',
    );
  }
  const done = report.dry_run
    ? `dry run: ${report.would_replay.length} would be replayed`
    : `${report.replayed.length} replayed`;
  lines.push(`${done}, ${report.refused.length} refused, of ${report.matched} matching entries`);
  if (report.truncated) lines.push('more entries matched: run it again for the rest');
  return lines.join('\n');
}

/** `vcare-orders dlq discard <id>`: removes the entry for good (audited by the service). */
export async function dlqDiscardCommand(
  client: ServiceClient,
  io: Io,
  id: string,
  options: { json?: boolean },
): Promise<void> {
  const response = await client.request('DELETE', entryPath(id), { auth: 'admin' });
  if (response.status === 404) throw new CliError(`no dead-letter entry ${id}`);
  if (response.status !== 200)
    throw new CliError(`discard refused: ${refused(response.status, response.body)}`);
  if (options.json) printJson(io, response.body);
  else io.out(`discarded ${id}`);
}
