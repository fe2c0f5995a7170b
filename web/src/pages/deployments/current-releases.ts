import type { Release } from '../../api/client';

/** What runs now: the newest succeeded release of each application in each environment, keyed `environment/application`. */
export function currentReleases(releases: Release[]): Map<string, Release> {
  const current = new Map<string, Release>();
  for (const r of releases) {
    if (r.state !== 'succeeded') continue;
    const key = `${r.environment}/${r.application}`;
    const known = current.get(key);
    if (!known || known.createdAt < r.createdAt) current.set(key, r);
  }
  return current;
}
