import { z } from 'zod';
import { isBlank } from './field.ts';

/**
 * `security_questions_answers`: the vendor says only "array". Each entry must be a non-blank
 * string or an object (question and answer); "" or null stand for absent like other fields.
 */
export const securityAnswers: z.ZodType<unknown> = z
  .unknown()
  .superRefine((value, ctx) => {
    if (isBlank(value)) return;
    if (!Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a list (JSON array)' });
      return;
    }
    value.forEach((entry: unknown, index) => {
      const usable =
        (typeof entry === 'string' && entry.trim() !== '') ||
        (typeof entry === 'object' && entry !== null && !Array.isArray(entry));
      if (!usable) {
        ctx.addIssue({
          code: 'custom',
          path: [index],
          message: 'must be a non-empty text or an object with the question and answer',
        });
      }
    });
  })
  .optional();
