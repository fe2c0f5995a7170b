import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('architecture', () => {
  it('has no import pointing outward (dependency-cruiser)', async () => {
    const { stdout } = await run(
      process.execPath,
      ['node_modules/dependency-cruiser/bin/dependency-cruise.mjs', 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    ).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    const report = JSON.parse(stdout) as {
      summary: { violations: Array<{ rule: { name: string }; from: string; to: string }>; totalCruised: number };
    };
    expect(report.summary.totalCruised).toBeGreaterThan(40);
    expect(report.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it('moves releases through one door: only release-transitions.ts compares-and-sets a release', () => {
    const files = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const writers = files.filter((f) => /releases\.compareAndSet\(/.test(readFileSync(join('src', f), 'utf8')));
    expect(writers).toEqual(['app/release-transitions.ts']);
  });
});
