import { createSandbox } from '../src/sandbox/sandbox.ts';
import { BENCH_AGENT, BENCH_CREDENTIALS } from './orders.ts';

/**
 * The bench's vCare, in its own process so that its CPU is not charged to the code under test:
 * `checked` is the sandbox as `npm run sandbox` runs it; `floor` has its token checks switched
 * off (any token or none accepted), the counterpart of a worker that never authenticates.
 * Prints `{"checked": url, "floor": url}` on one line once both listen; stops on SIGTERM.
 */
const options = {
  credentials: { ...BENCH_CREDENTIALS },
  agents: { [BENCH_AGENT.id]: BENCH_AGENT.password },
};
const checked = createSandbox(options);
const floor = createSandbox({ ...options, checkTokens: false });
const urls = { checked: await checked.listen(0), floor: await floor.listen(0) };
process.stdout.write(`${JSON.stringify(urls)}\n`);

process.on('SIGTERM', () => {
  Promise.all([checked.close(), floor.close()]).then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
