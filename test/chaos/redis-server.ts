import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** `appendfsync`: fsync the AOF once a second, or before every write is acknowledged. */
export type Fsync = 'everysec' | 'always';

/**
 * A redis-server of the chaos run's own: loopback, a free port, data in `dir`, AOF on, no RDB
 * snapshots (a restart loads the AOF), `noeviction` as BullMQ requires.
 */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly fsync: Fsync;
  #child: ChildProcess | undefined;
  #exited: Promise<unknown> = Promise.resolve();

  constructor(port: number, dir: string, fsync: Fsync) {
    this.port = port;
    this.dir = dir;
    this.fsync = fsync;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (loading the AOF in `dir` if there is one); resolves once it answers. */
  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        this.fsync,
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
        '--logfile',
        'redis.log',
      ],
      { cwd: this.dir, stdio: 'ignore' },
    );
    this.#child = child;
    this.#exited = once(child, 'exit');
    const spawnError = once(child, 'error');
    spawnError.catch(() => {});
    const deadline = Date.now() + 30_000;
    while (!(await this.#answers())) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode})`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on ${this.url}`);
      await delay(50);
    }
  }

  /** SIGKILL: no shutdown save, no last fsync; what was written to the AOF is what survives. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await this.#exited;
  }

  /**
   * A host crash, emulated: SIGKILL, then the AOF cut back to the length it had `windowMs`
   * earlier, as if the kernel lost every write not yet fsynced. With `everysec` that is up to
   * a second (more when fsync stalls); with `always` Redis fsyncs before it answers, so
   * nothing acknowledged is cut and the file is left whole. Needs `watchAof` running since
   * before the window. Returns the time the file was cut back to (the kill time when uncut)
   * and the commands cut off, as AOF text.
   */
  async killAsPowerLoss(aof: AofWatch, windowMs: number): Promise<{ cutAt: number; cut: string }> {
    const killedAt = Date.now();
    await this.kill();
    const current = aofTail(this.dir);
    const before = aof
      .samples()
      .filter((s) => s.at <= killedAt - windowMs)
      .at(-1);
    if (this.fsync === 'always' || !current || !before) return { cutAt: killedAt, cut: '' };
    const path = join(this.dir, 'appendonlydir', current.file);
    // An AOF rewrite began inside the window: the new incr file holds only writes after it.
    const sameFile = before.file === current.file;
    const keep = sameFile ? before.size : 0;
    const cut = readFileSync(path).subarray(keep).toString('latin1');
    truncateSync(path, keep);
    const cutAt = sameFile
      ? before.at
      : (aof.samples().find((s) => s.file === current.file)?.at ?? killedAt);
    return { cutAt, cut };
  }

  /** PING answered and the dataset loaded (a server still loading its AOF answers LOADING). */
  async #answers(): Promise<boolean> {
    const probe = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 1000,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  }
}

/** Polls `used_memory` every `intervalMs`, through restarts, and keeps the highest. */
export function watchMemory(url: string, intervalMs = 500): { maxBytes(): number; stop(): void } {
  const redis = new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
  redis.on('error', () => {});
  let max = 0;
  const timer = setInterval(() => {
    redis.info('memory').then(
      (info) => {
        const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
        if (used > max) max = used;
      },
      () => {},
    );
  }, intervalMs);
  return {
    maxBytes: () => max,
    stop() {
      clearInterval(timer);
      redis.disconnect();
    },
  };
}

/** The incr file Redis appends to now (the last `type i` of the manifest), and its length. */
function aofTail(dir: string): { file: string; size: number } | undefined {
  try {
    const manifest = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'utf8');
    const incr = manifest
      .split('\n')
      .filter((line) => / type i$/.test(line.trim()))
      .at(-1);
    const file = incr ? /^file (\S+)/.exec(incr.trim())?.[1] : undefined;
    if (!file) return undefined;
    return { file, size: statSync(join(dir, 'appendonlydir', file)).size };
  } catch {
    return undefined;
  }
}

export interface AofWatch {
  /** Recent lengths of the AOF tail file, oldest first (the last 10 s). */
  samples(): { at: number; file: string; size: number }[];
  stop(): void;
}

/** Samples the AOF tail file's length every `intervalMs`: where a host crash would cut it. */
export function watchAof(server: RedisServer, intervalMs = 25): AofWatch {
  const samples: { at: number; file: string; size: number }[] = [];
  const timer = setInterval(() => {
    const tail = aofTail(server.dir);
    if (!tail) return;
    samples.push({ at: Date.now(), ...tail });
    while (samples.length > 0 && (samples[0]?.at ?? 0) < Date.now() - 10_000) samples.shift();
  }, intervalMs);
  return {
    samples: () => [...samples],
    stop: () => clearInterval(timer),
  };
}
