import { describe, expect, it } from 'vitest';
import { batchPayloads, decodeChanges, encodeChange } from '../../src/adapters/storage/postgres-change-feed.js';
import type { Change } from '../../src/ports/change-feed.js';

// The change feed sends what one turn of the event loop published as one NOTIFY; these are its body's rules.
describe('change feed notification bodies', () => {
  const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

  it('carries many changes in one body, each decoded back, in order', () => {
    const changes: Change[] = [
      { kind: 'release', releaseId: id(1) },
      { kind: 'work' },
      { kind: 'release', releaseId: id(2) },
      { kind: 'deliveries' },
      { kind: 'tokens' },
    ];
    const bodies = batchPayloads(changes.map((c) => encodeChange(c)!));
    expect(bodies).toHaveLength(1);
    expect(decodeChanges(bodies[0]!)).toEqual(changes);
  });

  it('splits a large batch into bodies under the NOTIFY payload limit, losing none', () => {
    const changes: Change[] = Array.from({ length: 1_000 }, (_, i) => ({ kind: 'release', releaseId: id(i) }));
    const bodies = batchPayloads(changes.map((c) => encodeChange(c)!));
    expect(bodies.length).toBeGreaterThan(1);
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(7_000);
    expect(bodies.flatMap(decodeChanges)).toEqual(changes);
  });

  it('keeps only the parts that decode from a hostile body', () => {
    expect(decodeChanges('')).toEqual([]);
    expect(decodeChanges(',,,')).toEqual([]);
    expect(decodeChanges('w,,x')).toEqual([{ kind: 'work' }]);
    expect(decodeChanges(`r:${id(1)};drop,t`)).toEqual([{ kind: 'tokens' }]);
    expect(decodeChanges(`r:${id(1)} ,r:../../etc,W,T, t,tokens`)).toEqual([]);
    expect(decodeChanges(`r:${id(3)}\n,d`)).toEqual([{ kind: 'deliveries' }]);
  });
});
