import type { z } from 'zod';
import type { ActionDefinition, OrderBody } from './action.ts';
import type { Clock } from './order-rules.ts';

/** An action module's content: its definition, with the schema built from a clock. */
export interface ActionSpec extends Omit<ActionDefinition, 'schema' | 'schemaAt'> {
  buildSchema(clock: Clock): z.ZodType<OrderBody>;
}

const monthsCached = 4;

/**
 * Builds the definition: `schema` reads the real clock at each parse; `schemaAt(now)` is
 * cached per calendar month (the finest grain any rule uses), so validating a batch does not
 * rebuild schemas.
 */
export function defineAction(spec: ActionSpec): ActionDefinition {
  const { buildSchema, ...definition } = spec;
  const byMonth = new Map<string, z.ZodType<OrderBody>>();
  return Object.freeze({
    ...definition,
    schema: buildSchema(() => new Date()),
    schemaAt(now: Date): z.ZodType<OrderBody> {
      const month = `${now.getUTCFullYear()}-${now.getUTCMonth()}`;
      let schema = byMonth.get(month);
      if (!schema) {
        schema = buildSchema(() => now);
        if (byMonth.size >= monthsCached) byMonth.clear();
        byMonth.set(month, schema);
      }
      return schema;
    },
  });
}
