/**
 * A failure the CLI reports as one line on stderr and a non-zero exit code. Commands throw it;
 * `main.ts` is the only place that prints it and sets the exit code.
 */
export class CliError extends Error {
  override name = 'CliError';
  /** Process exit code. @defaultValue 1 */
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}
