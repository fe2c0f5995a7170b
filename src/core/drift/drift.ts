import { canonicalJson } from '../canonical-json.js';
import { sha256Digest } from '../digest.js';
import type { Change, ChangeAction } from '../preview/preview.js';

/** How what runs compares with the last succeeded release of an application. */
export const DRIFT_STATUSES = ['in_sync', 'drifted', 'missing', 'unknown'] as const;
export type DriftStatus = (typeof DRIFT_STATUSES)[number];

/** The drift of one application in one environment, as the API shows it. */
export interface Drift {
  application: string;
  /** The last succeeded release: what runs is compared with it. */
  releaseId: string;
  status: DriftStatus;
  checkedAt: string;
  /** What differs from the release (secrets masked); with `unknown`, what the last check that reached the runtime found. */
  changes: Change[];
  /** Why the status is `unknown`; null otherwise. */
  message: string | null;
}

/** A stored drift result: the drift, its environment and the fingerprint of what was found. */
export interface DriftRecord extends Drift {
  environment: string;
  /** Changes only when what differs changes: a new drift is told once per fingerprint. */
  fingerprint: string;
}

/** What a check saw: the changes a preview of the release finds against what runs, or why the runtime did not answer. */
export type DriftObservation = { changes: readonly Change[] } | { unreachable: string };

/**
 * The status a preview's changes mean: nothing differs (`in_sync`); everything the release has would be created again,
 * so nothing of it runs any more (`missing`); else `drifted`.
 * @example driftStatusOf([{ action: 'update', kind: 'Service', name: 'web', diff: '…' }]) // 'drifted'
 */
export function driftStatusOf(changes: readonly Change[]): Exclude<DriftStatus, 'unknown'> {
  if (changes.every((c) => c.action === 'unchanged')) return 'in_sync';
  return changes.every((c) => c.action === 'create') ? 'missing' : 'drifted';
}

/** The fingerprint of what differs from a release: equal for the same differences, different for another release. */
export function driftFingerprint(releaseId: string, changes: readonly Change[]): string {
  const differing = changes.filter((c) => c.action !== 'unchanged').map(({ action, kind, name, diff }) => ({ action, kind, name, diff }));
  return sha256Digest(canonicalJson({ releaseId, changes: differing }));
}

/** Where a check stands: the environment, the application, its last succeeded release and when it was checked. */
export interface DriftSubject {
  environment: string;
  application: string;
  releaseId: string;
  checkedAt: string;
}

/**
 * The result of a check given the stored one. A runtime that did not answer gives `unknown` and keeps what the last
 * check of the same release found (and its fingerprint, so that the same drift seen again is not new). `isNew` is true
 * when the application drifted or went missing in a way not stored before: that is told on the release's timeline.
 */
export function nextDrift(
  previous: DriftRecord | null,
  observation: DriftObservation,
  subject: DriftSubject,
): { record: DriftRecord; isNew: boolean } {
  if ('unreachable' in observation) {
    const kept = previous?.releaseId === subject.releaseId ? previous.changes : [];
    const record: DriftRecord = {
      ...subject,
      status: 'unknown',
      changes: kept,
      message: observation.unreachable,
      fingerprint: previous?.fingerprint ?? driftFingerprint(subject.releaseId, kept),
    };
    return { record, isNew: false };
  }
  const status = driftStatusOf(observation.changes);
  const record: DriftRecord = {
    ...subject,
    status,
    changes: observation.changes.filter((c) => c.action !== 'unchanged'),
    message: null,
    fingerprint: driftFingerprint(subject.releaseId, observation.changes),
  };
  return { record, isNew: status !== 'in_sync' && record.fingerprint !== previous?.fingerprint };
}

/** What `drift.detected` records: the status, counts by action and the resources that differ, never a diff. */
export function driftEventData(record: DriftRecord): Record<string, unknown> {
  const counts: Record<Exclude<ChangeAction, 'unchanged'>, number> = { create: 0, update: 0, delete: 0 };
  for (const change of record.changes) if (change.action !== 'unchanged') counts[change.action] += 1;
  return {
    status: record.status,
    fingerprint: record.fingerprint,
    summary: counts,
    resources: record.changes.map((c) => ({ action: c.action, kind: c.kind, name: c.name })),
  };
}

/** A stored drift as the API shows it. */
export function driftView(record: DriftRecord): Drift {
  const { environment: _environment, fingerprint: _fingerprint, ...drift } = record;
  return drift;
}
