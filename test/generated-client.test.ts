import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('the web UI client', () => {
  it('is generated from the current OpenAPI document', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/generate-api-client.ts', '--check']);
    expect(stdout).toContain('up to date');
  }, 60_000);
});
