import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../src/queue/redis.ts';
import { ACQUIRE, enrollmentLockKey } from '../workers/call-permit.ts';
import { deleteKeys, REDIS_URL } from './support/harness.ts';

const redis = createRedis(REDIS_URL, 'worker');
const prefix = `{permit-${randomBytes(4).toString('hex')}}`;
afterAll(async () => {
  await deleteKeys(redis, `${prefix}*`);
  await redis.quit();
});

describe('the enrollment lock script', () => {
  it('grants a resent acquisition (same owner) again, counting one call, and refuses any other owner', async () => {
    const lock = enrollmentLockKey(prefix, 'E1');
    const rate = `${prefix}:vcare:rate`;
    const args = (owner: string) => [owner, 30_000, 5, 1000, '', ''];

    expect(Number(await ACQUIRE(redis, [lock, rate], args('job-1:a')))).toBe(0);
    // As ioredis resends it after a connection drop lost the reply.
    expect(Number(await ACQUIRE(redis, [lock, rate], args('job-1:a')))).toBe(0);
    expect(await redis.get(rate)).toBe('1');

    expect(Number(await ACQUIRE(redis, [lock, rate], args('job-2:b')))).toBe(-1);
    expect(await redis.get(lock)).toBe('job-1:a');
  });
});
