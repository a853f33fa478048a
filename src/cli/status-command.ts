import { CliError } from './cli-error.ts';
import { type Io, keyValues, printJson, table } from './output.ts';
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

/** `GET /v1/orders/:id` for an order chain's id. */
interface ChainStatus {
  id: string;
  kind: 'chain';
  state: string;
  steps: {
    index: number;
    id: string;
    action: string;
    state: string;
    attempts?: number;
    error?: string;
    dead_letter_id?: string;
  }[];
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
  const status = response.body as OrderStatus | ChainStatus;
  if (options.json) {
    printJson(io, status);
    return;
  }
  if ('kind' in status) {
    printChain(io, status);
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

function printChain(io: Io, chain: ChainStatus): void {
  io.out(
    keyValues([
      ['chain', chain.id],
      ['state', chain.state],
    ]),
  );
  const rows = chain.steps.map((s) => [s.index, s.id, s.action, s.state, s.attempts, s.error]);
  io.out(`\n${table(['step', 'id', 'action', 'state', 'attempts', 'error'], rows)}`);
  const parked = chain.steps.find((s) => s.state === 'dead_lettered')?.dead_letter_id;
  if (parked) io.out(`\nsee why: vcare-orders dlq show ${parked}`);
}
