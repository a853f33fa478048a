import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { ensureLocalRedis } from '../src/local-redis.ts';
import { createLogger } from '../src/log.ts';
import { planRedis } from '../src/queue/redis.ts';

const configWith = (REDIS_URL: string) =>
  loadConfig({ NODE_ENV: 'test', REDIS_URL, DATA_KEY: randomBytes(32).toString('base64') });

describe('REDIS_URL forms', () => {
  it('hands a plain redis:// or rediss:// URL to ioredis unchanged', () => {
    expect(planRedis('redis://:pw@10.0.0.5:6380/2', 'worker')).toEqual({
      kind: 'redis',
      url: 'redis://:pw@10.0.0.5:6380/2',
      options: { maxRetriesPerRequest: null, connectTimeout: 5000, lazyConnect: false },
    });
    expect(planRedis('rediss://cache.example.com', 'client')).toMatchObject({
      kind: 'redis',
      url: 'rediss://cache.example.com',
      options: { maxRetriesPerRequest: 1 },
    });
  });

  it('turns redis+cluster:// into Cluster seed nodes with per-node options', () => {
    expect(
      planRedis('redis+cluster://:s3cret@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002,node4', 'worker'),
    ).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
        { host: 'node4', port: 6379 },
      ],
      options: {
        redisOptions: {
          maxRetriesPerRequest: null,
          connectTimeout: 5000,
          lazyConnect: false,
          password: 's3cret',
        },
      },
    });
    expect(planRedis('rediss+cluster://a:7000', 'client')).toMatchObject({
      options: { redisOptions: { maxRetriesPerRequest: 1, tls: {} } },
    });
  });

  it('turns redis+sentinel:// into ioredis sentinel options', () => {
    expect(
      planRedis(
        'redis+sentinel://app:p%40ss@s1.example.com:26380,s2.example.com/orders?db=2&sentinel_password=sp',
        'worker',
      ),
    ).toEqual({
      kind: 'redis',
      options: {
        maxRetriesPerRequest: null,
        connectTimeout: 5000,
        lazyConnect: false,
        sentinels: [
          { host: 's1.example.com', port: 26380 },
          { host: 's2.example.com', port: 26379 },
        ],
        name: 'orders',
        db: 2,
        username: 'app',
        password: 'p@ss',
        sentinelPassword: 'sp',
      },
    });
    expect(planRedis('rediss+sentinel://s1/orders', 'client')).toMatchObject({
      options: {
        db: 0,
        maxRetriesPerRequest: 1,
        tls: {},
        sentinelTLS: {},
        enableTLSForSentinelMode: true,
      },
    });
  });

  it.each([
    ['http://10.0.0.1:6379', /unsupported scheme/],
    ['redis+sentinel://:hunter2@s1:26379', /names its master group/],
    ['redis+sentinel://:hunter2@s1/orders?db=x', /db must be a database number/],
    ['redis+sentinel://s1/orders?password=hunter2', /unknown parameter/],
    ['redis+cluster://:hunt?er2@h1:7000', /node 1 of 1 is not host:port/],
    ['redis+cluster://:hunter2@h1:7000/3', /takes no database/],
    ['redis+cluster://h1:70000,h2:7001', /node 1 of 2 is not host:port/],
    ['redis+cluster://h1:7000,,h2:7001', /node 2 of 3 is not host:port/],
  ])('refuses %s at start, naming REDIS_URL and never the password', (url, message) => {
    const error = (() => {
      try {
        configWith(url);
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/REDIS_URL: /);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/hunt|er2/);
  });

  it('accepts the Cluster and Sentinel forms in the configuration', () => {
    const url = 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001';
    expect(configWith(url).redisUrl).toBe(url);
    expect(configWith('redis+sentinel://127.0.0.1/vcare?db=1').redisUrl).toContain('sentinel');
  });

  it('never starts a local redis-server for a Cluster or Sentinel URL', async () => {
    const logger = createLogger('silent');
    expect(await ensureLocalRedis('redis+cluster://127.0.0.1:1', logger)).toBeUndefined();
    expect(await ensureLocalRedis('redis+sentinel://127.0.0.1:1/vcare', logger)).toBeUndefined();
  });
});
