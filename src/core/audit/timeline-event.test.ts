import { describe, expect, it } from 'vitest';
import { ChainVerifier, GENESIS_HASH, chainEvent, type NewTimelineEvent, type TimelineEvent } from './timeline-event.js';

const event = (i: number): NewTimelineEvent => ({
  id: `e${i}`,
  releaseId: 'r1',
  type: 'release.created',
  at: '2026-11-25T12:00:00.000Z',
  actor: { type: 'user', id: 'dana' },
  channel: 'api',
  release: { application: 'web', environment: 'staging', runtime: 'compose', kind: 'deploy' },
  data: { i },
});

function chain(n: number): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  let head = { seq: 0, hash: GENESIS_HASH };
  for (let i = 1; i <= n; i++) {
    const e = chainEvent(event(i), head);
    out.push(e);
    head = e;
  }
  return out;
}

function verify(events: TimelineEvent[], head = events.length) {
  const v = new ChainVerifier();
  for (const e of events) if (!v.push(e)) break;
  return v.result(head);
}

describe('the timeline hash chain', () => {
  it('links each event to the one before', () => {
    const events = chain(5);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    expect(events[3]!.prevHash).toBe(events[2]!.hash);
    expect(verify(events)).toEqual({ ok: true, checked: 5 });
  });

  it('finds an altered, a removed, a reordered and a truncated event', () => {
    const altered = chain(5);
    altered[2] = { ...altered[2]!, data: { i: 99 } };
    expect(verify(altered)).toEqual({ ok: false, checked: 2, firstBrokenSeq: 3 });
    const removed = chain(5).filter((e) => e.seq !== 4);
    expect(verify(removed, 5)).toMatchObject({ ok: false, firstBrokenSeq: 4 });
    const truncated = chain(5).slice(0, 3);
    expect(verify(truncated, 5)).toMatchObject({ ok: false, firstBrokenSeq: 4 });
    const rehashed = chain(5);
    rehashed[1] = chainEvent({ ...event(2), data: { forged: true } }, { seq: 1, hash: rehashed[0]!.hash });
    expect(verify(rehashed)).toMatchObject({ ok: false, firstBrokenSeq: 3 });
  });
});
