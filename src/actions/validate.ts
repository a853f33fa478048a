import type { z } from 'zod';
import type { ActionDefinition, OrderBody } from './action.ts';
import { fastParse } from './fast-parse.ts';
import { isBlank } from './field.ts';
import { actions, findAction } from './registry.ts';

/** One problem with an order: the dotted field path and a sentence that starts with it. */
export interface FieldIssue {
  path: string;
  message: string;
}

export type Validation =
  | { ok: true; action: ActionDefinition; order: OrderBody }
  | { ok: false; issues: FieldIssue[] };

// Issues the field builders did not word themselves; never quotes the input.
function fallbackMessage(issue: z.core.$ZodRawIssue): string {
  if (issue.code === 'invalid_type') {
    return isBlank(issue.input) ? 'is required' : `must be ${issue.expected}`;
  }
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.join(', ')}`;
  return 'is invalid';
}

function toFieldIssue(issue: z.core.$ZodIssue): FieldIssue {
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  return { path, message: `${path} ${issue.message}` };
}

function unknownAction(): Validation {
  const allowed = actions.map((action) => action.name).join(', ');
  return {
    ok: false,
    issues: [{ path: 'action', message: `action must be one of ${allowed}` }],
  };
}

/**
 * Looks up body.action in the registry and parses with its schema: `fastParse` takes a valid
 * order, zod parses (and words the issues of) everything else. Never throws on any input.
 * `now` is the date card expiry is judged against (defaults to the real clock).
 */
export function validateOrder(body: unknown, now: Date = new Date()): Validation {
  try {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return unknownAction();
    const name = (body as Record<string, unknown>).action;
    const action = typeof name === 'string' ? findAction(name) : undefined;
    if (!action) return unknownAction();
    const schema = action.schemaAt?.(now) ?? action.schema;
    const accepted = fastParse(schema, body as Record<string, unknown>);
    if (accepted) return { ok: true, action, order: accepted };
    const result = schema.safeParse(body, { error: fallbackMessage });
    if (result.success) return { ok: true, action, order: result.data };
    return { ok: false, issues: result.error.issues.map(toFieldIssue) };
  } catch {
    // A hostile body (a throwing getter, a proxy) must still get an answer, not a crash.
    return { ok: false, issues: [{ path: 'body', message: 'body is not a plain JSON object' }] };
  }
}
