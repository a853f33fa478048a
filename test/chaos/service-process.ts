import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * One `node src/main.ts <mode>` process of the service, started as an operator would start
 * it, that can be killed and started again with the same environment. Its output is appended
 * to `<logDir>/<name>.log` across restarts.
 */
export class ServiceProcess {
  readonly name: string;
  readonly mode: 'api' | 'worker' | 'sandbox';
  /** Answers 2xx once the process is up (health route). */
  readonly readyUrl: string;
  readonly #env: Record<string, string>;
  readonly #log: WriteStream;
  #child: ChildProcess | undefined;
  #exited: Promise<unknown> = Promise.resolve();
  /** Times it was started. */
  starts = 0;

  constructor(options: {
    name: string;
    mode: 'api' | 'worker' | 'sandbox';
    env: Record<string, string>;
    readyUrl: string;
    logDir: string;
  }) {
    this.name = options.name;
    this.mode = options.mode;
    this.readyUrl = options.readyUrl;
    this.#env = options.env;
    this.#log = createWriteStream(join(options.logDir, `${options.name}.log`), { flags: 'a' });
  }

  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Starts the process and waits until its health route answers. */
  async start(timeoutMs = 30_000): Promise<void> {
    this.starts += 1;
    const child = spawn(process.execPath, ['src/main.ts', this.mode], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.#env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#exited = once(child, 'exit');
    child.stdout?.pipe(this.#log, { end: false });
    child.stderr?.pipe(this.#log, { end: false });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const response = await fetch(this.readyUrl, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (!this.running) throw new Error(`${this.name} exited while starting; see its log`);
      if (Date.now() > deadline) throw new Error(`${this.name} not ready at ${this.readyUrl}`);
      await delay(50);
    }
  }

  /** Sends `signal` and waits for the process to be gone. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    if (!this.running) return;
    this.#child?.kill(signal);
    await this.#exited;
  }

  close(): void {
    this.#log.end();
  }
}

/** A port nothing listens on right now (the child binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
