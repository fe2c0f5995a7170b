import type { Change } from '../core/preview/preview.js';
import type { DriverStage, ReleaseSpec, Runtime } from '../core/release/release.js';
import type { EnvironmentTarget } from '../core/environment/environment.js';
import type { Finding, RuntimeDiagnosis } from '../core/diagnostics/diagnostics.js';
import type { PolicyResource } from '../core/policy/policy.js';

/** What a driver is asked to act on: one application in one environment's target. */
export interface DeployTarget {
  environment: string;
  application: string;
  target: EnvironmentTarget;
}

/** A release as the driver sees it: the rendered spec, and the secrets to keep out of anything it reports. */
export interface DeployUnit {
  releaseId: string;
  spec: ReleaseSpec;
  rendered: string;
  secrets: readonly string[];
  /** Runtime facts recorded when the release being restored ran (a rollback pins them). */
  restore: Record<string, unknown> | null;
}

/** What a preview found. */
export interface DriverPreview {
  changes: Change[];
  liveDigest: string;
  /** The release's resources in the runtime's normalized form, for the runtime policy to judge. */
  resources: PolicyResource[];
}

export interface ApplyOptions {
  /** Called each time the driver moves to another stage. */
  onStage(stage: DriverStage, message?: string): Promise<void>;
  /** When the environment's time limit is reached. */
  deadline: Date;
  signal: AbortSignal;
}

/**
 * The end of an apply: the workload is healthy, or it is not (the driver itself worked). A failure the runtime itself
 * explained (an image that cannot be pulled, a spec it refused, a rollout past its deadline) carries that as a
 * classified `finding`, which leads the release's diagnosis.
 */
export type ApplyOutcome =
  | { ok: true; message: string; runtimeState: Record<string, unknown> | null }
  | { ok: false; message: string; runtimeState: Record<string, unknown> | null; finding?: Finding };

/** One running part of an application (a Compose container, a pod's container, a workload): what verification watches. */
export interface WorkloadUnit {
  /** Stable while the part lives, e.g. `shop-web-1` or `Pod/web-5d9c/web`. */
  name: string;
  ready: boolean;
  restarts: number;
  status: string;
}

/**
 * One runtime (Kubernetes, Compose). Throws `RUNTIME_UNAVAILABLE` when the runtime cannot be reached and
 * `VALIDATION_FAILED` when the runtime rejects the spec (during apply, a failed release); any other throw during apply
 * means the release was interrupted, not failed.
 */
export interface RuntimeDriver {
  readonly runtime: Runtime;
  /** What applying `unit` would change, and a digest of what runs now. */
  preview(target: DeployTarget, unit: DeployUnit): Promise<DriverPreview>;
  /** A digest of what runs now for the target; changes whenever the running application changes. */
  liveDigest(target: DeployTarget): Promise<string>;
  /** True when two live digests describe the same running application (without it, digests must be equal). */
  sameLive?(before: string, now: string): boolean;
  /** Applies and watches until healthy, failed or past the deadline. */
  apply(target: DeployTarget, unit: DeployUnit, options: ApplyOptions): Promise<ApplyOutcome>;
  /** Structured, runtime-aware diagnostics of what runs now for the target. */
  diagnose(target: DeployTarget, unit: DeployUnit): Promise<RuntimeDiagnosis>;
  /** The parts of the target's application that run now, with readiness and restart counts. */
  observe(target: DeployTarget): Promise<WorkloadUnit[]>;
  /** Resolves when the runtime is reachable. */
  ping(): Promise<void>;
}

/** The drivers the server was configured with, by runtime. */
export type RuntimeDrivers = Partial<Record<Runtime, RuntimeDriver>>;
