import { z } from 'zod';

/** One check on a non-blank string value. `message` completes "<field> …" (see validate.ts). */
export interface Rule {
  readonly test: (value: string) => boolean;
  readonly message: string;
}

/** How the value of one field must look; `required` and `optional` turn it into a schema. */
export interface Format {
  /** Checked in order; only the first broken rule is reported, so one field yields one issue. */
  readonly rules: readonly Rule[];
  /** Completes "must be …" when the value is not a string at all (e.g. "5 digits"). */
  readonly expected: string;
  /**
   * The vendor types the field Numeric or shows numbers in samples: a JSON number is accepted
   * and becomes its decimal string, so vCare always receives strings.
   */
  readonly numeric?: boolean;
  /** Canonical spelling of an accepted value (enumerations accept any letter case). */
  readonly normalize?: (value: string) => string;
}

/** Absent, null or only whitespace: the vendor samples send "" for fields they do not use. */
export function isBlank(value: unknown): boolean {
  return (
    value === undefined || value === null || (typeof value === 'string' && value.trim() === '')
  );
}

/** A rule from a regular expression (tested against the whole value). */
export function matches(pattern: RegExp, message: string): Rule {
  return { test: (value) => pattern.test(value), message };
}

function numberToString(value: unknown): unknown {
  // Unsafe integers would be silently rounded by String(); leave them to fail as "not text".
  const exact = Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value));
  return typeof value === 'number' && exact && value >= 0 ? String(value) : value;
}

/** A field built by `required` or `optional`: what `checkTextField` needs to check it. */
export interface TextField {
  readonly format: Format;
  readonly isRequired: boolean;
}

// The schemas `required` and `optional` built, with what they check (see fast-parse.ts).
const textFields = new WeakMap<z.ZodType, TextField>();

/** What `schema` checks, when `required` or `optional` built it. */
export function textFieldOf(schema: z.ZodType): TextField | undefined {
  return textFields.get(schema);
}

/** Returned by `checkTextField` for a value the field's schema refuses. */
export const REFUSED: unique symbol = Symbol('refused');

/**
 * What the field's schema makes of `value` when it accepts it (normalized), or `REFUSED`:
 * the same decision without zod's per-parse allocations, for the valid path of intake. It never
 * words an issue; a refused order is parsed again by zod, which does.
 */
export function checkTextField(field: TextField, value: unknown): unknown {
  const { format, isRequired } = field;
  if (!isRequired && (value === undefined || value === null)) return value;
  const text = format.numeric ? numberToString(value) : value;
  if (typeof text !== 'string') return REFUSED;
  const problem = problemOf(format, text);
  if (problem === 'blank') return isRequired ? REFUSED : text;
  if (problem) return REFUSED;
  return format.normalize ? format.normalize(text) : text;
}

/** What is wrong with `text` for `format`: blank, the first rule it breaks, or nothing. */
function problemOf(format: Format, text: string): 'blank' | Rule | undefined {
  if (text.trim() === '') return 'blank';
  return format.rules.find((rule) => !rule.test(text));
}

function stringField(format: Format, isRequired: boolean): z.ZodType<string> {
  // One plain check that also normalizes in place: zod's superRefine and transform allocate a
  // closure and a pipe per field per parse, which made validation the largest cost of intake.
  const checked = z
    .string({
      error: (issue) => (isBlank(issue.input) ? 'is required' : `must be ${format.expected}`),
    })
    .check((payload) => {
      const value = payload.value;
      const problem = problemOf(format, value);
      if (problem === 'blank') {
        if (isRequired) payload.issues.push(customIssue('is required', value));
      } else if (problem) {
        payload.issues.push(customIssue(problem.message, value));
      } else if (format.normalize) {
        payload.value = format.normalize(value);
      }
    });
  return format.numeric ? z.preprocess(numberToString, checked) : checked;
}

function customIssue(message: string, input: string) {
  return { code: 'custom' as const, message, input, continue: true };
}

/** A field vCare (or one of our decisions) insists on: absent, null or blank is an issue. */
export function required(format: Format): z.ZodType<string> {
  const schema = stringField(format, true);
  textFields.set(schema, { format, isRequired: true });
  return schema;
}

/**
 * A field checked only when it carries a value: absent, null and "" pass unchanged, as the
 * vendor samples send "" for every field they leave empty.
 */
export function optional(format: Format): z.ZodType<string | null | undefined> {
  const schema = stringField(format, false).nullable().optional();
  textFields.set(schema, { format, isRequired: false });
  return schema;
}

/** A required non-empty list whose entries all have `format` (issues point at `field.<i>`). */
export function requiredList(format: Format): z.ZodType<string[]> {
  return z
    .array(required(format), {
      error: (issue) => (isBlank(issue.input) ? 'is required' : 'must be a list (JSON array)'),
    })
    .min(1, { error: 'must list at least one entry' });
}

/**
 * An optional list of anything (the vendor only says "must be an array"); "" passes as absent
 * because the vendor sample sends it.
 */
export function optionalList(): z.ZodType<unknown> {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      if (!isBlank(value) && !Array.isArray(value)) {
        ctx.addIssue({ code: 'custom', message: 'must be a list (JSON array)' });
      }
    })
    .optional();
}
