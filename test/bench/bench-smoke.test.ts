import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

// `npm run bench -- --smoke`: every benchmark's code path on small data and short runs, so that none can rot. Its
// figures mean nothing on a busy test machine and are not judged here (the full `npm run bench` judges them).
describe('the benchmarks (smoke run)', () => {
  beforeAll(() => execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' }), 180_000);

  it('measures every figure and writes them with their targets', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke'], {
      env: { ...process.env },
      maxBuffer: 1 << 22,
    });
    const report = JSON.parse(readFileSync('.test-artifacts/bench-smoke.json', 'utf8'));
    expect(report.smoke).toBe(true);
    expect(report.rows.map((r: { id: string }) => r.id)).toEqual([
      'read-sqlite',
      'read-postgres',
      'startup-rss',
      'startup-ready',
      'timeline-sqlite',
      'timeline-growth-sqlite',
      'timeline-postgres',
      'timeline-growth-postgres',
      'approvals-sqlite',
      'approvals-postgres',
      'list-sqlite',
      'list-postgres',
      'compose-apply',
      'replicas-throughput',
    ]);
    for (const row of report.rows) {
      expect(Number.isFinite(row.value) && row.value > 0, row.id).toBe(true);
      expect(['>=', '<=', '<']).toContain(row.target.op);
      expect(stdout).toContain(row.figure);
    }
  }, 420_000);
});
