/** The runtimes a release can target. */
export const RUNTIMES = ['kubernetes', 'compose'] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** Normalized lifecycle states, the same for every runtime. */
export const RELEASE_STATES = [
  'draft',
  'previewed',
  'pending_approval',
  'approved',
  'rejected',
  'applying',
  'succeeded',
  'failed',
  'interrupted',
  'cancelled',
  'rolled_back',
] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

/** Stages of the execution of an applying release. */
export const EXECUTION_STAGES = [
  'not_started',
  'queued',
  'applying',
  'waiting_for_rollout',
  'verifying',
  'completed',
  'failed',
  'interrupted',
] as const;
export type ExecutionStage = (typeof EXECUTION_STAGES)[number];

/** Stages a runtime driver reports while it works. */
export type DriverStage = 'applying' | 'waiting_for_rollout' | 'verifying';

export const APPROVAL_STATUSES = ['not_required', 'pending', 'approved', 'rejected', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const CHANNELS = ['ui', 'api', 'cli', 'ai'] as const;
export type Channel = (typeof CHANNELS)[number];

export type ReleaseKind = 'deploy' | 'rollback';

/** A release's spec as submitted: Kubernetes manifests or a Compose file, both YAML text. */
export type ReleaseSpec = { manifests: string } | { compose: string };

/** Where the executor stands with a release. */
export interface Execution {
  stage: ExecutionStage;
  attempt: number;
  startedAt: string | null;
  finishedAt: string | null;
  message: string | null;
  /** While `verifying`: when the verification window ends. */
  verifyUntil: string | null;
}

/** Where a promoted release came from: the upstream release and the exact images it ran. */
export interface Provenance {
  releaseId: string;
  environment: string;
  /** When the upstream release succeeded (its soak counts from here). */
  succeededAt: string;
  /** Each image of the spec and the immutable reference it was pinned to. */
  images: PinnedImage[];
}

/** An image reference pinned to what ran: `resource` is a Compose service or `Kind/name/container`. */
export interface PinnedImage {
  resource: string;
  ref: string;
  pinned: string;
}

/** One approver's decision on a ticket. */
export interface ApprovalDecision {
  approver: string;
  decision: 'approve' | 'reject';
  comment: string;
  at: string;
}

/** The approval facet of a release. */
export interface ReleaseApproval {
  status: ApprovalStatus;
  ticketId: string | null;
  minApprovers: number;
  decisions: ApprovalDecision[];
}

/** The preview facet of a release: the latest preview made for it. */
export interface ReleasePreviewRef {
  id: string;
  draftRevision: number;
  expiresAt: string;
  consumed: boolean;
}

/** The stored release record (what the store keeps, before approval and preview facets are joined). */
export interface ReleaseRecord {
  id: string;
  application: string;
  environment: string;
  runtime: Runtime;
  kind: ReleaseKind;
  rollbackOf: string | null;
  /** For a rollback: the release whose spec it restores. */
  rollbackTo: string | null;
  state: ReleaseState;
  spec: ReleaseSpec;
  parameters: Record<string, string>;
  renderedSpec: string;
  description: string | null;
  draftRevision: number;
  draftDigest: string;
  channel: Channel;
  conversationId: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  ticketId: string | null;
  previewId: string | null;
  execution: Execution;
  /** Runtime facts recorded at apply (e.g. resolved image ids), used to restore this release exactly. */
  runtimeState: Record<string, unknown> | null;
  /** Every subject who made or changed a revision of this release: none of them may approve it. */
  authors: string[];
  /** Set when the release was made by promotion from another environment. */
  provenance: Provenance | null;
}

/** What a list of other things (the approval queue) shows of a release: no spec, no parameters, no runtime facts. */
export type ReleaseSummary = Pick<ReleaseRecord, 'id' | 'state' | 'description' | 'draftDigest' | 'previewId'>;

/** The normalized release the API returns. */
export interface Release {
  id: string;
  application: string;
  environment: string;
  runtime: Runtime;
  kind: ReleaseKind;
  rollbackOf: string | null;
  rollbackTo: string | null;
  /** The upstream release this one promotes, if any. */
  promotedFrom: string | null;
  provenance: Provenance | null;
  state: ReleaseState;
  approval: ReleaseApproval;
  execution: Execution;
  preview: ReleasePreviewRef | null;
  draftRevision: number;
  draftDigest: string;
  parameters: Record<string, string>;
  description: string | null;
  channel: Channel;
  conversationId: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** The execution of a release that has not started. */
export const NOT_STARTED: Execution = Object.freeze({
  stage: 'not_started',
  attempt: 0,
  startedAt: null,
  finishedAt: null,
  message: null,
  verifyUntil: null,
});

/** States a release never leaves by itself. */
export const TERMINAL_STATES: readonly ReleaseState[] = ['rejected', 'succeeded', 'failed', 'interrupted', 'cancelled', 'rolled_back'];
