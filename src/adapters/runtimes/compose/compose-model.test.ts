import { describe, expect, it } from 'vitest';
import { liveDigestOf, sameLive } from './compose-model.js';
import type { ContainerState } from './docker-engine.js';

function container(over: Partial<ContainerState> = {}): ContainerState {
  return {
    id: 'c1',
    name: 'stg-shop-web-1',
    service: 'web',
    image: 'web:1',
    imageId: 'sha256:1',
    labels: { 'com.docker.compose.config-hash': 'h1' },
    status: 'running',
    running: true,
    exitCode: 0,
    oomKilled: false,
    restartCount: 0,
    error: '',
    health: null,
    healthLog: [],
    hasHealthcheck: false,
    startedAt: '2026-11-26T10:00:00Z',
    finishedAt: null,
    ...over,
  };
}

describe('the Compose live digest', () => {
  const before = liveDigestOf([container()]);

  it('holds while nothing happened, and while the restart policy brings a crashed container back', () => {
    expect(sameLive(before, liveDigestOf([container()]))).toBe(true);
    expect(sameLive(before, liveDigestOf([container({ startedAt: '2026-11-26T10:00:05Z', restartCount: 1 })]))).toBe(true);
    expect(sameLive(before, liveDigestOf([container({ status: 'restarting', running: false, restartCount: 2 })]))).toBe(true);
  });

  it('changes on a restart by hand (the engine resets the count), a stop, a new container, image or config', () => {
    const crashed = liveDigestOf([container({ startedAt: '2026-11-26T10:00:05Z', restartCount: 3 })]);
    for (const now of [
      container({ startedAt: '2026-11-26T10:01:00Z' }),
      container({ status: 'exited', running: false }),
      container({ id: 'c2' }),
      container({ imageId: 'sha256:2' }),
      container({ labels: { 'com.docker.compose.config-hash': 'h2' } }),
    ]) {
      expect(sameLive(before, liveDigestOf([now])), JSON.stringify(now)).toBe(false);
    }
    expect(sameLive(crashed, liveDigestOf([container({ startedAt: '2026-11-26T10:02:00Z', restartCount: 0 })]))).toBe(false);
    expect(sameLive(before, liveDigestOf([]))).toBe(false);
    expect(sameLive(before, liveDigestOf([container(), container({ id: 'c9', name: 'stg-shop-web-2' })]))).toBe(false);
  });

  it('compares a digest kept before start facts were recorded by everything else', () => {
    const legacy = before.split(';starts=')[0]!;
    expect(sameLive(legacy, liveDigestOf([container({ startedAt: '2026-11-26T10:01:00Z' })]))).toBe(true);
    expect(sameLive(legacy, liveDigestOf([container({ id: 'c2' })]))).toBe(false);
    expect(sameLive(`${legacy};starts=not-json`, before)).toBe(true);
  });
});
