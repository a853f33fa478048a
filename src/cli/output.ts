/** Where a command writes: stdout for its result, stderr for notices and progress. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal (progress bars go there). */
  readonly interactive: boolean;
}

export const processIo: Io = {
  out: (text) => {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  },
  err: (text) => {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  },
  interactive: Boolean(process.stderr.isTTY),
};

/** The one JSON document a command prints under `--json`. */
export function printJson(io: Io, document: unknown): void {
  io.out(JSON.stringify(document, null, 2));
}

/**
 * One cell of human output: control characters (line breaks in a vCare message, terminal
 * escapes in data nobody vetted) become spaces, so a row stays a row.
 */
export function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

/** Left-aligned columns separated by two spaces, with an upper-case header row. */
export function table(headers: readonly string[], rows: readonly unknown[][]): string {
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((row) => row.map(cell))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `label  value` lines, labels padded to one width; undefined values are left out. */
export function keyValues(pairs: readonly [string, unknown][]): string {
  const shown = pairs.filter(([, value]) => value !== undefined && value !== null && value !== '');
  const width = Math.max(0, ...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${label.padEnd(width)}  ${cell(value)}`).join('\n');
}
