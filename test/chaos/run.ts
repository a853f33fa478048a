import { parseOptions } from './options.ts';
import { type ModeReport, runMode } from './run-mode.ts';

/**
 * `npm run chaos [-- --quick] [--fsync everysec|always|both]`: the service under faults,
 * kills and restarts, on loopback. Progress on stderr; the last line of stdout is one JSON
 * object. Exit code 0 only when nothing accepted was lost, every double side effect was
 * flagged as an unknown outcome, and every invalid order was rejected (see docs/reliability.md).
 */
let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const log = (message: string) => process.stderr.write(`${message}\n`);

const runs: ModeReport[] = [];
const end = Date.now() + options.profile.budgetSeconds * 1000;
for (const [i, fsync] of options.modes.entries()) {
  // Each mode gets an equal share of the time left.
  const deadline = Date.now() + (end - Date.now()) / (options.modes.length - i);
  runs.push(
    await runMode(options.profile, fsync, {
      keep: options.keep,
      powerLoss: options.powerLoss,
      deadline,
      log,
    }),
  );
}

const sum = (pick: (r: ModeReport) => number) => runs.reduce((total, r) => total + pick(r), 0);
const reasons: Record<string, number> = {};
for (const run of runs) {
  for (const [reason, n] of Object.entries(run.dead_lettered))
    reasons[reason] = (reasons[reason] ?? 0) + n;
}
const everysec = runs.find((r) => r.fsync === 'everysec');
const ok = runs.every((r) => Object.values(r.checks).every(Boolean));
const summary = {
  ok,
  profile: options.profile.name,
  fsync: options.modes.join('+'),
  accepted: sum((r) => r.accepted),
  rejected_invalid: sum((r) => r.rejected_invalid),
  completed: sum((r) => r.completed),
  dead_lettered: reasons,
  lost: sum((r) => r.lost),
  duplicate_side_effects: sum((r) => r.duplicate_side_effects),
  unflagged_duplicates: sum((r) => r.unflagged_duplicates),
  max_redis_memory_mb: Math.max(...runs.map((r) => r.max_redis_memory_mb)),
  ...(everysec && {
    lost_in_last_second_before_redis_kill: everysec.lost_in_last_second_before_redis_kill,
  }),
  ...(everysec &&
    options.powerLoss && {
      duplicates_from_lost_redis_window: everysec.duplicates_from_lost_redis_window,
    }),
  redis_kill: options.powerLoss ? 'host crash (AOF cut to its fsynced length)' : 'SIGKILL',
  seconds: sum((r) => r.seconds),
  runs,
};
for (const run of runs) {
  if (Object.keys(run.unsettled_when_faults_off).length > 0) {
    log(
      `[chaos ${run.fsync}] the backlog had not drained under the random faults when the time budget switched them off: ${JSON.stringify(run.unsettled_when_faults_off)}`,
    );
  }
  const failed = Object.entries(run.checks).filter(([, held]) => !held);
  log(
    `[chaos ${run.fsync}] ${failed.length === 0 ? 'all checks held' : `FAILED: ${failed.map(([name]) => name).join(', ')}`}`,
  );
}
console.log(JSON.stringify(summary));
process.exit(ok ? 0 : 1);
