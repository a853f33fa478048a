import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  policyFor,
  type RetryPolicy,
  verdictFor,
} from '../src/queue/retry-policy.ts';

const policy: RetryPolicy = { attempts: 8, baseDelayMs: 1_000, maxDelayMs: 20_000 };

describe('backoffDelay', () => {
  it('stays within [ceiling/2, ceiling], the ceiling doubling per attempt up to maxDelayMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r) => {
          const ceiling = Math.min(1_000 * 2 ** (n - 1), 20_000);
          const delay = backoffDelay(n, policy, undefined, () => r);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(delay).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
  });

  it('spreads retries over the whole jitter range', () => {
    expect(backoffDelay(3, policy, undefined, () => 0)).toBe(2_000);
    expect(backoffDelay(3, policy, undefined, () => 0.5)).toBe(3_000);
    expect(backoffDelay(3, policy, undefined, () => 0.999_999)).toBe(4_000);
  });

  it('never waits longer than maxDelayMs, however many attempts were made', () => {
    expect(backoffDelay(30, policy, undefined, () => 0.999_999)).toBe(20_000);
  });

  it('waits exactly what Retry-After asks, capped at maxDelayMs', () => {
    expect(backoffDelay(1, policy, 7_000, () => 0.5)).toBe(7_000);
    expect(backoffDelay(5, policy, 0, () => 0.5)).toBe(0);
    expect(backoffDelay(1, policy, 3_600_000, () => 0.5)).toBe(20_000);
  });

  it('spreads the default 8 attempts over about an hour (32 to 64 minutes of waiting)', () => {
    const total = (r: number) =>
      Array.from({ length: DEFAULT_RETRY_POLICY.attempts - 1 }, (_, i) =>
        backoffDelay(i + 1, DEFAULT_RETRY_POLICY, undefined, () => r),
      ).reduce((a, b) => a + b, 0);
    expect(total(0) / 60_000).toBeCloseTo(31.75, 1);
    expect(total(0.999_999) / 60_000).toBeCloseTo(63.5, 1);
  });
});

describe('verdictFor: the retry policy per outcome class', () => {
  it.each([
    ['success', 'side-effecting', false, 'complete'],
    ['success', 'idempotent', true, 'complete'],
    ['permanent', 'idempotent', false, 'permanent_error'],
    ['permanent', 'side-effecting', false, 'permanent_error'],
    ['transient', 'side-effecting', false, 'retry'],
    ['transient', 'idempotent', true, 'attempts_exhausted'],
    ['token', 'idempotent', false, 'retry'],
    ['unknown-outcome', 'side-effecting', false, 'outcome_unknown'],
    ['unknown-outcome', 'side-effecting', true, 'outcome_unknown'],
    ['unknown-outcome', 'idempotent', false, 'retry'],
    ['unknown-outcome', 'idempotent', true, 'attempts_exhausted'],
  ] as const)('%s on a %s order (last attempt: %s) → %s', (outcome, idempotency, last, verdict) => {
    expect(verdictFor(outcome, idempotency, last)).toBe(verdict);
  });
});

describe('per-queue retry policy', () => {
  const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent' };

  it('applies a queue override over the defaults, field by field', () => {
    const withOverride = { ...policy, queues: { purchase: { attempts: 3 } } };
    expect(policyFor(withOverride, 'purchase')).toEqual({ ...policy, attempts: 3 });
    expect(policyFor(withOverride, 'enrollment')).toEqual(policy);
  });

  it('reads RETRY_POLICY from the environment', () => {
    const config = loadConfig({
      ...env,
      RETRY_POLICY:
        '{"purchase":{"attempts":5,"backoff_delay_ms":60000},"status-change":{"max_delay_ms":600000}}',
    });
    expect(config.env.RETRY_POLICY).toEqual({
      purchase: { attempts: 5, backoff_delay_ms: 60_000 },
      'status-change': { max_delay_ms: 600_000 },
    });
  });

  it.each([
    ['{"purchase":', /RETRY_POLICY: must be a JSON object/],
    ['{"shop":{"attempts":5}}', /RETRY_POLICY: Unrecognized key: "shop"/],
    ['{"purchase":{"attempts":0}}', /RETRY_POLICY: purchase\.attempts: /],
    ['{"purchase":{"tries":5}}', /RETRY_POLICY: purchase: .*tries/],
  ])('refuses RETRY_POLICY=%s naming the variable', (value, message) => {
    expect(() => loadConfig({ ...env, RETRY_POLICY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, RETRY_POLICY: value })).toThrow(message);
  });
});
