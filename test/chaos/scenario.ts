import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { IntakeRecord } from './producer.ts';
import { watchAof } from './redis-server.ts';
import { PAUSE_FAULTS, RUN_FAULTS, setFaults } from './sandbox-control.ts';
import type { Stack } from './stack.ts';

/** What happens during the run, at seconds after intake starts. */
export type ChaosEvent =
  | { at: number; kind: 'kill-worker' }
  | { at: number; kind: 'kill-api' }
  | { at: number; kind: 'kill-redis' }
  | { at: number; kind: 'pause-vcare'; seconds: number };

/** What an event did: when (seconds into the run) and how long the part was away. */
export interface EventRecord {
  kind: ChaosEvent['kind'];
  target?: string;
  at_s: number;
  /** From the kill until the restarted process answered (or the pause's length). */
  down_ms: number;
}

/** Orders acknowledged before the Redis kill and not in Redis right after its restart. */
export interface RedisKillCheck {
  /** ms since epoch of the SIGKILL. */
  killedAt: number;
  /** Host crash emulated (`--power-loss`): the AOF was cut back to its length at `windowFrom`. */
  powerLoss: boolean;
  /** Start of the window whose writes a crash may lose: the cut, or a second before the kill. */
  windowFrom: number;
  /**
   * End of the window: when the restarted server answered, at most a second after the kill
   * (an answer arriving by then was for a write made before the kill).
   */
  windowTo: number;
  ackedBefore: number;
  /** Acknowledged from `windowFrom` to the kill (the everysec window). */
  ackedInLastSecond: number;
  missingAfterRestart: number;
  missingInLastSecond: number;
  /** Ids of the orders missing right after the restart (not printed). */
  missingIds?: string[];
  /** `queue:id` of every order job a command cut from the AOF wrote to (not printed). */
  lostJobs?: string[];
}

/**
 * `queue:id` of the order jobs the AOF text writes to (hash, lock, logs, or their dead-letter
 * entry). Every order of the run has an idempotency key, so its job id is `idem-<hash>`
 * (replays add `-r<n>`).
 */
function jobsIn(aofText: string, prefix: string): string[] {
  const escaped = prefix.replace(/[{}]/g, '\\$&');
  const queue = '(enrollment|activation|status-change|purchase)';
  const id = '(idem-[0-9a-f]+(?:-r\\d+)?)';
  const key = new RegExp(`${escaped}:(?:${queue}:|dead-letter:dl-${queue}-)${id}`, 'g');
  const found = Array.from(aofText.matchAll(key), ([, q1, q2, job]) => `${q1 ?? q2}:${job}`);
  return [...new Set(found)];
}

/**
 * Runs the events at their times, each on its own (the vCare pause spans other events):
 * SIGKILL and restart of a worker (round robin), of the API, of Redis (restarted from its
 * AOF on the same port), and a vCare pause (every call 503) before the run's faults return.
 */
export async function runScenario(
  stack: Stack,
  events: readonly ChaosEvent[],
  intake: IntakeRecord,
  options: { started: number; powerLoss: boolean; progress: (message: string) => void },
): Promise<{ events: EventRecord[]; redisKill?: RedisKillCheck }> {
  const { started, progress } = options;
  const aof = options.powerLoss ? watchAof(stack.redis) : undefined;
  const records: EventRecord[] = [];
  let redisKill: RedisKillCheck | undefined;
  let nextWorker = 0;

  async function run(event: ChaosEvent): Promise<void> {
    const wait = started + event.at * 1000 - Date.now();
    if (wait > 0) await delay(wait);
    const at = Date.now();
    const atS = (at - started) / 1000;
    switch (event.kind) {
      case 'kill-worker': {
        const worker = stack.workers[nextWorker++ % stack.workers.length];
        if (!worker) return;
        progress(`SIGKILL ${worker.name}`);
        await worker.stop('SIGKILL');
        await worker.start();
        records.push({
          kind: event.kind,
          target: worker.name,
          at_s: atS,
          down_ms: Date.now() - at,
        });
        return;
      }
      case 'kill-api':
        progress('SIGKILL api');
        await stack.api.stop('SIGKILL');
        await stack.api.start();
        records.push({ kind: event.kind, at_s: atS, down_ms: Date.now() - at });
        return;
      case 'kill-redis': {
        const how = aof ? 'host crash (AOF cut to its fsynced length)' : 'SIGKILL';
        progress(`${how}: redis-server (appendfsync ${stack.redis.fsync}), restart from its AOF`);
        const killedAt = Date.now();
        let windowFrom = killedAt - 1000;
        let lostJobs: string[] = [];
        if (aof) {
          const crash = await stack.redis.killAsPowerLoss(aof, 1000);
          windowFrom = crash.cutAt;
          lostJobs = jobsIn(crash.cut, stack.prefix);
        } else await stack.redis.kill();
        await stack.redis.start();
        // Answers still on their way at the kill are for writes made before it; a second
        // bounds how late they arrive (the restarted server may answer before we notice).
        const windowTo = Math.min(Date.now(), killedAt + 1000);
        const acked = [...intake.acks.values()].filter((a) => a.at <= windowTo);
        records.push({ kind: event.kind, at_s: atS, down_ms: Date.now() - at });
        const kill = { killedAt, windowFrom, windowTo, powerLoss: !!aof };
        redisKill = { ...(await checkAcked(stack, acked, kill, new Set(lostJobs))), lostJobs };
        return;
      }
      case 'pause-vcare':
        progress(`vCare paused for ${event.seconds} s`);
        await setFaults(stack.sandboxUrl, PAUSE_FAULTS);
        await delay(event.seconds * 1000);
        await setFaults(stack.sandboxUrl, RUN_FAULTS);
        progress('vCare back (random faults)');
        records.push({ kind: event.kind, at_s: atS, down_ms: event.seconds * 1000 });
        return;
    }
  }

  try {
    await Promise.all(events.map(run));
  } finally {
    aof?.stop();
  }
  return { events: records.sort((a, b) => a.at_s - b.at_s), redisKill };
}

/** Every order acknowledged before the kill must be in Redis once it is back. */
async function checkAcked(
  stack: Stack,
  acked: { id: string; queue: string; at: number }[],
  kill: { killedAt: number; windowFrom: number; windowTo: number; powerLoss: boolean },
  lostJobs: ReadonlySet<string>,
): Promise<RedisKillCheck> {
  const redis = new Redis(stack.redis.url);
  try {
    const pipeline = redis.pipeline();
    for (const ack of acked) pipeline.exists(`${stack.prefix}:${ack.queue}:${ack.id}`);
    const found = (await pipeline.exec()) ?? [];
    // After an emulated crash, the orders the cut wrote; after a SIGKILL, the last second.
    const inWindow = (a: { id: string; queue: string; at: number }) =>
      kill.powerLoss ? lostJobs.has(`${a.queue}:${a.id}`) : a.at >= kill.windowFrom;
    const missingIds: string[] = [];
    let missingInWindow = 0;
    for (const [i, ack] of acked.entries()) {
      if (found[i]?.[1] === 1) continue;
      missingIds.push(ack.id);
      if (inWindow(ack)) missingInWindow++;
    }
    return {
      ...kill,
      ackedBefore: acked.length,
      ackedInLastSecond: acked.filter(inWindow).length,
      missingAfterRestart: missingIds.length,
      missingInLastSecond: missingInWindow,
      missingIds,
    };
  } finally {
    redis.disconnect();
  }
}
