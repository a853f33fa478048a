import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { ChaosProfile } from './options.ts';
import { planOrders } from './order-plan.ts';
import { newIntakeRecord, produce } from './producer.ts';
import { type Fsync, watchMemory } from './redis-server.ts';
import { type ReplayTally, replayDeadLetters } from './replay.ts';
import { RUN_FAULTS, readLedger, setFaults } from './sandbox-control.ts';
import { type EventRecord, type RedisKillCheck, runScenario } from './scenario.ts';
import { queueView, settle } from './settle.ts';
import { ADMIN, API_KEY, Stack } from './stack.ts';
import { type Verification, verify } from './verify.ts';

/** The figures of one run (one appendfsync mode). */
export interface ModeReport extends Verification {
  fsync: Fsync;
  orders: number;
  max_redis_memory_mb: number;
  /** Orders first acknowledged by a retry (their first answer was lost). */
  acknowledged_on_retry: number;
  producer_retries: number;
  unanswered: number;
  refused_valid: number;
  repeats: { same_id: number; other_id: number };
  conflicts: { refused: number; accepted: number };
  replayed: { attempts_exhausted: number; outcome_unknown: number; refused: number };
  outcome_unknown_confirmed_in_vcare: number;
  redis_kill: RedisKillCheck | undefined;
  /** Jobs still waiting, active or delayed when the run stopped waiting. */
  unsettled: Record<string, number>;
  /**
   * Jobs still pending when the random faults were switched off (the first drain ran out of
   * its share of the time budget); empty when everything settled under the faults.
   */
  unsettled_when_faults_off: Record<string, number>;
  vcare_calls: number;
  events: EventRecord[];
  seconds: number;
  logs?: string;
  /** The checks that decide the exit code, each true when it held. */
  checks: Record<string, boolean>;
}

/**
 * One chaos run: start the stack with `fsync`, send the orders while the events happen, let
 * the queues drain under the random faults, switch the faults off, replay what an operator
 * would, let it drain again, and verify.
 */
export async function runMode(
  profile: ChaosProfile,
  fsync: Fsync,
  options: {
    keep: boolean;
    powerLoss: boolean;
    deadline: number;
    log: (message: string) => void;
  },
): Promise<ModeReport> {
  const { keep, deadline, log } = options;
  const started = Date.now();
  const left = (reserveS: number) => Math.max(1000, deadline - reserveS * 1000 - Date.now());
  const progress = (message: string) =>
    log(`[chaos ${fsync} ${((Date.now() - started) / 1000).toFixed(0)}s] ${message}`);
  const plan = planOrders({ orders: profile.orders, batchSize: profile.batchSize });
  const stack = await Stack.start({ fsync, ...profile });
  progress(`stack up in ${stack.dir}: redis, sandbox, api, ${stack.workers.length} workers`);
  const memory = watchMemory(stack.redis.url);
  const redis = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
  // Refused connections while Redis restarts are expected: the reads wait and retry.
  redis.on('error', () => {});
  const view = queueView(redis, stack.prefix);
  try {
    await setFaults(stack.sandboxUrl, RUN_FAULTS);
    const intake = newIntakeRecord();
    const intakeStarted = Date.now();
    progress(`sending ${profile.orders} orders over ${profile.intakeSeconds} s`);
    const [, scenario] = await Promise.all([
      produce(
        plan.requests,
        {
          apiUrl: stack.apiUrl,
          apiKey: API_KEY,
          ratePerS: profile.orders / profile.intakeSeconds,
          concurrency: 32,
          giveUpMs: 120_000,
        },
        intake,
      ),
      runScenario(stack, profile.events, intake, {
        started: intakeStarted,
        powerLoss: options.powerLoss,
        progress,
      }),
    ]);
    progress(`intake done: ${intake.acks.size} acknowledged, ${intake.rejected.size} rejected`);
    let unsettled = await settle(view, left(profile.reserveSeconds), progress);

    const unsettledWhenFaultsOff = unsettled;
    progress('faults off; replaying what an operator would');
    await setFaults(stack.sandboxUrl, {});
    const tally: ReplayTally = {
      attempts_exhausted: 0,
      outcome_unknown: 0,
      confirmedInVcare: new Set(),
      refused: 0,
    };
    for (let round = 0; round < 3; round++) {
      const replayed = await replayDeadLetters(stack.apiUrl, stack.sandboxUrl, ADMIN, tally);
      progress(`replayed ${replayed} dead letters`);
      unsettled = await settle(view, left(profile.reserveSeconds / 2), progress);
      if (replayed === 0) break;
    }

    progress('verifying against the API, Redis and the sandbox ledger');
    const ledger = await readLedger(stack.sandboxUrl);
    const verdict = await verify({
      apiUrl: stack.apiUrl,
      apiKey: API_KEY,
      view,
      plan: plan.orders,
      intake,
      ledger,
      redisKill: scenario.redisKill,
      windowExcused: fsync === 'everysec',
    });
    if (keep) {
      // For a post-mortem: what vCare saw, and what each order was answered.
      writeFileSync(join(stack.dir, 'ledger.json'), JSON.stringify(ledger));
      const answers = plan.orders.map((o) => ({
        n: o.n,
        action: o.action,
        enrollment: o.enrollment,
        valid: o.valid,
        ack: intake.acks.get(o.n),
        conflict_accepted: intake.conflicts.accepted.includes(o.n),
      }));
      writeFileSync(join(stack.dir, 'orders.json'), JSON.stringify(answers));
    }
    const acks = [...intake.acks.values()];
    const repeats = { same_id: intake.repeats.sameId, other_id: intake.repeats.otherId };
    const checks = {
      nothing_lost: verdict.lost === 0,
      no_unflagged_duplicates: verdict.unflagged_duplicates === 0,
      every_invalid_rejected:
        verdict.invalid_not_rejected === 0 && verdict.invalid_reached_vcare === 0,
      every_order_answered: intake.unanswered.size === 0 && intake.refusedValid.length === 0,
      repeats_name_the_same_order: repeats.other_id === 0,
      conflicts_refused: verdict.conflicts_accepted === 0,
      completed_means_done_in_vcare: verdict.completed_without_effect === 0,
    };
    return {
      fsync,
      orders: profile.orders,
      ...verdict,
      max_redis_memory_mb: Math.round((memory.maxBytes() / 1024 / 1024) * 10) / 10,
      acknowledged_on_retry: acks.filter((a) => a.as === 'duplicate').length,
      producer_retries: intake.retries,
      unanswered: intake.unanswered.size,
      refused_valid: intake.refusedValid.length,
      repeats,
      conflicts: {
        refused: intake.conflicts.refused,
        accepted: intake.conflicts.accepted.length,
      },
      replayed: {
        attempts_exhausted: tally.attempts_exhausted,
        outcome_unknown: tally.outcome_unknown,
        refused: tally.refused,
      },
      outcome_unknown_confirmed_in_vcare: tally.confirmedInVcare.size,
      redis_kill: scenario.redisKill && {
        ...scenario.redisKill,
        missingIds: undefined,
        lostJobs: undefined,
      },
      unsettled,
      unsettled_when_faults_off: unsettledWhenFaultsOff,
      vcare_calls: ledger.calls.length,
      events: scenario.events,
      seconds: Math.round((Date.now() - started) / 1000),
      ...(keep && { logs: stack.dir }),
      checks,
    };
  } finally {
    memory.stop();
    await view.close();
    redis.disconnect();
    await stack.close(keep);
  }
}
