import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface ChaosSummary {
  ok: boolean;
  accepted: number;
  rejected_invalid: number;
  completed: number;
  dead_lettered: Record<string, number>;
  lost: number;
  unflagged_duplicates: number;
  runs: { events: { kind: string }[]; checks: Record<string, boolean> }[];
}

// The quick chaos run in its own processes: its own redis-server, sandbox, API and three
// workers; ~500 orders, one SIGKILL of each kind and a short vCare pause. About 30 s alone,
// longer beside the rest of the suite on two cores.
describe('a short chaos run', () => {
  it('loses no accepted order and flags every double side effect', {
    timeout: 240_000,
  }, async () => {
    const child = spawn(process.execPath, ['test/chaos/run.ts', '--quick'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
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
    const [code] = await once(child, 'exit');
    const last = stdout.trim().split('\n').at(-1) ?? '';
    let summary: ChaosSummary;
    try {
      summary = JSON.parse(last) as ChaosSummary;
    } catch {
      throw new Error(`no JSON on the last line (exit ${code}):\n${stderr.slice(-3000)}`);
    }

    expect(summary.lost, stderr.slice(-3000)).toBe(0);
    expect(summary.unflagged_duplicates).toBe(0);
    expect(summary.runs[0]?.checks).toEqual({
      nothing_lost: true,
      no_unflagged_duplicates: true,
      every_invalid_rejected: true,
      every_order_answered: true,
      repeats_name_the_same_order: true,
      conflicts_refused: true,
      completed_means_done_in_vcare: true,
    });
    expect(summary.rejected_invalid).toBe(25);
    expect(summary.accepted).toBe(475);
    const settled =
      summary.completed + Object.values(summary.dead_lettered).reduce((sum, n) => sum + n, 0);
    expect(settled).toBe(summary.accepted);
    expect(summary.runs[0]?.events.map((e) => e.kind).sort()).toEqual([
      'kill-api',
      'kill-redis',
      'kill-worker',
      'pause-vcare',
    ]);
    expect(code).toBe(0);
  });
});
