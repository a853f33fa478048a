import { Command, CommanderError, InvalidArgumentError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { CliConfigError, DEFAULT_URL, loadCliConfig } from './cli-config.ts';
import { CliError } from './cli-error.ts';
import { dlqDiscardCommand, dlqReplayAllCommand, dlqReplayCommand } from './dlq-change-commands.ts';
import { REASONS } from './dlq-filter.ts';
import { dlqListCommand, dlqShowCommand } from './dlq-view-commands.ts';
import { enqueueCommand } from './enqueue-command.ts';
import { type Io, processIo } from './output.ts';
import { parsePatch } from './replay-patch.ts';
import { createServiceClient, type ServiceClient } from './service-client.ts';
import { statusCommand } from './status-command.ts';

/**
 * `vcare-orders`: the operator and bulk-producer CLI, an HTTP client of the service (it never
 * touches Redis). Exit codes: 0 success, 1 the operation failed (one line on stderr), 2 usage.
 */
async function runCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: Io,
): Promise<number> {
  const program = buildProgram(env, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has printed its own one-line usage error (or the help) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliConfigError) {
      io.err(`vcare-orders: ${error.message}`);
      return 2;
    }
    if (error instanceof CliError) {
      io.err(`vcare-orders: ${error.message}`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`vcare-orders: unexpected error: ${message.split('\n')[0]}`);
    return 1;
  }
}

interface Common {
  json?: boolean;
  url?: string;
}

function buildProgram(env: Record<string, string | undefined>, io: Io): Command {
  const program = new Command('vcare-orders')
    .description('Queue orders for vCare and work the dead-letter queue of a vcare-orders service.')
    .version(pkg.version)
    .exitOverride()
    .configureOutput({ writeErr: (text) => io.err(text) })
    .addHelpText(
      'after',
      `\nEnvironment:\n  VCARE_ORDERS_URL      service URL (default ${DEFAULT_URL})\n` +
        '  VCARE_ORDERS_API_KEY  producer key, for enqueue and status\n' +
        '  VCARE_ORDERS_ADMIN    user:password, for the dlq commands',
    );
  const client = (options: Common): ServiceClient =>
    createServiceClient(loadCliConfig(env, options.url), io.err);
  const common = (command: Command) =>
    command
      .option('--json', 'print one JSON document on stdout')
      .option('--url <url>', 'service URL (overrides VCARE_ORDERS_URL)');
  const filters = (command: Command) =>
    command
      .option('--queue <queue>', 'source queue: enrollment, activation, status-change, purchase')
      .option('--action <action>', 'vCare action, e.g. create_customer_prepaid')
      .option('--msg-code <code>', "vCare's final msg_code, e.g. RESTAPI110")
      .option('--reason <reason>', `one of ${REASONS.join(', ')}`, oneOf(REASONS))
      .option('--since <time>', 'dead-lettered at or after: ISO time or an age (30m, 2h, 7d)');

  common(
    program
      .command('enqueue')
      .description('queue the orders of a JSON array or NDJSON file (- reads stdin)')
      .argument('<file>')
      .option('--batch-size <n>', 'orders per request (1 to 1000)', int(1, 1000), 500)
      .option('--no-progress', 'no progress bar on stderr'),
  ).action((file: string, options: Common & { batchSize: number; progress: boolean }) =>
    enqueueCommand(client(options), io, file, options),
  );

  common(program.command('status').description('show where an order is').argument('<id>')).action(
    (id: string, options: Common) => statusCommand(client(options), io, id, options),
  );

  const dlq = program.command('dlq').description('dead-letter queue: list, show, replay, discard');
  common(
    filters(dlq.command('list').description('list dead-letter entries, newest first'))
      .option('--limit <n>', 'entries per page (1 to 500)', int(1, 500), 50)
      .option('--cursor <cursor>', 'next page, as printed by the previous one'),
  ).action((options: Common & Parameters<typeof dlqListCommand>[2]) =>
    dlqListCommand(client(options), io, options),
  );

  common(dlq.command('show').description('show one entry, secrets masked').argument('<id>')).action(
    (id: string, options: Common) => dlqShowCommand(client(options), io, id, options),
  );

  common(
    filters(
      dlq
        .command('replay')
        .description('queue an entry (or, with --all, every matching entry) again')
        .argument('[id]')
        .option('--set <field=value>', 'patch a field with a string (repeatable)', collect)
        .option('--set-json <field=json>', 'patch a field with a JSON value (repeatable)', collect)
        .option('--force', 'replay even if replayed before')
        .option('--all', 'replay every entry matching the filters')
        .option('--dry-run', 'with --all: report what would be replayed, queue nothing')
        .option('--rate <n>', 'with --all: replays per second (default 10)', positive),
    ),
  ).action((id: string | undefined, options: Common & ReplayFlags) => {
    const patch = parsePatch(options.set ?? [], options.setJson ?? []);
    if (options.all) {
      if (id !== undefined) throw new CliError('give an entry id or --all, not both', 2);
      if (patch) throw new CliError('--set and --set-json patch one entry; not with --all', 2);
      return dlqReplayAllCommand(client(options), io, options);
    }
    if (id === undefined) throw new CliError('give an entry id, or --all with filters', 2);
    if (options.dryRun || options.rate !== undefined) {
      throw new CliError('--dry-run and --rate go with --all', 2);
    }
    return dlqReplayCommand(client(options), io, id, { ...options, patch });
  });

  common(dlq.command('discard').description('remove an entry for good').argument('<id>')).action(
    (id: string, options: Common) => dlqDiscardCommand(client(options), io, id, options),
  );
  return program;
}

type ReplayFlags = Parameters<typeof dlqReplayAllCommand>[2] & {
  set?: string[];
  setJson?: string[];
  all?: boolean;
};

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function int(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!(Number.isInteger(n) && n >= min && n <= max)) {
      throw new InvalidArgumentError(`Use a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

function positive(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('Use a positive number.');
  return n;
}

function oneOf(values: readonly string[]) {
  return (value: string): string => {
    if (!values.includes(value)) {
      throw new InvalidArgumentError(`Use one of ${values.join(', ')}.`);
    }
    return value;
  };
}

// `vcare-orders dlq list | head`: a reader that stops early ends the program quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});
// The CLI is its own program, so it reads its own variables here (the service's config.ts
// stays the only reader of process.env inside the service).
process.exitCode = await runCli(process.argv.slice(2), process.env, processIo);
