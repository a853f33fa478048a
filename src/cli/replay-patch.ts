import { CliError } from './cli-error.ts';

/**
 * The `patch` of a replay from `--set field=value` (the value as a string, as vCare takes
 * most fields) and `--set-json field=<JSON>` (numbers, booleans, objects, lists). Top-level
 * fields only, as the ops API takes them; a field set twice is refused rather than guessed.
 */
export function parsePatch(
  sets: readonly string[],
  setJsons: readonly string[],
): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  const put = (flag: string, assignment: string, parse: (raw: string) => unknown) => {
    const eq = assignment.indexOf('=');
    const field = eq > 0 ? assignment.slice(0, eq).trim() : '';
    if (field === '') throw new CliError(`${flag} takes field=value`, 2);
    if (Object.hasOwn(patch, field)) throw new CliError(`${flag}: ${field} is set twice`, 2);
    patch[field] = parse(assignment.slice(eq + 1));
  };
  for (const assignment of sets) put('--set', assignment, (raw) => raw);
  for (const assignment of setJsons) {
    put('--set-json', assignment, (raw) => {
      try {
        return JSON.parse(raw);
      } catch {
        // The value itself is not echoed: it may be a card number or an SSN.
        const field = assignment.slice(0, assignment.indexOf('='));
        throw new CliError(`--set-json ${field}: the value is not valid JSON`, 2);
      }
    });
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}
