import { readFile } from 'node:fs/promises';
import { CliError } from './cli-error.ts';

/**
 * A file of orders: a JSON array (positions are 1-based array items) or NDJSON, one order per
 * line (positions are 1-based line numbers; blank lines are skipped).
 */
export type OrderFileFormat = 'array' | 'ndjson';

export interface OrderAt {
  /** Line number (NDJSON) or array item number (array), from 1. */
  position: number;
  body: unknown;
}

/** A line the CLI rejects itself, before sending (it is not JSON). */
export interface LocalReject {
  position: number;
  path: string;
  message: string;
}

export interface OrderFile {
  format: OrderFileFormat;
  orders: OrderAt[];
  rejects: LocalReject[];
}

/** Reads `path` (`-` is stdin) and splits it into orders; throws a `CliError` if unreadable. */
export async function readOrderFile(path: string): Promise<OrderFile> {
  let text: string;
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CliError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code}`);
  }
  const file = parseOrders(text.replace(/^\uFEFF/, ''), path);
  if (file.orders.length + file.rejects.length === 0) throw new CliError(`${path}: no orders`);
  return file;
}

export function parseOrders(text: string, name: string): OrderFile {
  if (text.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CliError(`${name}: not a valid JSON array${where(error)}`);
    }
    if (!Array.isArray(parsed)) throw new CliError(`${name}: not a valid JSON array`);
    return {
      format: 'array',
      orders: parsed.map((body, i) => ({ position: i + 1, body })),
      rejects: [],
    };
  }
  const orders: OrderAt[] = [];
  const rejects: LocalReject[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      orders.push({ position: i + 1, body: JSON.parse(line) });
    } catch (error) {
      rejects.push({
        position: i + 1,
        path: 'body',
        message: `not valid JSON${where(error, 'column')}`,
      });
    }
  }
  return { format: 'ndjson', orders, rejects };
}

/**
 * Where JSON.parse stopped, from its message. Only the position is kept: the rest of the
 * message may quote the input, and the input may hold a card number.
 */
function where(error: unknown, detail: 'line' | 'column' = 'line'): string {
  const message = error instanceof Error ? error.message : '';
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineColumn) {
    return detail === 'line'
      ? ` (line ${lineColumn[1]} column ${lineColumn[2]})`
      : ` (column ${lineColumn[2]})`;
  }
  return /Unexpected end/.test(message) ? ' (ends early)' : '';
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
