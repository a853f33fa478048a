import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actions } from '../src/actions/registry.ts';
import { BULL_BOARD_PATH } from '../src/api/bull-board.ts';
import { type Harness, startHarness } from './support/harness.ts';

type Json = Record<string, unknown>;

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  rawPath?: unknown;
  handle?: { stack?: Layer[] };
}

/**
 * Every `METHOD /path` the express app answers, from its router stack (express 5: app.router),
 * descending into routers mounted with a path. Bull Board's own sub-app (its UI and API) is not
 * a router with a stack, so it is left out: it is not our API.
 */
function appRoutes(stack: Layer[], prefix = ''): string[] {
  const found: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths) {
        for (const method of Object.keys(layer.route.methods)) {
          if (method !== '_all') found.push(`${method.toUpperCase()} ${prefix}${path}`);
        }
      }
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      found.push(...appRoutes(layer.handle.stack, prefix + mount));
    }
  }
  return found;
}

/** `/v1/orders/:id` → `/v1/orders/{id}` */
function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      k === '$ref' && typeof v === 'string' ? [v] : refs(v),
    );
  }
  return [];
}

let h: Harness;
let doc: Json;
let routes: string[];

beforeAll(async () => {
  h = await startHarness({ workers: false });
  const res = await fetch(`${h.url}/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Json;
  routes = appRoutes(h.service.app?.router.stack as Layer[]);
});
afterAll(async () => {
  await h?.close();
});

describe('/openapi.json', () => {
  it('describes every route of the app (Bull Board at /admin/queues excepted)', () => {
    expect(routes).toEqual(expect.arrayContaining(['POST /v1/orders', 'GET /healthz']));
    expect(routes.some((r) => r.includes(BULL_BOARD_PATH))).toBe(false);
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    const missing = routes.filter((route) => {
      const [method, path] = route.split(' ') as [string, string];
      return paths[openApiPath(path)]?.[method.toLowerCase()] === undefined;
    });
    expect(missing).toEqual([]);
  });

  it('is OpenAPI 3.1 whose every $ref resolves', () => {
    expect(doc.openapi).toBe('3.1.0');
    const schemas = (doc.components as { schemas: Json }).schemas;
    for (const ref of refs(doc)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(schemas[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
    }
  });

  it('builds each order body from the action schema intake validates with, plus callback_url', () => {
    const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
    const order = schemas.Order as { oneOf: Json[]; discriminator: { mapping: Json } };
    expect(order.oneOf).toHaveLength(actions.length);
    for (const action of actions) {
      const schema = schemas[`Order_${action.name}`] as {
        properties: Record<string, Json>;
        required: string[];
      };
      expect(order.discriminator.mapping[action.name]).toBe(
        `#/components/schemas/Order_${action.name}`,
      );
      expect(schema.properties.action).toMatchObject({ const: action.name });
      expect(schema.properties.callback_url).toMatchObject({ type: 'string', format: 'uri' });
      expect(schema.required).toEqual(expect.arrayContaining([...action.requiredFields]));
      // Filled from the configuration at intake, so a producer may leave them out.
      expect(schema.required).not.toContain('agent_id');
      expect(schema.required).not.toContain('source');
    }
  });

  it('is served without credentials, like the health probes', async () => {
    const res = await fetch(`${h.url}/openapi.json`);
    expect(res.headers.get('content-type')).toContain('application/json');
  });
});
