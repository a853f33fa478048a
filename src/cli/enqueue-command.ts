import { CliError } from './cli-error.ts';
import { type OrderAt, type OrderFileFormat, readOrderFile } from './order-file.ts';
import { type Io, printJson, table } from './output.ts';
import { createProgress } from './progress.ts';
import { describeFailure, type ServiceClient } from './service-client.ts';

export interface EnqueueOptions {
  json?: boolean;
  /** Orders per `POST /v1/orders/batch` (the service takes up to 1000). @defaultValue 500 */
  batchSize: number;
  /** Show a progress bar when stderr is a terminal and the file has more than one batch. */
  progress: boolean;
}

/** One problem of one order: its line (NDJSON) or item (array), the field and the sentence. */
export interface Reject {
  position: number;
  path: string;
  message: string;
}

/**
 * What an enqueue did. `--json` prints it with each `position` named `line` (NDJSON) or
 * `item` (JSON array).
 */
export interface EnqueueReport {
  file: string;
  /** `ndjson`: positions are line numbers; `array`: 1-based array items. */
  format: OrderFileFormat;
  total: number;
  accepted: number;
  /** Orders (not issues) refused. */
  rejected: number;
  /** Orders not sent because the service failed first. */
  not_sent: number;
  rejects: Reject[];
  orders: { position: number; id: string; queue: string }[];
  /** Why the run stopped early. */
  error?: string;
}

/**
 * `vcare-orders enqueue <file>`: sends the file's orders in batches, then reports each rejected
 * order by line and field. Fails (after printing the report) when any order was rejected or
 * the service failed; orders accepted before a failure stay queued.
 */
export async function enqueueCommand(
  client: ServiceClient,
  io: Io,
  path: string,
  options: EnqueueOptions,
): Promise<void> {
  const file = await readOrderFile(path);
  const total = file.orders.length + file.rejects.length;
  const report: EnqueueReport = {
    file: path,
    format: file.format,
    total,
    accepted: 0,
    rejected: 0,
    not_sent: 0,
    rejects: file.rejects.map((r) => ({ ...r })),
    orders: [],
  };
  const rejectedPositions = new Set(file.rejects.map((r) => r.position));
  const progress = createProgress(
    total,
    options.progress && io.interactive && total > options.batchSize,
  );
  let sent = file.rejects.length;
  try {
    for (let start = 0; start < file.orders.length; start += options.batchSize) {
      const batch = file.orders.slice(start, start + options.batchSize);
      for (const outcome of await sendBatch(client, batch)) {
        if ('id' in outcome) report.orders.push(outcome);
        else {
          rejectedPositions.add(outcome.position);
          report.rejects.push(outcome);
        }
      }
      sent += batch.length;
      progress.update(sent, rejectedPositions.size);
    }
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    report.error = error.message;
  } finally {
    progress.stop();
  }
  report.accepted = report.orders.length;
  report.rejected = rejectedPositions.size;
  report.not_sent = total - sent;
  report.rejects.sort((a, b) => a.position - b.position);

  if (options.json) printJson(io, jsonReport(report));
  else io.out(humanReport(report));
  if (report.error) {
    throw new CliError(`${report.error} (${report.not_sent} of ${total} orders not sent)`);
  }
  if (report.rejected > 0) throw new CliError(`${report.rejected} of ${total} orders rejected`);
}

type Outcome = { position: number; id: string; queue: string } | Reject;

async function sendBatch(client: ServiceClient, batch: OrderAt[]): Promise<Outcome[]> {
  const response = await client.request('POST', '/v1/orders/batch', {
    auth: 'producer',
    json: batch.map((o) => o.body),
  });
  if (response.status === 413) {
    throw new CliError('the service refused a batch as too large; try a smaller --batch-size');
  }
  const results = (response.body as { results?: unknown } | undefined)?.results;
  if (response.status !== 200 || !Array.isArray(results)) {
    throw new CliError(`batch refused: ${describeFailure(response.status, response.body)}`);
  }
  const outcomes: Outcome[] = [];
  for (const raw of results as BatchItem[]) {
    const position = batch[raw.index]?.position;
    if (position === undefined) continue;
    if (typeof raw.id === 'string' && raw.error === undefined) {
      outcomes.push({ position, id: raw.id, queue: raw.queue ?? '' });
    } else if (Array.isArray(raw.issues) && raw.issues.length > 0) {
      for (const issue of raw.issues) outcomes.push({ position, ...issue });
    } else {
      outcomes.push({ position, path: 'body', message: String(raw.error ?? 'rejected') });
    }
  }
  return outcomes;
}

interface BatchItem {
  index: number;
  id?: string;
  queue?: string;
  error?: string;
  issues?: { path: string; message: string }[];
}

function jsonReport(report: EnqueueReport): unknown {
  const where = report.format === 'ndjson' ? 'line' : 'item';
  const rename = <T extends { position: number }>({ position, ...rest }: T) => ({
    [where]: position,
    ...rest,
  });
  return { ...report, rejects: report.rejects.map(rename), orders: report.orders.map(rename) };
}

function humanReport(report: EnqueueReport): string {
  const where = report.format === 'ndjson' ? 'line' : 'item';
  const lines: string[] = [];
  if (report.rejects.length > 0) {
    lines.push(
      table(
        [where, 'field', 'message'],
        report.rejects.map((r) => [r.position, r.path, r.message]),
      ),
      '',
    );
  }
  const notSent = report.not_sent > 0 ? `, ${report.not_sent} not sent` : '';
  lines.push(
    `${report.accepted} accepted, ${report.rejected} rejected${notSent} (${report.total} orders in ${report.file})`,
  );
  return lines.join('\n');
}
