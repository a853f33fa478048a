type Body = Readonly<Record<string, unknown>>;

/**
 * Spellings vCare accepts for a field besides its documented name (the homephone sample
 * sends `enroll_id` where its table says `enrollment_id`).
 */
const aliases: Readonly<Record<string, readonly string[]>> = { enrollment_id: ['enroll_id'] };

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function present(body: Body, field: string): boolean {
  if (!isBlank(body[field])) return true;
  const others = aliases[field];
  return others?.some((other) => !isBlank(body[other])) ?? false;
}

/** A string or number field as text; `null` when absent or of another type. */
export function textField(body: Body, field: string): string | null {
  const value = body[field];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return null;
}

/** The enrollment a call is about, under either accepted spelling. */
export function enrollmentIdOf(body: Body): string | null {
  const id = textField(body, 'enrollment_id');
  return id === null || id === '' ? textField(body, 'enroll_id') : id;
}

const humanNames = new Map<string, string>();

/** `enrollment_id` → `Enrollment Id`, as in vCare's "Please enter Enrollment Id". */
export function humanName(field: string): string {
  let name = humanNames.get(field);
  if (name === undefined) {
    name = field
      .split('_')
      .filter((word) => word !== '')
      .map((word) => word[0]?.toUpperCase() + word.slice(1))
      .join(' ');
    humanNames.set(field, name);
  }
  return name;
}

const noErrors: readonly string[] = [];

/** vCare's RESTAPI110 errors for the required fields that are absent, null or empty. */
export function missingFieldErrors(body: Body, required: readonly string[]): readonly string[] {
  let errors = noErrors;
  for (const field of required) {
    if (!present(body, field)) errors = [...errors, `Please enter ${humanName(field)}`];
  }
  return errors;
}

export type AgentProblem = 'Agent Id should not be blank' | 'Invalid Agent Id';

/** Checks `agent_id` and, for agents configured with one, `agent_password`. */
export function agentProblem(
  body: Body,
  agents: ReadonlyMap<string, string | undefined>,
): AgentProblem | null {
  const id = textField(body, 'agent_id');
  if (id === null || id === '') return 'Agent Id should not be blank';
  if (!agents.has(id)) return 'Invalid Agent Id';
  const password = agents.get(id);
  if (password !== undefined && textField(body, 'agent_password') !== password) {
    return 'Invalid Agent Id';
  }
  return null;
}
