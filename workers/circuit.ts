import { luaScript } from '../src/queue/lua-script.ts';
import type { RedisClient } from '../src/queue/redis.ts';
import type { Outcome } from '../src/vcare/outcome.ts';

/** `closed`: calls go. `open`: vCare is down, calls wait. `half-open`: one probe call is out. */
export type CircuitState = 'closed' | 'half-open' | 'open';

/** The value of the `vcare_circuit_state` gauge. */
export const CIRCUIT_STATE_VALUE: Readonly<Record<CircuitState, number>> = {
  closed: 0,
  'half-open': 1,
  open: 2,
};

/** When vCare counts as down. */
export interface CircuitOptions {
  /** Calls are counted over this sliding window (ten buckets). @defaultValue 10 000 ms */
  windowMs: number;
  /** Fewer calls in the window never open the circuit. @defaultValue 20 */
  minCalls: number;
  /** The circuit opens when at least this share of the window's calls failed. @defaultValue 0.5 */
  failureRatio: number;
  /** While open, one call is let through this often to see whether vCare is back. @defaultValue 10 000 ms */
  probeIntervalMs: number;
}

export const DEFAULT_CIRCUIT: Readonly<CircuitOptions> = {
  windowMs: 10_000,
  minCalls: 20,
  failureRatio: 0.5,
  probeIntervalMs: 10_000,
};

/**
 * What a call says about vCare: `failed` when it did not answer usefully (5xx, 429, refused
 * connection, timeout, lost connection), `answered` when it did (success or a refusal of the
 * order), `unsent` when the call never left (our Redis failed): that says nothing about vCare.
 */
export function vcareHealth(
  outcome: Pick<Outcome, 'class' | 'cause'>,
): 'answered' | 'failed' | 'unsent' {
  if (outcome.cause === 'internal_error') return 'unsent';
  return outcome.class === 'transient' || outcome.class === 'unknown-outcome'
    ? 'failed'
    : 'answered';
}

export interface Admission {
  /** Whether this call may go. */
  go: boolean;
  /** This call is the probe of an open circuit: its outcome closes or reopens it. */
  probe: boolean;
  /** When `go` is false: how long until a call may be tried again. */
  waitMs: number;
}

export interface Recorded {
  /** The shared state after this call was counted. */
  state: CircuitState;
  /** When not closed: how long until a call may be tried again. */
  waitMs: number;
  /** The transition this very call made (exactly one caller across all workers sees it). */
  transition: 'opened' | 'closed' | undefined;
  /** Calls and failures in the window when the circuit opened. */
  calls: number;
  failures: number;
}

export interface Circuit {
  readonly options: Readonly<CircuitOptions>;
  /** Whether a call may go now; no round trip while this process recently saw the circuit closed. */
  admit(): Promise<Admission>;
  /**
   * Counts a finished call (one round trip) and says what the circuit is now. A probe's
   * outcome and every failure go through here.
   */
  record(call: { failed: boolean; probe: boolean }): Promise<Recorded>;
  /**
   * Counts an answered call that is not a probe, without a round trip of its own: such calls
   * only add to the window, so they are sent with this process's next `record`, or within
   * SUCCESS_FLUSH_MS. A failure is therefore always weighed against every earlier answered
   * call of its own process, and against those of other processes up to that delay.
   */
  countAnswered(): void;
  /** The shared state, read from Redis (for the metric). */
  read(): Promise<CircuitState>;
  /** Sends the answered calls not yet counted. */
  flush(): Promise<void>;
}

// KEYS[1] state hash; ARGV now, probe interval. Returns {state, probe?, probe_at}.
const ADMIT = luaScript(`
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'closed' then return {'closed', 0, 0} end
local now = tonumber(ARGV[1])
local probeAt = tonumber(redis.call('HGET', KEYS[1], 'probe_at') or '0')
if now >= probeAt then
  redis.call('HSET', KEYS[1], 'state', 'half-open', 'probe_at', now + tonumber(ARGV[2]))
  return {'half-open', 1, now + tonumber(ARGV[2])}
end
return {state, 0, probeAt}
`);

// KEYS[1] state hash, KEYS[2] window hash (fields c<bucket> calls, f<bucket> failures).
// ARGV now, failed, probe, window ms, min calls, failure ratio, probe interval, answered calls
// counted in this process since its last record (they join the window with this call).
// Returns {state, transition, probe_at, calls, failures}. While not closed only a probe's
// outcome counts: calls that started before the circuit opened say nothing new.
const RECORD = luaScript(`
local now = tonumber(ARGV[1])
local failed = ARGV[2] == '1'
local probeMs = tonumber(ARGV[7])
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
if state ~= 'closed' then
  if ARGV[3] ~= '1' then
    return {state, '', tonumber(redis.call('HGET', KEYS[1], 'probe_at') or '0'), 0, 0}
  end
  if failed then
    redis.call('HSET', KEYS[1], 'state', 'open', 'probe_at', now + probeMs)
    return {'open', '', now + probeMs, 0, 0}
  end
  redis.call('DEL', KEYS[1], KEYS[2])
  return {'closed', 'closed', 0, 0, 0}
end
local windowMs = tonumber(ARGV[4])
local bucketMs = math.max(1, math.floor(windowMs / 10))
local bucket = math.floor(now / bucketMs)
local added = tonumber(ARGV[8]) + (failed and 1 or 0)
if added > 0 then redis.call('HINCRBY', KEYS[2], 'c' .. bucket, added) end
if failed then redis.call('HINCRBY', KEYS[2], 'f' .. bucket, 1) end
redis.call('PEXPIRE', KEYS[2], windowMs + bucketMs)
local calls, failures = 0, 0
local fields = redis.call('HGETALL', KEYS[2])
for i = 1, #fields, 2 do
  local name = fields[i]
  if tonumber(string.sub(name, 2)) <= bucket - 10 then
    redis.call('HDEL', KEYS[2], name)
  elseif string.sub(name, 1, 1) == 'c' then
    calls = calls + tonumber(fields[i + 1])
  else
    failures = failures + tonumber(fields[i + 1])
  end
end
if failed and calls >= tonumber(ARGV[5]) and failures >= tonumber(ARGV[6]) * calls then
  redis.call('HSET', KEYS[1], 'state', 'open', 'probe_at', now + probeMs)
  redis.call('DEL', KEYS[2])
  return {'open', 'opened', now + probeMs, calls, failures}
end
return {'closed', '', 0, calls, failures}
`);

/** Answered calls wait at most this long to be counted in the shared window. */
const SUCCESS_FLUSH_MS = 200;
/** How long a "closed" seen by this process is trusted without asking Redis. */
const TRUST_CLOSED_MS = 1000;
/** While a probe is out, others look again this often, so they resume soon after it succeeds. */
const HALF_OPEN_RECHECK_MS = 1000;

export interface CircuitDeps extends Partial<CircuitOptions> {
  redis: RedisClient;
  /** The queue prefix with its hash tag: the circuit's keys share the queues' slot. */
  prefix: string;
  /** @defaultValue Date.now */
  now?: () => number;
}

/**
 * A circuit breaker whose state lives in Redis, shared by every worker process. Workers that
 * keep calling learn the state from what they record, so the usual (answered) call costs no
 * round trip of its own: answered calls are counted in one command every SUCCESS_FLUSH_MS,
 * and none is needed to admit.
 */
export function createCircuit(deps: CircuitDeps): Circuit {
  const options: CircuitOptions = {
    windowMs: deps.windowMs ?? DEFAULT_CIRCUIT.windowMs,
    minCalls: deps.minCalls ?? DEFAULT_CIRCUIT.minCalls,
    failureRatio: deps.failureRatio ?? DEFAULT_CIRCUIT.failureRatio,
    probeIntervalMs: deps.probeIntervalMs ?? DEFAULT_CIRCUIT.probeIntervalMs,
  };
  const now = deps.now ?? Date.now;
  const stateKey = `${deps.prefix}:vcare:circuit`;
  const windowKey = `${deps.prefix}:vcare:circuit:window`;
  let known: { state: CircuitState; at: number } = { state: 'open', at: 0 };
  let answered = 0;
  let flushTimer: NodeJS.Timeout | undefined;

  const waitFor = (state: CircuitState, probeAt: number, at: number) =>
    state === 'closed'
      ? 0
      : Math.max(
          1,
          state === 'half-open' ? Math.min(probeAt - at, HALF_OPEN_RECHECK_MS) : probeAt - at,
        );

  /** The answered calls not yet counted, handed to the command about to leave. */
  function takeAnswered(): number {
    const count = answered;
    answered = 0;
    clearTimeout(flushTimer);
    flushTimer = undefined;
    return count;
  }

  async function send(
    call: { failed: boolean; probe: boolean },
    successes: number,
  ): Promise<Recorded> {
    const at = now();
    const [state, transition, probeAt, calls, failures] = (await RECORD(
      deps.redis,
      [stateKey, windowKey],
      [
        at,
        call.failed ? 1 : 0,
        call.probe ? 1 : 0,
        options.windowMs,
        options.minCalls,
        options.failureRatio,
        options.probeIntervalMs,
        successes,
      ],
    )) as [CircuitState, string, number, number, number];
    known = { state, at };
    return {
      state,
      waitMs: waitFor(state, probeAt, at),
      transition: transition === 'opened' || transition === 'closed' ? transition : undefined,
      calls,
      failures,
    };
  }

  return {
    options,
    async admit() {
      const at = now();
      if (known.state === 'closed' && at - known.at < TRUST_CLOSED_MS) {
        return { go: true, probe: false, waitMs: 0 };
      }
      const [state, probe, probeAt] = (await ADMIT(
        deps.redis,
        [stateKey],
        [at, options.probeIntervalMs],
      )) as [CircuitState, number, number];
      known = { state, at };
      if (state === 'closed') return { go: true, probe: false, waitMs: 0 };
      if (probe === 1) return { go: true, probe: true, waitMs: 0 };
      return { go: false, probe: false, waitMs: waitFor(state, probeAt, at) };
    },
    record(call) {
      return send(call, takeAnswered());
    },
    countAnswered() {
      answered += 1;
      flushTimer ??= setTimeout(() => {
        // Lost on a Redis error: a few answered calls fewer only make the circuit open a
        // little sooner.
        send({ failed: false, probe: false }, takeAnswered()).catch(() => {});
      }, SUCCESS_FLUSH_MS).unref();
    },
    async flush() {
      if (answered > 0) await send({ failed: false, probe: false }, takeAnswered());
    },
    async read() {
      const state = await deps.redis.hget(stateKey, 'state');
      return state === 'open' || state === 'half-open' ? state : 'closed';
    },
  };
}
