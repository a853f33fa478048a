import type { z } from 'zod';
import { isBlank } from './field.ts';

/** Reads the current date; schemas take one so card-expiry checks are testable. */
export type Clock = () => Date;

/** An order under validation: fields may still hold anything when a rule runs. */
export type Draft = Record<string, unknown>;

/** The field's value as trimmed text (numbers included), or undefined when blank or not text. */
export function textOf(order: Draft, field: string): string | undefined {
  const value = order[field];
  if (isBlank(value)) return undefined;
  if (typeof value === 'string') return value.trim();
  return typeof value === 'number' ? String(value) : undefined;
}

/** Case-insensitive equality with one of the vendor's enumeration values. */
export function is(order: Draft, field: string, expected: string): boolean {
  return textOf(order, field)?.toUpperCase() === expected.toUpperCase();
}

/** Reports each blank field in `fields` as required, saying under which condition. */
export function requireWhen(
  order: Draft,
  ctx: z.RefinementCtx,
  fields: readonly string[],
  condition: string,
): void {
  for (const field of fields) {
    if (isBlank(order[field])) {
      ctx.addIssue({ code: 'custom', path: [field], message: `is required when ${condition}` });
    }
  }
}

/** Cross-field rules: they report through `ctx` and read `order` defensively. */
export type OrderRules = (order: Draft, ctx: z.RefinementCtx) => void;

// Schemas `withOrderRules` built: the object schema and the rules added to it (see fast-parse.ts).
const ruled = new WeakMap<z.ZodType, { object: z.ZodType; rules: OrderRules }>();

/** The object schema and rules `schema` was built from by `withOrderRules`, if it was. */
export function orderRulesOf(
  schema: z.ZodType,
): { object: z.ZodType; rules: OrderRules } | undefined {
  return ruled.get(schema);
}

/**
 * Adds cross-field rules to an order schema. They run even when single fields already failed,
 * so a producer learns every problem in one answer; the rules must therefore read `order`
 * defensively (through `textOf`, `is`, `isBlank`).
 */
export function withOrderRules<T extends z.ZodType<Draft>>(schema: T, rules: OrderRules): T {
  const refined = schema.superRefine((order, ctx) => rules(order as Draft, ctx), {
    when: (payload) =>
      typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
  }) as T;
  ruled.set(refined, { object: schema, rules });
  return refined;
}
