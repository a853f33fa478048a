import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** A child Node process of the bench; `stop` ends it by its pid (SIGTERM, then SIGKILL). */
export interface Child {
  readonly name: string;
  readonly pid: number;
  /** The first line the child printed on stdout (when started with `stdout: 'line'`). */
  firstLine(timeoutMs?: number): Promise<string>;
  /** Throws, with the tail of its stderr, when the child has exited. */
  assertRunning(): void;
  /** CPU time (user + system) it has used, in ms; undefined where /proc cannot tell. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

const running = new Set<Child>();

/**
 * Starts `node <script> ...args` from the repository root. `stdout: 'ignore'` sends it to
 * /dev/null (our service's logs: pino still formats every line, so the cost stays with the
 * process that logs); `'line'` keeps the first line. The tail of stderr is kept for the error
 * raised when the child dies early.
 */
export function spawnNode(
  name: string,
  args: readonly string[],
  env: Record<string, string>,
  stdout: 'line' | 'ignore' = 'line',
): Child {
  const proc: ChildProcess = spawn(process.execPath, [...args], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', stdout === 'line' ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  let text = '';
  const lines: string[] = [];
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    if (lines.length > 0) return;
    text += chunk;
    const nl = text.indexOf('\n');
    if (nl >= 0) lines.push(text.slice(0, nl));
  });
  const died = (code: number | null) =>
    new Error(`${name} exited (${code}) early: ${stderr.trim().slice(-1500)}`);

  const child: Child = {
    name,
    pid: proc.pid ?? 0,
    async firstLine(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (lines.length === 0) {
        if (proc.exitCode !== null) throw died(proc.exitCode);
        if (Date.now() > deadline) throw new Error(`${name} printed nothing in ${timeoutMs} ms`);
        await delay(20);
      }
      return lines[0] as string;
    },
    cpuMs() {
      return processCpuMs(proc.pid);
    },
    assertRunning() {
      if (proc.exitCode !== null || proc.signalCode !== null) throw died(proc.exitCode);
    },
    async stop() {
      running.delete(child);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const late = await Promise.race([
        exited.then(() => false),
        delay(10_000, true, { ref: false }),
      ]);
      if (late) {
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
  running.add(child);
  return child;
}

/** utime + stime of a Linux process, in ms (clock ticks of 10 ms). */
function processCpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Stops every child still running (on the way out, whatever happened). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** Polls `url` until it answers 2xx, failing when `child` died or the deadline passed. */
export async function waitForHttp(url: string, child: Child, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    child.assertRunning();
    if (Date.now() > deadline) throw new Error(`${child.name} not ready at ${url}`);
    await delay(50);
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
