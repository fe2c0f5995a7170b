import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkpointPayload } from './audit-checkpoint.js';
import {
  ChainVerifier,
  GENESIS_HASH,
  chainEvent,
  legacyEventHash,
  type ChainAnchor,
  type ChainHasher,
  type NewTimelineEvent,
  type TimelineEvent,
} from './timeline-event.js';

const hasherOf = (key: string): ChainHasher => ({ hmacSha256Hex: (text) => createHmac('sha256', key).update(text).digest('hex') });
const key = hasherOf('the-audit-key-of-these-unit-tests');
const otherKey = hasherOf('a-key-the-server-never-had-000000');

const event = (i: number, data: Record<string, unknown> = { i }): NewTimelineEvent => ({
  id: `e${i}`,
  releaseId: 'r1',
  type: 'release.created',
  at: '2026-11-25T12:00:00.000Z',
  actor: { type: 'user', id: 'dana' },
  channel: 'api',
  release: { application: 'web', environment: 'staging', runtime: 'compose', kind: 'deploy' },
  data,
});

/** How events were chained before the key: plain sha256, which anyone can recompute. */
function chainLegacy(e: NewTimelineEvent, head: { seq: number; hash: string }): TimelineEvent {
  const unhashed = { ...e, seq: head.seq + 1, prevHash: head.hash };
  return { ...unhashed, hash: legacyEventHash(unhashed) };
}

type Link = (e: NewTimelineEvent, head: { seq: number; hash: string }) => TimelineEvent;
const keyed: Link = (e, head) => chainEvent(e, head, key);

/** Events 1..n; `link(i)` says how event i is chained (default: with the key). */
function chain(n: number, link: (i: number) => Link = () => keyed, from: TimelineEvent[] = []): TimelineEvent[] {
  const out = [...from];
  let head = out.at(-1) ?? { seq: 0, hash: GENESIS_HASH };
  for (let i = out.length + 1; i <= n; i++) {
    const e = link(i)(event(i), head);
    out.push(e);
    head = e;
  }
  return out;
}

function verify(events: TimelineEvent[], head = events.length, anchor: ChainAnchor | null = null) {
  const v = new ChainVerifier(key, anchor);
  for (const e of events) if (!v.push(e)) break;
  return v.result(head);
}

describe('the keyed timeline hash chain', () => {
  it('links each event to the one before with an HMAC under the key', () => {
    const events = chain(5);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    expect(events[3]!.prevHash).toBe(events[2]!.hash);
    expect(events[4]!.hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(verify(events)).toEqual({ ok: true, checked: 5, legacyUnkeyed: 0 });
    expect(verify([])).toEqual({ ok: true, checked: 0, legacyUnkeyed: 0 });
  });

  it('finds an altered, a removed, a swapped and a truncated event', () => {
    const altered = chain(5);
    altered[2] = { ...altered[2]!, data: { i: 99 } };
    expect(verify(altered)).toEqual({ ok: false, reason: 'TAMPERED', checked: 2, firstBrokenSeq: 3, legacyUnkeyed: 0 });
    const removed = chain(5).filter((e) => e.seq !== 4);
    expect(verify(removed, 5)).toMatchObject({ ok: false, reason: 'TAMPERED', firstBrokenSeq: 4 });
    const swapped = chain(5);
    [swapped[1], swapped[2]] = [
      { ...swapped[2]!, seq: 2 },
      { ...swapped[1]!, seq: 3 },
    ];
    expect(verify(swapped)).toMatchObject({ ok: false, reason: 'TAMPERED', firstBrokenSeq: 2 });
    const truncated = chain(5).slice(0, 3);
    expect(verify(truncated, 5)).toEqual({ ok: false, reason: 'TRUNCATED', checked: 3, firstBrokenSeq: 4, legacyUnkeyed: 0 });
  });

  it('refuses a rewrite recomputed without the key, with plain sha256 or with another key', () => {
    const original = chain(6);
    const rewrite = (link: Link) => chain(6, () => link, [...original.slice(0, 2), link(event(3, { forged: true }), original[1]!)]);
    expect(verify(rewrite(chainLegacy))).toMatchObject({ ok: false, reason: 'TAMPERED', checked: 2, firstBrokenSeq: 3 });
    expect(verify(rewrite((e, head) => chainEvent(e, head, otherKey)))).toMatchObject({ ok: false, reason: 'TAMPERED', firstBrokenSeq: 3 });
  });

  it('accepts unkeyed events only as a prefix before the first keyed one, and counts them', () => {
    const upgraded = chain(6, (i) => (i <= 3 ? chainLegacy : keyed));
    expect(verify(upgraded)).toEqual({ ok: true, checked: 6, legacyUnkeyed: 3 });
    const downgraded = chain(6, (i) => (i === 5 ? chainLegacy : keyed));
    expect(verify(downgraded)).toMatchObject({ ok: false, reason: 'TAMPERED', checked: 4, firstBrokenSeq: 5 });
    const wrongLegacy = chain(3, () => chainLegacy);
    wrongLegacy[1] = { ...wrongLegacy[1]!, data: { edited: true } };
    expect(verify(wrongLegacy)).toMatchObject({ ok: false, reason: 'TAMPERED', firstBrokenSeq: 2 });
    const unknownFormat = chain(3);
    unknownFormat[2] = { ...unknownFormat[2]!, hash: `md5:${'0'.repeat(32)}` };
    expect(verify(unknownFormat)).toMatchObject({ ok: false, reason: 'TAMPERED', firstBrokenSeq: 3 });
  });

  it('holds the chain to an anchor (a checkpoint): it must reach it, with exactly its hash', () => {
    const events = chain(6);
    const anchor = { seq: 5, hash: events[4]!.hash };
    expect(verify(events, 6, anchor)).toEqual({ ok: true, checked: 6, legacyUnkeyed: 0 });
    // A tail deleted together with the head row passes on its own; only the anchor remembers how far the chain went.
    expect(verify(events.slice(0, 3), 3)).toMatchObject({ ok: true, checked: 3 });
    expect(verify(events.slice(0, 3), 3, anchor)).toEqual({
      ok: false,
      reason: 'TRUNCATED',
      checked: 3,
      firstBrokenSeq: 4,
      legacyUnkeyed: 0,
    });
    expect(verify(events, 6, { seq: 5, hash: events[3]!.hash })).toMatchObject({ ok: false, reason: 'TAMPERED', firstBrokenSeq: 5 });
    // A fully unkeyed chain forged by anyone recomputing sha256 passes on its own, but not past a checkpoint.
    const legacy = chain(4, () => chainLegacy);
    const forged = chain(4, () => chainLegacy, [...legacy.slice(0, 1), chainLegacy(event(2, { forged: true }), legacy[0]!)]);
    expect(verify(forged)).toMatchObject({ ok: true, legacyUnkeyed: 4 });
    expect(verify(forged, 4, { seq: 4, hash: legacy[3]!.hash })).toMatchObject({ ok: false, reason: 'TAMPERED', firstBrokenSeq: 4 });
  });
});

describe('the checkpoint payload', () => {
  it('is canonical JSON of seq, hash and at with a purpose tag, and nothing else', () => {
    const head = { seq: 3, hash: `hmac-sha256:${'a'.repeat(64)}`, at: '2026-11-25T12:00:00.000Z' };
    expect(checkpointPayload(head)).toBe(
      `{"at":"2026-11-25T12:00:00.000Z","hash":"hmac-sha256:${'a'.repeat(64)}","purpose":"shipgate.audit.checkpoint.v1","seq":3}`,
    );
    expect(checkpointPayload({ ...head, signature: 'x', publicKey: 'y' } as typeof head)).toBe(checkpointPayload(head));
  });
});
