import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Reply } from './reply.ts';

export function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, {
    ...reply.headers,
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
  });
  res.end(reply.body);
}

/** Told what the client got: status and msg_code, or nulls when nothing was answered. */
export type Delivered = (httpStatus: number | null, msgCode: string | null) => void;

/**
 * Puts a call's outcome on the wire: answers it (after the configured latency), holds the
 * connection unanswered, or drops it.
 */
export class Delivery {
  readonly #slowMs: number;
  readonly #latency: () => number;
  /** Pending latency and hold timers, cancelled on close so nothing outlives the server. */
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(slowMs: number, latency: () => number) {
    this.#slowMs = slowMs;
    this.#latency = latency;
  }

  deliver(
    req: IncomingMessage,
    res: ServerResponse,
    outcome: Reply | 'hold' | 'drop',
    delivered: Delivered,
  ): void {
    if (outcome === 'drop') {
      req.socket.destroy();
      delivered(null, null);
    } else if (outcome === 'hold') {
      this.#hold(req);
      delivered(null, null);
    } else {
      const delay = this.#latency();
      if (delay > 0) this.#later(delay, () => answer(res, outcome, delivered));
      else answer(res, outcome, delivered);
    }
  }

  cancelAll(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Like a backend that never answers: the connection closes, unanswered, after `slowMs`. */
  #hold(req: IncomingMessage): void {
    const socket = req.socket;
    const timer = this.#later(this.#slowMs, () => socket.destroy());
    socket.once('close', () => {
      clearTimeout(timer);
      this.#timers.delete(timer);
    });
  }

  #later(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }
}

function answer(res: ServerResponse, reply: Reply, delivered: Delivered): void {
  // The client may have given up during the latency; then nothing was answered.
  if (res.destroyed) {
    delivered(null, null);
    return;
  }
  send(res, reply);
  delivered(reply.status, reply.msgCode);
}
