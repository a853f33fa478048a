import type { FieldIssue } from '../actions/validate.ts';
import type { OrderMeta } from './job-data.ts';

/** Fewest and most steps of one chain. */
export const MIN_CHAIN_STEPS = 2;
export const MAX_CHAIN_STEPS = 10;

/** `meta.chain` of a step: the chain's id, the step's index and every step of the chain. */
export type ChainMeta = NonNullable<OrderMeta['chain']>;

/** One step as the chain knows it: job id, queue and vCare action. */
export type ChainStepRef = ChainMeta['steps'][number];

/** Whether a `POST /v1/orders` body is a chain (`{"steps": [...]}`) rather than one order. */
export function isChainBody(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    Object.hasOwn(body, 'steps')
  );
}

/**
 * The step bodies of a chain body, or every issue of its envelope: `steps` must be an array of
 * 2 to 10 order bodies and nothing may stand beside it. A chain is for one enrollment: a step
 * that leaves `enrollment_id` out (and `enroll_id`, its homephone spelling) gets step 0's;
 * whether every step then names the same one is checked on the validated orders
 * ({@link enrollmentIssues}).
 */
export function chainSteps(body: unknown): { steps: unknown[]; issues: FieldIssue[] } {
  const { steps, ...rest } = body as Record<string, unknown>;
  const issues: FieldIssue[] = Object.keys(rest).map((field) => ({
    path: field,
    message: `${field} is not allowed beside steps (put it in each step)`,
  }));
  if (!Array.isArray(steps) || steps.length < MIN_CHAIN_STEPS || steps.length > MAX_CHAIN_STEPS) {
    const message = `steps must be an array of ${MIN_CHAIN_STEPS} to ${MAX_CHAIN_STEPS} orders`;
    return { steps: [], issues: [...issues, { path: 'steps', message }] };
  }
  const first = enrollmentOf(steps[0]);
  const filled = steps.map((step) =>
    first !== undefined && isObject(step) && enrollmentOf(step) === undefined
      ? { ...step, enrollment_id: first }
      : step,
  );
  return { steps: filled, issues };
}

/** Issues of validated steps whose enrollment is not step 0's. */
export function enrollmentIssues(enrollments: readonly string[]): FieldIssue[] {
  const [first] = enrollments;
  return enrollments.flatMap((enrollment, index) =>
    enrollment === first
      ? []
      : [
          {
            path: `steps.${index}.enrollment_id`,
            message: `steps.${index}.enrollment_id must be the chain's enrollment, that of step 0`,
          },
        ],
  );
}

/** A step's issues named from the chain body: `card_number` of step 1 is `steps.1.card_number`. */
export function stepIssues(index: number, issues: readonly FieldIssue[]): FieldIssue[] {
  // Every message starts with its path, so prefixing the message keeps it a sentence.
  return issues.map((issue) => ({
    path: `steps.${index}.${issue.path}`,
    message: `steps.${index}.${issue.message}`,
  }));
}

/**
 * Job id of step `index` of `length`. The last step is the root of the BullMQ flow (it runs
 * last) and carries the chain's own id, so `GET /v1/orders/<chain id>` finds the chain; the
 * others are `<chain id>-s<index>`. Deterministic, so a repeated add of a keyed chain meets
 * the same jobs instead of adding a second set.
 */
export function chainStepId(chainId: string, index: number, length: number): string {
  return index === length - 1 ? chainId : `${chainId}-s${index}`;
}

/** The chain a job's meta places it in; undefined for a single order. */
export function chainOf(meta: unknown): ChainMeta | undefined {
  const chain = isObject(meta) ? meta.chain : undefined;
  if (!isObject(chain) || typeof chain.id !== 'string' || typeof chain.index !== 'number')
    return undefined;
  return Array.isArray(chain.steps) ? (chain as ChainMeta) : undefined;
}

function enrollmentOf(step: unknown): unknown {
  if (!isObject(step)) return undefined;
  const value = step.enrollment_id ?? step.enroll_id;
  return value === '' || value === null ? undefined : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
