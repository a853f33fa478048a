import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { actions, findAction } from '../actions/registry.ts';
import { CallLedger, type Ledger } from './call-ledger.ts';
import { type ControlDeps, controlPrefix, handleControlCall } from './control-api.ts';
import { CustomerStore } from './customer-store.ts';
import { Delivery, send } from './delivery.ts';
import { FaultInjector } from './fault-injector.ts';
import { type Faults, parseFaults } from './faults.ts';
import { type Reply, tooLargeReply } from './reply.ts';
import { TokenBook } from './token-book.ts';
import { handleVcareCall, type VcareApiDeps } from './vcare-api.ts';

export type { Ledger, LedgerCall, LedgerEffect } from './call-ledger.ts';
export type { Faults } from './faults.ts';

/** The partner credentials `/authenticate` accepts. */
export interface SandboxCredentials {
  vendor_id: string;
  username: string;
  password: string;
  pin: string;
}

export interface SandboxOptions {
  credentials: SandboxCredentials;
  /** agent_id → agent_password; an `undefined` password means this agent needs none. */
  agents: Record<string, string | undefined>;
  /**
   * `source` values accepted (others get RESTAPI103).
   * @defaultValue `['API', 'WEBSITE', 'TABLET', 'ENROLLMENT_PORTAL']` (the vendor samples send `ENROLLMENT_PORTAL`)
   */
  allowedSources?: readonly string[];
  /** Clock, ms since epoch. @defaultValue `Date.now` */
  now?: () => number;
  /** How long a token stays valid. @defaultValue 15 minutes */
  tokenTtlMs?: number;
  /** How long `SLOW` and `timeout_rate` calls are held before the connection is closed unanswered. @defaultValue 60_000 */
  slowMs?: number;
  /** `false` skips token checks (every call accepted), to benchmark a floor. @defaultValue true */
  checkTokens?: boolean;
  /** Source of randomness for random faults. @defaultValue `Math.random` */
  random?: () => number;
}

/** A vCare (Telgoo5) simulator on its own HTTP server. */
export interface Sandbox {
  /** Starts listening; resolves the base URL (`http://127.0.0.1:4010`). Port 0 picks a free one. @defaultValue port 0, host 127.0.0.1 */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops listening and destroys every connection, held ones included. */
  close(): Promise<void>;
  /** Calls received (the last 100,000) and exact side-effect counts. */
  ledger(): Ledger;
  /** Forgets calls, effects, customers, prefix-fault counters and random faults; tokens stay valid. */
  reset(): void;
  /** Sets the random faults; fields left out are 0. Throws a `RangeError` naming a bad field. */
  setFaults(faults: Partial<Faults>): void;
}

const defaultSources = ['API', 'WEBSITE', 'TABLET', 'ENROLLMENT_PORTAL'];
const maxBodyChars = 1_000_000;
const internalError: Reply = {
  status: 500,
  contentType: 'text/plain',
  body: 'Internal Server Error\n',
  msgCode: null,
};

function pathOf(url: string): string {
  const query = url.indexOf('?');
  let path = query === -1 ? url : url.slice(0, query);
  while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export function createSandbox(options: SandboxOptions): Sandbox {
  const baseNow = options.now ?? Date.now;
  let clockOffset = 0;
  const now = (): number => baseNow() + clockOffset;
  const ledger = new CallLedger();
  const faults = new FaultInjector(options.random ?? Math.random);
  const customers = new CustomerStore();
  const tokens = new TokenBook(options.credentials, options.tokenTtlMs ?? 15 * 60_000, now);
  const deps: VcareApiDeps = {
    credentials: options.credentials,
    agents: new Map(Object.entries(options.agents)),
    allowedSources: new Set(options.allowedSources ?? defaultSources),
    checkTokens: options.checkTokens ?? true,
    modules: new Set(actions.map((action) => action.module)),
    findAction,
    tokens,
    customers,
    ledger,
    faults,
  };
  const control: ControlDeps = {
    ledger: () => ledger.snapshot(),
    faults: () => faults.faults,
    setFaults: (next) => {
      faults.faults = next;
    },
    reset,
    advanceClock: (ms) => {
      clockOffset += ms;
      return now();
    },
  };
  const delivery = new Delivery(options.slowMs ?? 60_000, () => faults.latency());

  function reset(): void {
    ledger.clear();
    customers.clear();
    faults.clear();
  }

  function respond(
    req: IncomingMessage,
    res: ServerResponse,
    at: number,
    body: string | null,
  ): void {
    const method = req.method ?? 'GET';
    const path = pathOf(req.url ?? '/');
    if (path.startsWith(controlPrefix)) {
      send(res, body === null ? tooLargeReply : handleControlCall(control, method, path, body));
      return;
    }
    if (body === null) {
      send(res, tooLargeReply);
      ledger.record(at, path, null, null, tooLargeReply.status, null, now());
      return;
    }
    const header = req.headers.token;
    const token = Array.isArray(header) ? header[0] : header;
    const { outcome, action, enrollmentId } = handleVcareCall(deps, { method, path, token, body });
    // A held call is not done: its connection stays open until the client gives up.
    delivery.deliver(req, res, outcome, (status, msgCode) =>
      ledger.record(
        at,
        path,
        action,
        enrollmentId,
        status,
        msgCode,
        outcome === 'hold' ? null : now(),
      ),
    );
  }

  const server = createServer((req, res) => {
    const at = now();
    let body: string | null = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      if (body === null) return;
      body += chunk;
      if (body.length > maxBodyChars) body = null;
    });
    req.on('end', () => {
      try {
        respond(req, res, at, body);
      } catch {
        // A bug here must cost one request, not the process every test and worker talks to.
        if (!res.headersSent && !res.destroyed) send(res, internalError);
      }
    });
  });
  server.keepAliveTimeout = 30_000;

  return {
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, backlog: 4096 }, () => {
          server.off('error', reject);
          const { port: bound } = server.address() as AddressInfo;
          resolve(`http://${urlHost(host)}:${bound}`);
        });
      });
    },
    close() {
      delivery.cancelAll();
      if (!server.listening) return Promise.resolve();
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
    ledger: () => ledger.snapshot(),
    reset,
    setFaults(next) {
      const parsed = parseFaults(next);
      if (!parsed.ok) throw new RangeError(`sandbox faults: ${parsed.field}: ${parsed.message}`);
      faults.faults = parsed.faults;
    },
  };
}
