import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_NAMES, PRODUCTION_REQUIRED_ENV } from '../src/config.ts';

// Docker does not run on our machines: this checks the compose file's structure instead.
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition?: string; required?: boolean }>;
  healthcheck?: { test: string[] };
}

const root = new URL('../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), {
  merge: true,
}) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
const { services } = compose;
const app = ['api', 'worker', 'sandbox'] as const;

function env(name: string): Record<string, string> {
  return services[name]?.environment ?? {};
}

function healthcheck(name: string): string {
  return (services[name]?.healthcheck?.test ?? []).join(' ');
}

describe('docker-compose.yml', () => {
  it('runs Redis, the API, the workers and the sandbox', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'redis', 'sandbox', 'worker']);
  });

  it('keeps Redis data in an append-only file on a named volume, with noeviction', () => {
    const redis = services.redis as Service;
    expect(redis.image).toMatch(/^redis:\d/);
    const command = (redis.command ?? []).join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
    const [volume, mount] = (redis.volumes?.[0] ?? '').split(':');
    expect(mount).toBe('/data');
    expect(compose.volumes).toHaveProperty(volume as string);
  });

  it('builds the app services from the Dockerfile, one main.ts mode each', () => {
    for (const name of app) {
      expect(services[name]?.build, name).toBe('.');
      expect(services[name]?.image, name).toBeUndefined();
    }
    expect(services.api?.command).toEqual(['api']);
    expect(services.worker?.command).toEqual(['worker']);
    expect(services.sandbox?.command).toEqual(['sandbox']);
  });

  it('runs at least two worker replicas and starts API and workers once Redis is healthy', () => {
    expect(services.worker?.deploy?.replicas).toBeGreaterThanOrEqual(2);
    for (const name of ['api', 'worker']) {
      expect(services[name]?.depends_on?.redis?.condition, name).toBe('service_healthy');
    }
    expect(services.api?.ports).toContain(`${env('api').PORT}:${env('api').PORT}`);
  });

  it('health-checks every service, the app ones on their /readyz port', () => {
    for (const name of Object.keys(services)) expect(healthcheck(name), name).not.toBe('');
    expect(healthcheck('redis')).toContain('redis-cli ping');
    expect(healthcheck('api')).toContain(`127.0.0.1:${env('api').PORT}/readyz`);
    expect(healthcheck('worker')).toContain(`127.0.0.1:${env('worker').WORKER_HEALTH_PORT}/readyz`);
    expect(healthcheck('sandbox')).toContain(
      `127.0.0.1:${env('sandbox').SANDBOX_PORT}/__sandbox/health`,
    );
  });

  it('passes only variables the config schema knows', () => {
    for (const name of app) {
      const unknown = Object.keys(env(name)).filter((key) => !ENV_NAMES.includes(key));
      expect(unknown, name).toEqual([]);
    }
  });

  it('requires every production variable from the environment, never with a default', () => {
    expect(PRODUCTION_REQUIRED_ENV).toEqual(
      expect.arrayContaining(['API_KEYS', 'DATA_KEY', 'CALLBACK_SECRET', 'ADMIN_PASSWORD']),
    );
    for (const name of app) {
      for (const variable of PRODUCTION_REQUIRED_ENV) {
        expect(env(name)[variable], `${name} ${variable}`).toMatch(
          new RegExp(`^\\$\\{${variable}:\\?`),
        );
      }
      expect(env(name).REDIS_URL).toBe('redis://redis:6379');
    }
  });
});

describe('Dockerfile', () => {
  it('is multi-stage on Node 24, production mode, running as a non-root user', () => {
    const stages = dockerfile.match(/^FROM /gm) ?? [];
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^FROM node:24\S* AS deps$/m);
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production$/m);
    const user = /^USER (\S+)$/m.exec(dockerfile)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "src\/main\.ts"\]$/m);
  });
});
