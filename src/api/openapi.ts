import { z } from 'zod';
import type { ActionDefinition } from '../actions/action.ts';
import { actions } from '../actions/registry.ts';
import { callbackUrlSchema } from '../queue/callbacks.ts';
import { MAX_CHAIN_STEPS, MIN_CHAIN_STEPS } from '../queue/order-chain.ts';
import * as api from './api-schemas.ts';
import { auditQuery, bulkBody, listQuery, replayBody } from './dead-letters-routes.ts';

type Json = Record<string, unknown>;

/** Fields intake fills from the configuration when an order leaves them out. */
const CONFIG_FILLED = ['agent_id', 'agent_password', 'source'];

/**
 * The OpenAPI 3.1 document of `/openapi.json`. Order bodies come from the very zod schemas
 * intake validates with (input side: what a producer may send); cross-field rules such as
 * "card fields when payment_method is CREDIT_CARD" cannot be expressed there and are named in
 * the descriptions only, and intake's 400 answer lists them.
 */
export function buildOpenApi(): Json {
  const orderSchemas = Object.fromEntries(actions.map((a) => [schemaName(a), orderSchema(a)]));
  const orderRef = {
    oneOf: actions.map((a) => ref(schemaName(a))),
    discriminator: {
      propertyName: 'action',
      mapping: Object.fromEntries(
        actions.map((a) => [a.name, `#/components/schemas/${schemaName(a)}`]),
      ),
    },
  };
  const producer = [{ producerKey: [] }];
  const admin = [{ admin: [] }];
  const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

  return {
    openapi: '3.1.0',
    info: {
      title: 'vcare-orders',
      version: '1',
      description:
        'Queues vCare (Telgoo5) orders and runs them with retries; failures end in a dead-letter queue. Unknown extra fields pass through to vCare.',
    },
    components: {
      securitySchemes: {
        producerKey: { type: 'http', scheme: 'bearer', description: 'One of API_KEYS' },
        admin: { type: 'http', scheme: 'basic', description: 'ADMIN_USER / ADMIN_PASSWORD' },
      },
      schemas: { Order: orderRef, OrderChain: chainSchema(), ...orderSchemas },
    },
    paths: {
      '/v1/orders': {
        post: op('Queue one order, or an order chain', producer, {
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', minLength: 1, maxLength: 255 },
              description: 'Same key and body again: 200 with the first id; other body: 409',
            },
          ],
          requestBody: body({ oneOf: [ref('Order'), ref('OrderChain')] }),
          responses: {
            202: answer('Queued', z.union([api.acceptedSchema, api.chainAcceptedSchema])),
            200: answer(
              'Already queued under this Idempotency-Key',
              z.union([api.acceptedSchema, api.chainAcceptedSchema]),
            ),
            400: answer('Invalid order; nothing queued', api.validationErrorSchema),
            401: answer('Missing or wrong producer key', api.errorSchema),
            409: answer('Idempotency-Key used with another body', api.errorSchema),
          },
        }),
      },
      '/v1/orders/batch': {
        post: op('Queue up to 1000 orders; each stands alone', producer, {
          requestBody: body({ type: 'array', minItems: 1, maxItems: 1000, items: ref('Order') }),
          responses: {
            200: answer('One result per order, by index', api.batchResultSchema),
            400: answer('Not an array of 1 to 1000 orders', api.validationErrorSchema),
          },
        }),
      },
      '/v1/orders/{id}': {
        get: op("An order's state", producer, {
          parameters: [id],
          responses: {
            200: answer(
              'The order; for a chain id, the chain and each of its steps',
              z.union([api.orderStatusSchema, api.chainStatusSchema]),
            ),
            404: answer('No such order', api.errorSchema),
          },
        }),
      },
      '/v1/dead-letters': {
        get: op('Dead-letter entries, parked first, newest first', admin, {
          parameters: queryParameters(listQuery),
          responses: {
            200: answer('A page of entry summaries', api.deadLetterPageSchema),
            400: answer('Bad filter or cursor', api.validationErrorSchema),
          },
        }),
      },
      '/v1/dead-letters/audit': {
        get: op('Audit records of replays and discards, newest first', admin, {
          parameters: queryParameters(auditQuery),
          responses: { 200: answer('Audit records', api.auditPageSchema) },
        }),
      },
      '/v1/dead-letters/replay': {
        post: op('Replay every entry matching a filter, paced (dry run possible)', admin, {
          requestBody: body(schemaOf(bulkBody, 'input')),
          responses: {
            200: answer('What was (or would be) replayed or refused', api.bulkReplayReportSchema),
            400: answer('Bad body', api.validationErrorSchema),
          },
        }),
      },
      '/v1/dead-letters/{id}': {
        get: op('One entry, secrets masked, with its replays and audit', admin, {
          parameters: [id],
          responses: {
            200: answer('The entry', api.deadLetterDetailSchema),
            404: answer('No such entry', api.errorSchema),
          },
        }),
        delete: op('Discard an entry (audited)', admin, {
          parameters: [id],
          responses: {
            200: answer('Discarded', api.discardedSchema),
            404: answer('No such entry', api.errorSchema),
            409: answer('A replay or discard of this entry is running', api.errorSchema),
          },
        }),
      },
      '/v1/dead-letters/{id}/replay': {
        post: op('Queue the order again as a new job, optionally patched', admin, {
          parameters: [id],
          requestBody: body(schemaOf(replayBody, 'input'), false),
          responses: {
            202: answer('Queued again', api.replayedSchema),
            400: answer('The patched order is invalid; nothing queued', api.validationErrorSchema),
            404: answer('No such entry', api.errorSchema),
            409: answer('Already replayed (send force) or being replayed', api.errorSchema),
            422: answer('Cannot be replayed (unknown action, undecryptable)', api.errorSchema),
          },
        }),
      },
      '/healthz': { get: op('Process alive', [], { responses: { 200: { description: 'ok' } } }) },
      '/readyz': {
        get: op('Redis reachable and workers running', [], {
          responses: {
            200: answer('Ready', api.readinessSchema),
            503: answer('Not ready', api.readinessSchema),
          },
        }),
      },
      '/metrics': {
        get: op('Prometheus metrics (text format)', [], {
          responses: { 200: { description: 'text/plain; version=0.0.4' } },
        }),
      },
      '/openapi.json': {
        get: op('This document', [], { responses: { 200: { description: 'OpenAPI 3.1' } } }),
      },
    },
  };
}

/** `{"steps": [...]}`: orders of one enrollment run in order (README "Order chains"). */
function chainSchema(): Json {
  return {
    type: 'object',
    required: ['steps'],
    additionalProperties: false,
    properties: {
      steps: {
        type: 'array',
        minItems: MIN_CHAIN_STEPS,
        maxItems: MAX_CHAIN_STEPS,
        items: ref('Order'),
        description:
          'Run in this order, each once the previous completed. One enrollment: a step without enrollment_id gets that of step 0. A 400 names fields `steps.<index>.<field>`.',
      },
    },
  };
}

function schemaName(action: ActionDefinition): string {
  return `Order_${action.name}`;
}

function orderSchema(action: ActionDefinition): Json {
  const schema = schemaOf(action.schema, 'input');
  const properties = (schema.properties ?? {}) as Json;
  properties.callback_url = schemaOf(callbackUrlSchema, 'input');
  const required = (schema.required ?? []) as string[];
  schema.required = required.filter((field) => !CONFIG_FILLED.includes(field));
  return {
    ...schema,
    description: `vCare \`${action.name}\` (posted to /${action.module}; queue \`${action.queue}\`). ${CONFIG_FILLED.join(', ')} are filled from the configuration when absent.`,
  };
}

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  delete json.$schema;
  return json;
}

/** One optional query parameter per field of a route's query schema. */
function queryParameters(schema: z.ZodObject): Json[] {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: 'query',
    required: false,
    schema: schemaOf(field as z.ZodType, 'input'),
  }));
}

function ref(name: string): Json {
  return { $ref: `#/components/schemas/${name}` };
}

function body(schema: Json, required = true): Json {
  return { required, content: { 'application/json': { schema } } };
}

function answer(description: string, schema: z.ZodType): Json {
  return { description, content: { 'application/json': { schema: schemaOf(schema, 'output') } } };
}

function op(summary: string, security: Json[], rest: Json): Json {
  return { summary, security, ...rest };
}
