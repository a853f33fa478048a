import type { z } from 'zod';
import type { OrderBody } from './action.ts';
import { checkTextField, REFUSED, type TextField, textFieldOf } from './field.ts';
import { type Draft, type OrderRules, orderRulesOf } from './order-rules.ts';

/**
 * The accepted order as `schema.safeParse(body)` would return it (the same fields and values,
 * in the body's order), or undefined: the body is refused, or the schema has a part this
 * parser does not know. Intake's valid path runs here; every undefined is parsed again by zod,
 * which words the issues.
 *
 * Why: zod allocates a result object and an issue list for every field of the schema, present
 * or not (45 for a prepaid order), and validation with the garbage collection that followed
 * was the largest cost of batch intake (docs/benchmarks.md). This reads the same schema, built
 * by the same field builders, and checks each field of the body with the builders' own rules
 * (`checkTextField`) and the order rules with their own code.
 */
export function fastParse(schema: z.ZodType, body: Record<string, unknown>): OrderBody | undefined {
  let parse = parsers.get(schema);
  if (parse === undefined) {
    parse = compile(schema) ?? null;
    parsers.set(schema, parse);
  }
  return parse ? (parse(body) as OrderBody | undefined) : undefined;
}

type Parse = (body: Record<string, unknown>) => Draft | undefined;

const parsers = new WeakMap<z.ZodType, Parse | null>();

/** A parser for the schema's structure, or undefined for a structure left to zod. */
function compile(schema: z.ZodType): Parse | undefined {
  const ruled = orderRulesOf(schema);
  if (ruled) {
    const object = compile(ruled.object);
    return object && withRules(object, ruled.rules);
  }
  const def = (schema as z.ZodType & { def: SchemaDef }).def;
  if (def.checks?.length) return undefined;
  if (def.type === 'object') return objectParser(def);
  if (def.type === 'pipe' && def.in?.def.type === 'transform' && def.in.def.transform && def.out) {
    // z.preprocess(fn, object): the object parses what fn makes of the body.
    const adopt = def.in.def.transform;
    const object = compile(def.out);
    if (!object) return undefined;
    return (body) => {
      // An issue the function raised itself refuses the body (zod words it).
      const payload = { value: body, issues: [] as unknown[] };
      const adopted = adopt(body, payload);
      return payload.issues.length === 0 ? parseAdopted(object, adopted) : undefined;
    };
  }
  return undefined;
}

interface SchemaDef {
  type: string;
  checks?: unknown[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  in?: z.ZodType & {
    def: { type: string; transform?: (input: unknown, payload: unknown) => unknown };
  };
  out?: z.ZodType;
  values?: unknown[];
}

function parseAdopted(object: Parse, adopted: unknown): Draft | undefined {
  const plain = typeof adopted === 'object' && adopted !== null && !Array.isArray(adopted);
  return plain ? object(adopted as Record<string, unknown>) : undefined;
}

/**
 * One field of an object schema: how its value is checked, and whether it must be present (as
 * zod's object: an absent field whose schema is optional in and out adds nothing; any other
 * absent field is refused).
 */
type FieldPlan = { mustBePresent: boolean } & (
  | { kind: 'text'; field: TextField }
  | { kind: 'literal'; values: readonly unknown[] }
  | { kind: 'zod'; schema: z.ZodType }
);

function objectParser(def: SchemaDef): Parse | undefined {
  // Only loose objects: unknown fields pass through unchanged, as z.looseObject does.
  if (!def.shape || (def.catchall as { def?: SchemaDef } | undefined)?.def?.type !== 'unknown')
    return undefined;
  const plans = new Map<string, FieldPlan>();
  for (const [key, schema] of Object.entries(def.shape)) {
    const { optin, optout } = schema._zod;
    const mustBePresent = !(optin === 'optional' && optout === 'optional');
    const field = textFieldOf(schema);
    const { type, values } = (schema as z.ZodType & { def: SchemaDef }).def;
    if (field) plans.set(key, { mustBePresent, kind: 'text', field });
    else if (type === 'literal' && values)
      plans.set(key, { mustBePresent, kind: 'literal', values });
    else plans.set(key, { mustBePresent, kind: 'zod', schema });
  }
  const required = [...plans.values()].filter((plan) => plan.mustBePresent).length;

  // The body's fields, not the schema's, are walked: an order carries a third of the fields its
  // schema knows. Values are zod's; the key order is the body's (zod puts known fields first).
  return (input) => {
    // A field inherited from another prototype is present for zod, unseen by `for…in`.
    const prototype = Object.getPrototypeOf(input);
    if (prototype !== Object.prototype && prototype !== null) return undefined;
    const out: Draft = {};
    let present = 0;
    for (const key in input) {
      // As zod's catchall: never copies `__proto__` (it would replace the result's prototype).
      if (key === '__proto__') continue;
      const value = input[key];
      const plan = plans.get(key);
      if (plan === undefined) {
        out[key] = value;
        continue;
      }
      let parsed: unknown;
      if (plan.kind === 'text') {
        parsed = checkTextField(plan.field, value);
        if (parsed === REFUSED) return undefined;
      } else if (plan.kind === 'literal') {
        if (!plan.values.includes(value)) return undefined;
        parsed = value;
      } else {
        const result = plan.schema.safeParse(value);
        if (!result.success) return undefined;
        parsed = result.data;
      }
      if (plan.mustBePresent) present++;
      out[key] = parsed;
    }
    return present === required ? out : undefined;
  };
}

/** Runs the cross-field rules on the parsed order; any issue refuses it (zod words it). */
function withRules(object: Parse, rules: OrderRules): Parse {
  return (input) => {
    const order = object(input);
    if (!order) return undefined;
    let refused = false;
    const ctx = {
      value: order,
      addIssue() {
        refused = true;
      },
    } as unknown as z.RefinementCtx;
    rules(order, ctx);
    return refused ? undefined : order;
  };
}
