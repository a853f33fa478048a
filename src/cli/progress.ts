import cliProgress from 'cli-progress';

/** Progress of a long command on stderr; a no-op when stderr is not a terminal. */
export interface Progress {
  update(done: number, rejected: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

/** A bar over `total` orders on stderr, or the silent one when `enabled` is false. */
export function createProgress(total: number, enabled: boolean): Progress {
  if (!enabled) return silent;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'enqueue [{bar}] {value}/{total} orders | {rejected} rejected | {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { rejected: 0 });
  return {
    update(done, rejected) {
      bar.update(done, { rejected });
    },
    stop() {
      bar.stop();
    },
  };
}
