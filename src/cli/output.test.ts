import { describe, expect, it } from 'vitest';
import { Output } from './output.js';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, write: (s: string) => written.push(s) > 0, written } as unknown as NodeJS.WriteStream & { written: string[] };
}

describe('CLI output', () => {
  it('draws a spinner and bare lines on a terminal, and clears the spinner before each line', () => {
    const out = stream(true);
    const o = new Output(false, out, stream(false));
    o.waiting('applying web');
    o.line('stage applying → waiting_for_rollout');
    o.waiting(null);
    const text = out.written.join('');
    expect(text).toContain('applying web');
    expect(text).toContain('\r\u001b[K');
    expect(text).toContain('stage applying → waiting_for_rollout\n');
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT/);
  });

  it('writes timestamped plain lines without a terminal, and no spinner', () => {
    const out = stream(false);
    const o = new Output(false, out, stream(false));
    o.waiting('applying web');
    o.line('succeeded');
    expect(out.written).toHaveLength(1);
    expect(out.written[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z succeeded\n$/);
  });

  it('keeps stdout for the one JSON document in --json mode, progress on stderr', () => {
    const [out, err] = [stream(true), stream(false)];
    const o = new Output(true, out, err);
    o.line('progress');
    o.document({ ok: true });
    expect(out.written.join('')).toBe('{\n  "ok": true\n}\n');
    expect(err.written.join('')).toContain('progress');
  });
});
