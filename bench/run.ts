import { availableParallelism, loadavg } from 'node:os';
import { type Child, spawnNode, stopAll } from './children.ts';
import { type Bench, createBench } from './context.ts';
import { benchOptions } from './options.ts';
import { startOursWorkerGroup } from './ours.ts';
import { e2ePhase } from './phase-e2e.ts';
import { intakePhase } from './phase-intake.ts';
import { bestLatencyRun, type LatencyRun, latencyPhase } from './phase-latency.ts';
import { memoryPhase } from './phase-memory.ts';
import { workerPhase } from './phase-workers.ts';
import { deleteKeys, usedMemory } from './redis-memory.ts';
import { figures } from './report.ts';
import { table } from './table.ts';

/**
 * `npm run bench [-- --quick]`: our service against bare BullMQ baselines, measured in the
 * same run on this machine. Prints progress on stderr, the table on stdout, and one JSON
 * object with every figure on the last line.
 */
const options = benchOptions(process.argv.slice(2));
const started = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
const progress = (message: string) =>
  process.stderr.write(
    `[bench ${((performance.now() - started) / 1000).toFixed(0)}s] ${message}\n`,
  );

const sandboxChild: Child = spawnNode('sandbox', ['bench/sandbox-process.ts'], {});
let bench: Bench | undefined;

async function cleanUp(): Promise<void> {
  await stopAll();
  if (bench) {
    await deleteKeys(bench.redis, `${bench.keyPattern}*`);
    await bench.close();
    bench = undefined;
  }
}
// Interrupted: still stop the children and remove this run's keys.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130));
  });
}
try {
  const sandbox = JSON.parse(await sandboxChild.firstLine()) as { checked: string; floor: string };
  bench = createBench(options, sandbox);
  const memoryBaseline = await usedMemory(bench.redis);

  progress('intake: single orders, then batches of 500');
  const intake = await intakePhase(bench);
  progress('workers, fast vCare: floor, auth-per-call, ours');
  const { oursWorkers, ...workers } = await workerPhase(bench);
  progress("end-to-end: the pipeline's maximum, then latency at half of it");
  const e2e = await e2ePhase(bench);
  await oursWorkers.stop();
  const latency = async (on: Bench, concurrency: number, jobs: number) => {
    const runs: LatencyRun[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      progress(`real-world vCare (200 ± 50 ms) at concurrency ${concurrency}, run ${round}`);
      runs.push(await latencyPhase(on, concurrency, jobs));
    }
    return bestLatencyRun(runs);
  };
  // The token pool is as the fast runs left it (50 wide): the calls per order of the 200 ms
  // runs count its growth to 300 too.
  const c100 = await latency(bench, 100, options.latencyJobs.c100);
  const c300 = await latency(bench, 300, options.latencyJobs.c300);
  progress(`Redis memory up to ${options.memoryOrders} completed orders`);
  // Every order completed so far on our queue counts toward the memory phase's total.
  const completed =
    options.workerJobs * options.rounds +
    e2e.accepted +
    (options.latencyJobs.c100 + options.latencyJobs.c300) * options.rounds;
  const memoryWorkers = await startOursWorkerGroup(bench.ours, 300, options.workerProcesses);
  const memory = await memoryPhase(bench, completed, memoryBaseline);
  await memoryWorkers.stop();
  const measured = {
    cores: availableParallelism(),
    load: [loadAtStart, loadavg()[0] ?? 0] as [number, number],
    seconds: (performance.now() - started) / 1000,
    intake,
    workers,
    e2e,
    memory,
    latency: [c100, c300] as [typeof c100, typeof c300],
  };
  progress('done; cleaning up');
  const flat = figures(measured);
  console.log(table(measured, flat));
  console.log(JSON.stringify(flat));
} finally {
  await cleanUp();
}
