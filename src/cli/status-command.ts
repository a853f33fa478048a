import { CliError } from './cli-error.ts';
import { type Io, keyValues, printJson } from './output.ts';
import { describeFailure, type ServiceClient } from './service-client.ts';

/** `GET /v1/orders/:id` as the service answers it. */
interface OrderStatus {
  id: string;
  action: string;
  queue?: string;
  state: string;
  attempts: number;
  result?: unknown;
  error?: string;
  dead_letter_id?: string;
  replayed_as?: string;
  replay_of?: string;
  /** The newest order of the replay chain (the service follows it). */
  latest?: { id: string; state: string; attempts: number; dead_letter_id?: string };
}

/** `vcare-orders status <id>`: where an order is; succeeds whatever its state. */
export async function statusCommand(
  client: ServiceClient,
  io: Io,
  id: string,
  options: { json?: boolean },
): Promise<void> {
  const response = await client.request('GET', `/v1/orders/${encodeURIComponent(id)}`, {
    auth: 'producer',
  });
  if (response.status === 404) throw new CliError(`no order with id ${id}`);
  if (response.status !== 200) throw new CliError(describeFailure(response.status, response.body));
  const status = response.body as OrderStatus;
  if (options.json) {
    printJson(io, status);
    return;
  }
  io.out(
    keyValues([
      ['id', status.id],
      ['action', status.action],
      ['queue', status.queue],
      ['state', status.state],
      ['attempts', String(status.attempts)],
      ['result', status.result],
      ['error', status.error],
      ['dead letter', status.dead_letter_id],
      ['replay of', status.replay_of],
      ['replayed as', status.replayed_as],
      ['latest', status.latest && `${status.latest.id} ${status.latest.state}`],
    ]),
  );
  const parked = status.latest ? status.latest.dead_letter_id : status.dead_letter_id;
  if (parked && (status.latest?.state ?? status.state) === 'dead_lettered') {
    io.out(`\nsee why: vcare-orders dlq show ${parked}`);
  }
}
