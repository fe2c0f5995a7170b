import type { Runtime } from '../release/release.js';
import type { EnvironmentPolicy } from '../policy/policy.js';

/** Who must approve a release of an environment, and for how long a request stays open. */
export interface ApprovalPolicy {
  required: boolean;
  minApprovers: number;
  allowSelfApproval: boolean;
  ticketTtlSeconds: number;
  /** A rollback (made by a person or by verification) may be applied without the approval queue. */
  rollbackWithoutApproval: boolean;
}

/** Releases of this environment must be promotions of what ran in `from`, for at least `soakSeconds`. */
export interface PromotionRule {
  from: string;
  soakSeconds: number;
}

/** An HTTP check made during verification: a GET that must answer `expectStatus`. */
export interface HttpProbe {
  url: string;
  expectStatus: number;
}

/** What is watched after a rollout before a release counts as succeeded. */
export interface VerificationPolicy {
  windowSeconds: number;
  maxRestarts: number;
  httpProbe: HttpProbe | null;
  /** On a failed verification the system asks for a rollback to the last succeeded release. */
  autoRollback: boolean;
}

/** A window during which applies are refused with `FROZEN`. */
export interface FreezeWindow {
  start: string;
  end: string;
  reason: string;
}

/** Runtime-specific target: a Kubernetes namespace (and optional context) or a Compose project. */
export type EnvironmentTarget = { namespace: string; context?: string } | { project: string };

/** A place releases go to, with its governance policy. */
export interface Environment {
  name: string;
  runtime: Runtime;
  target: EnvironmentTarget;
  production: boolean;
  approval: ApprovalPolicy;
  previewTtlSeconds: number;
  applyTimeoutSeconds: number;
  freezeWindows: FreezeWindow[];
  /** The runtime safety policy releases are judged by at preview and held to at submit and apply. */
  policy: EnvironmentPolicy;
  /** Null: releases may be made directly. */
  promotion: PromotionRule | null;
  /** Null: a release succeeds as soon as its rollout is healthy. */
  verification: VerificationPolicy | null;
  createdAt: string;
  updatedAt: string;
}

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = Object.freeze({
  required: false,
  minApprovers: 1,
  allowSelfApproval: false,
  ticketTtlSeconds: 86_400,
  rollbackWithoutApproval: false,
});

export const DEFAULT_VERIFICATION: VerificationPolicy = Object.freeze({
  windowSeconds: 60,
  maxRestarts: 0,
  httpProbe: null,
  autoRollback: false,
});

/** The approval policy for a new environment: production environments require approval unless told otherwise. */
export function defaultApprovalPolicy(production: boolean): ApprovalPolicy {
  return { ...DEFAULT_APPROVAL_POLICY, required: production };
}

export const DEFAULT_PREVIEW_TTL_SECONDS = 900;
export const DEFAULT_APPLY_TIMEOUT_SECONDS = 300;
