import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const FIGURES = [
  'intake_single_ratio',
  'intake_batch_ratio',
  'worker_floor_ratio',
  'worker_practice_ratio',
  'latency_efficiency_c100',
  'latency_efficiency_c300',
  'vcare_calls_per_order',
  'e2e_p50_ms',
  'e2e_p99_ms',
  'redis_mb_after_100k',
  'cores',
];

/** Runs `node bench/run.ts --quick` to its end; resolves its exit code and output. */
function runQuickBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/run.ts', '--quick'], {
      cwd: new URL('..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench -- --quick', () => {
  it('prints a table, then one JSON object with every figure present and positive', async () => {
    const { code, stdout, stderr } = await runQuickBench();
    expect(code, stderr.slice(-2000)).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    expect(lines[0]).toContain('figure');
    const figures = JSON.parse(lines.at(-1) ?? '') as Record<string, unknown>;
    for (const name of FIGURES) {
      expect(figures[name], name).toBeTypeOf('number');
      expect(figures[name] as number, name).toBeGreaterThan(0);
    }
    expect(figures.orders_failed).toBe(0);
  }, 120_000);
});
