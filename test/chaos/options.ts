import type { Fsync } from './redis-server.ts';
import type { ChaosEvent } from './scenario.ts';

/** Sizes and timeline of one chaos run. */
export interface ChaosProfile {
  name: 'full' | 'quick';
  orders: number;
  batchSize: number;
  /** Intake is paced so that it lasts this long: the events hit a service under load. */
  intakeSeconds: number;
  events: ChaosEvent[];
  workers: number;
  workerConcurrency: number;
  attempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  vcareTimeoutMs: number;
  /**
   * The whole run (every fsync mode) ends within this, so that it stays bounded on a slow
   * machine: each mode gets an equal share of what is left, and orders not settled by then
   * count as lost.
   */
  budgetSeconds: number;
  /** Kept of a mode's share for the replays and the verification after the first drain. */
  reserveSeconds: number;
}

export interface ChaosOptions {
  profile: ChaosProfile;
  modes: Fsync[];
  /** Keep the temporary directory (logs, AOF) for a post-mortem. */
  keep: boolean;
  /** The Redis kill is a host crash: the AOF loses what was not fsynced (everysec: ~1 s). */
  powerLoss: boolean;
}

/** Full run: 10,000 orders over 90 s; 3 worker kills, one API kill, one Redis kill, 60 s vCare pause. */
function full(pauseSeconds: number): ChaosProfile {
  return {
    name: 'full',
    orders: 10_000,
    batchSize: 50,
    intakeSeconds: 90,
    events: [
      { at: 10, kind: 'kill-worker' },
      { at: 20, kind: 'kill-api' },
      { at: 30, kind: 'kill-redis' },
      { at: 40, kind: 'pause-vcare', seconds: pauseSeconds },
      { at: 60, kind: 'kill-worker' },
      { at: 43 + pauseSeconds, kind: 'kill-worker' },
    ],
    workers: 3,
    workerConcurrency: 25,
    attempts: 25,
    backoffMs: 250,
    maxBackoffMs: 8_000,
    vcareTimeoutMs: 1_500,
    budgetSeconds: 570,
    reserveSeconds: 40,
  };
}

/** Quick run (the test): ~500 orders, one kill of each kind, a 5 s vCare pause. */
function quick(pauseSeconds: number): ChaosProfile {
  return {
    name: 'quick',
    orders: 500,
    batchSize: 25,
    intakeSeconds: 12,
    events: [
      { at: 2, kind: 'kill-worker' },
      { at: 4, kind: 'kill-api' },
      { at: 6, kind: 'kill-redis' },
      { at: 7, kind: 'pause-vcare', seconds: pauseSeconds },
    ],
    workers: 3,
    workerConcurrency: 10,
    attempts: 25,
    backoffMs: 100,
    maxBackoffMs: 2_000,
    vcareTimeoutMs: 1_500,
    budgetSeconds: 150,
    reserveSeconds: 20,
  };
}

const USAGE =
  'usage: npm run chaos [-- --quick] [--fsync everysec|always|both] [--power-loss] [--pause-s N] [--orders N] [--keep]';

/**
 * `--quick`: the short run of the test suite. `--fsync`: which appendfsync mode(s) to run,
 * everysec (Redis' default) unless told; `both` runs one after the other, each with half of
 * the time budget.
 * `--pause-s`: length of the vCare pause (60 full, 5 quick). `--orders`: how many orders.
 * `--power-loss`: the Redis kill emulates a host crash (see RedisServer.killAsPowerLoss).
 */
export function parseOptions(argv: readonly string[]): ChaosOptions {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    if (i === -1) return undefined;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--'))
      throw new Error(`${flag} needs a value; ${USAGE}`);
    return next;
  };
  const known = new Set(['--quick', '--fsync', '--pause-s', '--orders', '--keep', '--power-loss']);
  for (const [i, arg] of argv.entries()) {
    if (arg.startsWith('--') && !known.has(arg)) throw new Error(`unknown option ${arg}; ${USAGE}`);
    if (!arg.startsWith('--') && !known.has(argv[i - 1] ?? ''))
      throw new Error(`unexpected ${arg}; ${USAGE}`);
  }
  const isQuick = argv.includes('--quick');
  const pause = Number(value('--pause-s') ?? (isQuick ? 5 : 60));
  if (!(pause >= 0)) throw new Error(`--pause-s must be a number of seconds; ${USAGE}`);
  const profile = isQuick ? quick(pause) : full(pause);
  const orders = value('--orders');
  if (orders !== undefined) {
    const n = Number(orders);
    if (!(Number.isInteger(n) && n >= 20))
      throw new Error(`--orders must be an integer ≥ 20; ${USAGE}`);
    profile.orders = n;
  }
  const fsync = value('--fsync') ?? 'everysec';
  if (!['everysec', 'always', 'both'].includes(fsync))
    throw new Error(`--fsync: ${fsync}? ${USAGE}`);
  const modes: Fsync[] = fsync === 'both' ? ['everysec', 'always'] : [fsync as Fsync];
  return {
    profile,
    modes,
    keep: argv.includes('--keep'),
    powerLoss: argv.includes('--power-loss'),
  };
}
