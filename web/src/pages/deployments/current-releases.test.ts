import { describe, expect, it } from 'vitest';
import type { Release } from '../../api/client';
import { currentReleases } from './current-releases';

const release = (id: string, environment: string, application: string, state: Release['state'], createdAt: string) =>
  ({ id, environment, application, state, createdAt, parameters: {} }) as unknown as Release;

describe('what runs now', () => {
  it('keeps the newest succeeded release per environment and application', () => {
    const current = currentReleases([
      release('a', 'staging', 'web', 'succeeded', '2025-01-01T00:00:00Z'),
      release('b', 'staging', 'web', 'succeeded', '2025-01-02T00:00:00Z'),
      release('c', 'staging', 'web', 'failed', '2025-01-03T00:00:00Z'),
      release('d', 'production', 'web', 'succeeded', '2025-01-01T00:00:00Z'),
    ]);
    expect([...current.entries()].map(([key, r]) => `${key}:${r.id}`)).toEqual(['staging/web:b', 'production/web:d']);
  });
});
