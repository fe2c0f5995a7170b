import { canonicalJson } from '../canonical-json.js';
import { sha256Digest } from '../digest.js';
import { specDocuments } from '../release/spec-render.js';
import type { ReleaseSpec } from '../release/release.js';

/**
 * The digest of a draft: sha256 of the canonical rendered spec (its YAML documents as sorted JSON, so layout and
 * comments do not count) and the parameters.
 */
export function draftDigest(spec: ReleaseSpec, rendered: string, parameters: Record<string, string>): string {
  const kind = 'manifests' in spec ? 'manifests' : 'compose';
  return sha256Digest(canonicalJson({ kind, documents: specDocuments(rendered), parameters }));
}
