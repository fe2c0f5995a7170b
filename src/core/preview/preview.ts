import { createHash } from 'node:crypto';
import { previewRequired } from '../errors.js';
import type { ReleaseRecord } from '../release/release.js';
import type { PolicyResult } from '../policy/policy.js';

/** What a runtime would do to one resource or service. */
export type ChangeAction = 'create' | 'update' | 'delete' | 'unchanged';

/** One line of a preview: a resource or service and its readable diff (secrets masked). */
export interface Change {
  action: ChangeAction;
  kind: string;
  name: string;
  diff: string;
}

export interface ChangeSummary {
  create: number;
  update: number;
  delete: number;
  unchanged: number;
}

/** A stored preview. The token itself is never stored, only its hash. */
export interface PreviewRecord {
  id: string;
  releaseId: string;
  draftRevision: number;
  draftDigest: string;
  liveDigest: string;
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  consumedAt: string | null;
  summary: ChangeSummary;
  changes: Change[];
  /** The runtime policy's verdict on the release, as judged when the preview was made. */
  policy: PolicyResult;
  /** The digest of the environment policy the verdict was reached under (null before policies were kept). */
  policyDigest: string | null;
  /** Who made the preview (null on previews made before it was kept). */
  createdBy: string | null;
  /** The command-center conversation it was made through, if any: the command center confirms by preview id there. */
  conversationId: string | null;
}

/** What lists show of a preview: no changes, no verdict (they are the large part of a stored preview). */
export type PreviewSummary = Pick<PreviewRecord, 'id' | 'releaseId' | 'draftRevision' | 'expiresAt' | 'consumedAt' | 'summary'>;

const TOKEN_PREFIX = 'sgp_';
const TOKEN_SHAPE = /^sgp_[A-Za-z0-9_-]{43}$/;

/** Turns 32 random bytes into a preview token. */
export function formatPreviewToken(randomBytes: Uint8Array): string {
  return TOKEN_PREFIX + Buffer.from(randomBytes).toString('base64url');
}

/** The hash under which a token is stored; `null` when the token is not of a preview token's shape. */
export function previewTokenHash(token: string): string | null {
  if (!TOKEN_SHAPE.test(token)) return null;
  return createHash('sha256').update(token).digest('hex');
}

/** Counts changes by action. */
export function summarize(changes: readonly Change[]): ChangeSummary {
  const summary: ChangeSummary = { create: 0, update: 0, delete: 0, unchanged: 0 };
  for (const change of changes) summary[change.action] += 1;
  return summary;
}

/**
 * Checks that a preview still stands for this release as it is now. Throws `PREVIEW_REQUIRED` with the reason:
 * mismatch (other release, other revision or digest), consumed, expired. Staleness needs the runtime and is
 * checked by {@link checkPreviewLive}.
 */
export function checkPreviewFor(preview: PreviewRecord, release: ReleaseRecord, now: Date): void {
  if (preview.releaseId !== release.id) {
    throw previewRequired('PREVIEW_MISMATCH', 'the preview token was made for another release');
  }
  if (preview.draftRevision !== release.draftRevision || preview.draftDigest !== release.draftDigest) {
    throw previewRequired(
      'PREVIEW_MISMATCH',
      `the preview was made for draft revision ${preview.draftRevision}; the release is at revision ${release.draftRevision}`,
    );
  }
  if (preview.consumedAt !== null) {
    throw previewRequired('PREVIEW_CONSUMED', 'the preview token was already used by an apply');
  }
  if (Date.parse(preview.expiresAt) <= now.getTime()) {
    throw previewRequired('PREVIEW_EXPIRED', `the preview expired at ${preview.expiresAt}`);
  }
}

/** Throws `PREVIEW_STALE` when what runs now differs from what the preview was made against. */
export function checkPreviewLive(preview: PreviewRecord, liveDigest: string, same = (a: string, b: string) => a === b): void {
  if (!same(preview.liveDigest, liveDigest)) {
    throw previewRequired('PREVIEW_STALE', 'what runs in the environment changed since the preview was made');
  }
}
