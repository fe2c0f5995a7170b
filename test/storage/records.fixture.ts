import type { ApprovalTicket } from '../../src/core/approval/approval.js';
import type { NewTimelineEvent } from '../../src/core/audit/timeline-event.js';
import { UuidV7Ids } from '../../src/adapters/system/uuid-ids.js';
import { DEFAULT_APPROVAL_POLICY, type Environment } from '../../src/core/environment/environment.js';
import { DEFAULT_POLICY } from '../../src/core/policy/policy.js';
import { NOT_STARTED, type ReleaseRecord } from '../../src/core/release/release.js';

/** One id source for the storage suites, so ids made in one test file stay time-ordered. */
export const ids = new UuidV7Ids();

/** Now, or `offsetMs` from now, as the store keeps times. */
export const at = (offsetMs = 0): string => new Date(Date.now() + offsetMs).toISOString();

/** A draft release of `web` in `staging`, with `over` laid on top. */
export function releaseRecord(over: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    id: ids.newId(),
    application: 'web',
    environment: 'staging',
    runtime: 'compose',
    kind: 'deploy',
    rollbackOf: null,
    rollbackTo: null,
    state: 'draft',
    spec: { compose: 'services: {}' },
    parameters: { TAG: '1' },
    renderedSpec: 'services: {}',
    description: null,
    draftRevision: 1,
    draftDigest: 'sha256:x',
    channel: 'api',
    conversationId: null,
    createdBy: 'dana',
    createdAt: at(),
    updatedAt: at(),
    ticketId: null,
    previewId: null,
    execution: { ...NOT_STARTED },
    runtimeState: null,
    authors: ['dana'],
    provenance: null,
    ...over,
  };
}

/** A Compose environment `name` with the default policies. */
export function environmentRecord(name: string): Environment {
  return {
    name,
    runtime: 'compose',
    target: { project: name },
    production: false,
    approval: { ...DEFAULT_APPROVAL_POLICY },
    previewTtlSeconds: 60,
    applyTimeoutSeconds: 60,
    freezeWindows: [],
    policy: { ...DEFAULT_POLICY },
    promotion: null,
    verification: null,
    createdAt: at(),
    updatedAt: at(),
  };
}

/** A pending approval ticket of `releaseId` (web in staging, two approvers, an hour to go), with `over` laid on top. */
export function ticketRecord(releaseId: string, over: Partial<ApprovalTicket> = {}): ApprovalTicket {
  return {
    id: ids.newId(),
    releaseId,
    application: 'web',
    environment: 'staging',
    status: 'pending',
    minApprovers: 2,
    allowSelfApproval: false,
    draftDigest: 'sha256:x',
    requestedBy: 'dana',
    requestedAt: at(),
    expiresAt: at(3_600_000),
    closedAt: null,
    decisions: [],
    ...over,
  };
}

/** A plain event of a release, for tests of the chain itself. */
export function timelineEvent(releaseId: string): NewTimelineEvent {
  return {
    id: ids.newId(),
    releaseId,
    type: 'release.updated',
    at: at(),
    actor: { type: 'system', id: 'test' },
    channel: 'api',
    release: { application: 'web', environment: 'staging', runtime: 'compose', kind: 'deploy' },
    data: {},
  };
}
