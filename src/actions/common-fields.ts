import { z } from 'zod';
import { optional, required } from './field.ts';
import { alphanumeric, text } from './formats.ts';

/**
 * Fields every action carries. Intake fills `agent_id`, `agent_password` and `source` from
 * config before validating, so producers rarely send them; `source` is not narrowed to the
 * tables' lists because the vendor's own samples send other values (ENROLLMENT_PORTAL).
 */
export function commonFields<Name extends string>(name: Name) {
  return {
    action: z.literal(name, { error: `must be ${name}` }),
    enrollment_id: required(alphanumeric),
    agent_id: required(text),
    agent_password: optional(text),
    source: required(text),
  };
}
