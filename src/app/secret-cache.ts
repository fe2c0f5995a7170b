import { secretValuesOf } from '../core/secrets/secret-masking.js';
import type { ReleaseRecord } from '../core/release/release.js';

/**
 * The secret values of each draft, remembered by its digest (which covers its rendered documents and parameters,
 * everything the secrets are found in): every view, event and diagnosis of a release masks with them, and finding
 * them means parsing the spec.
 */
export class SecretCache {
  private readonly entries = new Map<string, readonly string[]>();

  constructor(private readonly capacity = 1_000) {}

  /** The secrets of the draft of this digest when they are remembered, else undefined (nothing is parsed). */
  known(draftDigest: string): readonly string[] | undefined {
    return this.entries.get(draftDigest);
  }

  /** The secrets a release carries (see `secretValuesOf`). */
  of(release: Pick<ReleaseRecord, 'draftDigest' | 'renderedSpec' | 'parameters'>): readonly string[] {
    const hit = this.entries.get(release.draftDigest);
    if (hit) {
      // Most recently used last, so the oldest is the first to go.
      this.entries.delete(release.draftDigest);
      this.entries.set(release.draftDigest, hit);
      return hit;
    }
    const secrets = secretValuesOf(release.renderedSpec, release.parameters);
    this.entries.set(release.draftDigest, secrets);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return secrets;
  }
}
