import type { DeadLetterSummary } from '../queue/dead-letter-view.ts';
import { CliError } from './cli-error.ts';
import { type DlqFilterFlags, toFilter } from './dlq-filter.ts';
import { type Io, keyValues, printJson, table } from './output.ts';
import { describeFailure, type ServiceClient } from './service-client.ts';

interface DeadLetterDetail extends DeadLetterSummary {
  failed_reason: string | null;
  error: { errors?: string[] } & Record<string, unknown>;
  attempts: { at?: string; class?: string; cause?: string; msg_code?: string; msg?: string }[];
  payload: { order: Record<string, unknown>; meta: Record<string, unknown> };
  audit: { at: string; actor: string; op: string; fields: string[]; replayed_as?: string }[];
}

export interface DlqListOptions extends DlqFilterFlags {
  json?: boolean;
  limit: number;
  cursor?: string;
}

/** `vcare-orders dlq list [filters]`: one page of entries, newest first. */
export async function dlqListCommand(
  client: ServiceClient,
  io: Io,
  options: DlqListOptions,
): Promise<void> {
  const response = await client.request('GET', '/v1/dead-letters', {
    auth: 'admin',
    query: { ...toFilter(options), limit: options.limit, cursor: options.cursor },
  });
  if (response.status !== 200) throw new CliError(refused(response.status, response.body));
  const page = response.body as { entries: DeadLetterSummary[]; next_cursor: string | null };
  if (options.json) {
    printJson(io, page);
    return;
  }
  if (page.entries.length === 0) {
    io.out('no dead-letter entries match');
    return;
  }
  io.out(
    table(
      ['id', 'action', 'enrollment', 'reason', 'msg_code', 'dead-lettered at', 'replayed as'],
      page.entries.map((e) => [
        e.id,
        e.action,
        e.enrollment_id,
        e.reason,
        e.msg_code ?? '',
        e.dead_lettered_at,
        e.replayed_as ?? '',
      ]),
    ),
  );
  if (page.next_cursor) io.out(`\nmore entries: add --cursor ${page.next_cursor}`);
}

/** `vcare-orders dlq show <id>`: the whole entry; the service masks the order's secrets. */
export async function dlqShowCommand(
  client: ServiceClient,
  io: Io,
  id: string,
  options: { json?: boolean },
): Promise<void> {
  const response = await client.request('GET', `/v1/dead-letters/${encodeURIComponent(id)}`, {
    auth: 'admin',
  });
  if (response.status === 404) throw new CliError(`no dead-letter entry ${id}`);
  if (response.status !== 200) throw new CliError(refused(response.status, response.body));
  const entry = response.body as DeadLetterDetail;
  if (options.json) {
    printJson(io, entry);
    return;
  }
  const lines = [
    keyValues([
      ['id', entry.id],
      ['state', entry.state],
      ['source', `${entry.source_queue} job ${entry.source_job_id}`],
      ['action', entry.action],
      ['enrollment', entry.enrollment_id],
      ['reason', entry.reason],
      ['msg_code', entry.msg_code],
      ['msg', entry.msg],
      ['first seen', entry.first_seen_at],
      ['dead-lettered', entry.dead_lettered_at],
      ['replayed as', entry.replayed_as],
    ]),
  ];
  for (const error of entry.error.errors ?? []) lines.push(`  error: ${error}`);
  if (entry.attempts.length > 0) {
    lines.push('', `attempts (${entry.attempts.length}):`);
    lines.push(
      indent(
        table(
          ['at', 'class', 'msg_code', 'cause'],
          entry.attempts.map((a) => [a.at, a.class, a.msg_code ?? '', a.msg ?? a.cause]),
        ),
      ),
    );
  }
  lines.push('', 'order (secrets masked):', indent(JSON.stringify(entry.payload.order, null, 2)));
  if (entry.audit.length > 0) {
    lines.push('', 'audit:');
    lines.push(
      indent(
        table(
          ['at', 'actor', 'op', 'fields', 'replayed as'],
          entry.audit.map((a) => [a.at, a.actor, a.op, a.fields.join(','), a.replayed_as ?? '']),
        ),
      ),
    );
  }
  io.out(lines.join('\n'));
}

/** One line for a 4xx the command did not expect (a bad filter, a bad cursor). */
export function refused(status: number, body: unknown): string {
  const issues = (body as { issues?: { message: string }[] } | undefined)?.issues;
  if (status === 400 && Array.isArray(issues) && issues.length > 0) {
    return `refused: ${issues.map((i) => i.message).join('; ')}`;
  }
  return describeFailure(status, body);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
