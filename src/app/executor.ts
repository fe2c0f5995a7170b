import type { Finding, RuntimeDiagnosis } from '../core/diagnostics/diagnostics.js';
import { ledBy } from '../core/diagnostics/diagnostics.js';
import type { Environment } from '../core/environment/environment.js';
import { detailOf, isShipgateError } from '../core/errors.js';
import { EXECUTION_OUTCOMES, type ExecutionOutcome } from '../core/release/execution-outcome.js';
import { TRANSITIONS } from '../core/release/release-machine.js';
import type { DriverStage, Execution, ReleaseRecord } from '../core/release/release.js';
import { redactDeep } from '../core/secrets/secret-masking.js';
import type { NewTimelineEvent } from '../core/audit/timeline-event.js';
import type { ApplyOutcome, DeployUnit } from '../ports/runtime-driver.js';
import type { StoreSession } from '../ports/store.js';
import { deployTargetOf, deployUnitOf, executionUnitOf, type AppContext } from './app-context.js';
import type { ApprovalUseCases } from './approvals.use-cases.js';
import type { ReleaseUseCases } from './releases.use-cases.js';
import { automaticRollback } from './automatic-rollback.js';
import { PollingLoop } from './polling-loop.js';
import { verifyRollout } from './verification.js';

/** How long after another process's lease ends this one looks at it: a moment later, so that it has run out. */
const LEASE_EXPIRY_SLACK_MS = 50;

/** How a driver's apply (and the verification after it) ended; a failure the runtime explained carries its finding. */
interface DriverResult {
  kind: ExecutionOutcome;
  message: string;
  runtimeState: Record<string, unknown> | null;
  finding?: Finding;
}

export interface ExecutorOptions {
  /** This process's name in leases. */
  instanceId: string;
  /** How long a lease lasts without renewal; a dead executor's releases are interrupted after this. */
  leaseMs?: number;
  /** How often to look for work written by other processes. */
  pollMs?: number;
  /** How many releases this process drives at once. */
  concurrency?: number;
  approvals?: ApprovalUseCases;
  /** For the rollback a failed verification asks for (the system acts through the same use cases as people). */
  releases?: ReleaseUseCases;
  /** How long verification waits between two checks of the workload (default 2 s). */
  verifyIntervalMs?: number;
  /** On stop, how long the releases under way may take to finish before they are interrupted (default 0). */
  shutdownGraceMs?: number;
}

/**
 * Carries out applies recorded by the API: claims each `applying` release with a lease (so that several processes
 * sharing one PostgreSQL run each release exactly once), drives the runtime through its stages, and writes
 * `succeeded`, `failed` (the workload is unhealthy) or `interrupted` (we could not drive it).
 */
export class Executor {
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly loop: PollingLoop;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: ExecutorOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    // With a change feed, other processes' applies wake this one: the poll only catches expired leases and lost wakes.
    this.pollMs = options.pollMs ?? (ctx.bus.shared ? 5_000 : 1_000);
    this.concurrency = options.concurrency ?? 4;
    this.loop = new PollingLoop(
      () => this.tick(),
      this.pollMs,
      (error) => this.ctx.logger.error({ err: error }, 'executor tick failed'),
    );
  }

  /** Starts polling; the first tick reports releases a dead process left `applying`. */
  start(): void {
    if (this.loop.start()) this.unsubscribe = this.ctx.bus.onWork(() => this.wake());
  }

  /** Looks for work now (called after an apply is recorded). */
  wake(): void {
    this.loop.wake();
  }

  /** Stops claiming work and interrupts what is running (it is reported `interrupted`). */
  /**
   * Stops claiming work; the releases under way get `shutdownGraceMs` to finish (their leases still renewed), then are
   * interrupted and recorded so. Nothing this process drove is left `applying`.
   */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.loop.stop();
    const runs = [...this.running.values()];
    const grace = this.options.shutdownGraceMs ?? 0;
    if (grace > 0 && runs.length > 0) {
      this.ctx.logger.info({ releases: runs.length, graceMs: grace }, 'letting the releases under way finish');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(runs.map((r) => r.done)), new Promise((resolve) => (timer = setTimeout(resolve, grace)))]);
      clearTimeout(timer);
    }
    for (const run of this.running.values()) run.controller.abort(new Error('the server is shutting down'));
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Resolves when nothing is running (for tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.loop.ticking) {
      await Promise.all([...this.running.values()].map((r) => r.done));
      await this.loop.ticking;
    }
  }

  private async tick(): Promise<void> {
    await this.options.approvals?.expireDue();
    await this.recoverExpiredLeases();
    await this.claimWork();
    // The next tick comes when the first lease another process holds runs out: should that process have died, its
    // release is reported as its lease ends. Asked after claiming, so that a lease another process just won counts.
    const now = this.ctx.nowIso();
    const next = await this.ctx.store.releases.nextLeaseExpiry(now, this.options.instanceId);
    if (next !== null) this.loop.within(Date.parse(next) - Date.parse(now) + LEASE_EXPIRY_SLACK_MS);
  }

  private async claimWork(): Promise<void> {
    const free = this.concurrency - this.running.size;
    if (free <= 0) return;
    const candidates = await this.ctx.store.releases.unclaimed(free);
    for (const release of candidates) {
      if (this.running.has(release.id)) continue;
      const leaseUntil = new Date(this.ctx.clock.now().getTime() + this.leaseMs).toISOString();
      if (!(await this.ctx.store.releases.claim(release.id, this.options.instanceId, leaseUntil))) continue;
      this.ctx.bus.notifyLeaseTaken();
      const controller = new AbortController();
      const done = this.execute(release.id, controller)
        .catch((error: unknown) => this.ctx.logger.error({ err: error, releaseId: release.id }, 'execution failed unexpectedly'))
        .finally(() => {
          this.running.delete(release.id);
          // A slot is free: take the next queued release now rather than at the next poll.
          this.wake();
        });
      this.running.set(release.id, { controller, done });
    }
  }

  /** Releases whose executor stopped renewing its lease become `interrupted`, with diagnostics. */
  private async recoverExpiredLeases(): Promise<void> {
    const now = this.ctx.nowIso();
    const expired = await this.ctx.store.releases.expiredLeases(now, 20);
    for (const release of expired) {
      if (this.running.has(release.id)) continue;
      // Only while the lease is still out when the write takes the row: an owner that renewed in between keeps it.
      const ended = await this.finish(
        release,
        deployUnitOf(release, null),
        'interrupt',
        { message: 'the process driving this release stopped before it finished', runtimeState: null },
        release.execution,
        now,
      );
      if (ended) this.ctx.logger.warn({ releaseId: release.id }, 'execution lease expired; the release was marked interrupted');
    }
  }

  private async execute(releaseId: string, controller: AbortController): Promise<void> {
    const release = await this.ctx.store.releases.get(releaseId);
    if (!release || release.state !== 'applying') return;
    const env = await this.ctx.environmentOf(this.ctx.store, release);
    const heartbeat = setInterval(
      () => {
        const until = new Date(this.ctx.clock.now().getTime() + this.leaseMs).toISOString();
        this.ctx.store.releases
          .renewLease(releaseId, this.options.instanceId, until)
          .then((ok) => {
            if (!ok) controller.abort(new Error('the execution lease was lost'));
          })
          .catch((error: unknown) => this.ctx.logger.warn({ err: error, releaseId }, 'lease renewal failed'));
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    heartbeat.unref();
    // Once the runtime was driven, the lease is given back only after the outcome is written: if that write fails,
    // the lease runs out and recovery reports the release interrupted. Nothing ever applies it a second time.
    let giveBackLease = true;
    try {
      let execution: Execution = {
        stage: 'applying',
        attempt: release.execution.attempt + 1,
        startedAt: this.ctx.nowIso(),
        finishedAt: null,
        message: null,
        verifyUntil: null,
      };
      await this.record(release, execution, (ev) => [
        ev('execution.started', { attempt: execution.attempt, instance: this.options.instanceId }),
        ev('execution.stage_changed', { from: release.execution.stage, to: 'applying' }),
      ]);
      giveBackLease = false;
      // The unit the runtime is driven with is the one its outcome and diagnostics are masked with: built once.
      const unit = await executionUnitOf(this.ctx.store, release);
      const onStage = async (stage: DriverStage, message?: string, verifyUntil: string | null = null) => {
        if (stage === execution.stage && verifyUntil === null) return;
        const from = execution.stage;
        execution = { ...execution, stage, message: message ?? null, verifyUntil };
        await this.record(release, execution, (ev) => [ev('execution.stage_changed', { from, to: stage, message: message ?? null })]);
      };
      let outcome = await this.runDriver(env, release, unit, controller, onStage);
      if (outcome.kind === 'succeed' && env.verification) outcome = await this.verify(env, release, controller, outcome, onStage);
      await this.finish(release, unit, outcome.kind, outcome, execution);
      giveBackLease = true;
      if (outcome.kind === 'fail' && outcome.finding?.code === 'VERIFICATION_FAILED' && env.verification?.autoRollback) {
        await this.rollBack(release);
      }
    } finally {
      clearInterval(heartbeat);
      if (giveBackLease) await this.ctx.store.releases.releaseLease(releaseId, this.options.instanceId).catch(() => undefined);
    }
  }

  /**
   * The `verifying` stage: watches the rolled-out application for the environment's window (`verification.started`,
   * then `verification.passed` or `verification.failed`). A breach fails the release with a `VERIFICATION_FAILED`
   * finding; an abort interrupts it.
   */
  private async verify(
    env: Environment,
    release: ReleaseRecord,
    controller: AbortController,
    applied: DriverResult,
    onStage: (stage: DriverStage, message?: string, verifyUntil?: string | null) => Promise<void>,
  ): Promise<DriverResult> {
    const policy = env.verification!;
    const until = new Date(this.ctx.clock.now().getTime() + policy.windowSeconds * 1000);
    await onStage('verifying', `watching the rollout for ${policy.windowSeconds}s`, until.toISOString());
    await this.record(release, null, (ev) => [
      ev('verification.started', {
        windowSeconds: policy.windowSeconds,
        maxRestarts: policy.maxRestarts,
        httpProbe: policy.httpProbe?.url ?? null,
        until: until.toISOString(),
      }),
    ]);
    try {
      const result = await verifyRollout({
        driver: this.ctx.driverFor(env.runtime),
        target: deployTargetOf(env, release),
        policy,
        clock: this.ctx.clock,
        until,
        intervalMs: this.options.verifyIntervalMs ?? 2_000,
        signal: controller.signal,
      });
      if (result.ok) {
        await this.record(release, null, (ev) => [ev('verification.passed', { checks: result.checks, message: result.message })]);
        return { ...applied, message: `${applied.message}; ${result.message}` };
      }
      await this.record(release, null, (ev) => [
        ev('verification.failed', { code: result.finding.code, message: result.message, resource: result.finding.resource }),
      ]);
      return { kind: 'fail', message: result.message, runtimeState: applied.runtimeState, finding: result.finding };
    } catch (error) {
      const message = controller.signal.aborted
        ? String((controller.signal.reason as Error | undefined)?.message ?? 'aborted')
        : detailOf(error);
      return { kind: 'interrupt', message: `verification could not finish: ${message}`, runtimeState: applied.runtimeState };
    }
  }

  /** After a failed verification: the system asks for a rollback to the last succeeded release (never fatal here). */
  private async rollBack(release: ReleaseRecord): Promise<void> {
    if (!this.options.releases) return;
    try {
      await automaticRollback(this.ctx, this.options.releases, release);
    } catch (error) {
      this.ctx.logger.warn({ err: error, releaseId: release.id }, 'the automatic rollback could not be made');
    }
  }

  private async runDriver(
    env: Environment,
    release: ReleaseRecord,
    unit: DeployUnit,
    controller: AbortController,
    onStage: (stage: DriverStage, message?: string) => Promise<void>,
  ): Promise<DriverResult> {
    const deadline = new Date(this.ctx.clock.now().getTime() + env.applyTimeoutSeconds * 1000);
    const timeout = setTimeout(
      () => controller.abort(new Error(`the apply time limit of ${env.applyTimeoutSeconds}s was reached`)),
      env.applyTimeoutSeconds * 1000 + 5_000,
    );
    timeout.unref();
    try {
      const driver = this.ctx.driverFor(env.runtime);
      const outcome: ApplyOutcome = await driver.apply(deployTargetOf(env, release), unit, {
        onStage,
        deadline,
        signal: controller.signal,
      });
      if (outcome.ok) return { kind: 'succeed', message: outcome.message, runtimeState: outcome.runtimeState };
      return {
        kind: 'fail',
        message: outcome.message,
        runtimeState: outcome.runtimeState,
        ...(outcome.finding ? { finding: outcome.finding } : {}),
      };
    } catch (error) {
      // The runtime refusing the spec is a failed release; only failing to drive the runtime interrupts it.
      if (!controller.signal.aborted && isShipgateError(error, 'VALIDATION_FAILED')) {
        const evidence = [error.detail, ...(error.metadata.errors ?? []).map((e) => `${e.path}: ${e.message}`)].join('\n');
        const resource = { kind: 'Runtime', name: env.runtime };
        const finding = {
          severity: 'error' as const,
          code: 'APPLY_REJECTED',
          resource,
          message: `the ${env.runtime} runtime refused the release`,
          evidence,
        };
        return { kind: 'fail', message: error.detail, runtimeState: null, finding };
      }
      const message = controller.signal.aborted
        ? String((controller.signal.reason as Error | undefined)?.message ?? 'aborted')
        : detailOf(error);
      return { kind: 'interrupt', message, runtimeState: null };
    } finally {
      clearTimeout(timeout);
    }
  }

  /** Writes the end of an execution: state, stage, diagnostics for failures, and rollback bookkeeping. */
  private async finish(
    release: ReleaseRecord,
    unit: DeployUnit,
    kind: ExecutionOutcome,
    outcome: { message: string; runtimeState: Record<string, unknown> | null; finding?: Finding },
    execution: Execution = release.execution,
    leaseExpiredAt?: string,
  ): Promise<boolean> {
    const message = redactDeep(outcome.message, unit.secrets);
    const diagnosis = kind === 'succeed' ? null : await this.diagnose(release, unit, message, outcome.finding);
    const rollbackSource = kind === 'succeed' && release.rollbackOf ? release.rollbackOf : null;
    const ended = await this.ctx.write(rollbackSource ? [release.id, rollbackSource] : [release.id], async (tx) => {
      const current = await tx.releases.get(release.id);
      if (!current) return null;
      const at = this.ctx.nowIso();
      const { stage, event } = EXECUTION_OUTCOMES[kind];
      // Another writer (a recovery, a second process) that reported the release first has the last word.
      const moved = await this.ctx.transitions.move(tx, current, kind, {
        by: null,
        lostRace: 'skip',
        ...(leaseExpiredAt === undefined ? {} : { leaseExpiredAt }),
        patch: {
          execution: { ...execution, stage, finishedAt: at, message },
          runtimeState: outcome.runtimeState ?? current.runtimeState,
          updatedAt: at,
        },
      });
      if (!moved) return null;
      const ev = this.ctx.events.for(current, null);
      const events: NewTimelineEvent[] = [];
      if (diagnosis) {
        await tx.diagnostics.put({
          releaseId: current.id,
          runtime: current.runtime,
          state: moved.transition.to,
          collectedAt: at,
          ...diagnosis,
        });
        events.push(
          ev.make('diagnostics.recorded', {
            summary: diagnosis.summary,
            findings: diagnosis.findings.map((f) => ({ severity: f.severity, code: f.code, resource: f.resource })),
          }),
        );
      }
      events.push(ev.make('execution.stage_changed', { from: execution.stage, to: stage }));
      events.push(ev.make(event, { attempt: execution.attempt, message }));
      if (moved.stateEvent) events.push(moved.stateEvent);
      if (rollbackSource) events.push(...(await this.completeRollback(tx, current, rollbackSource)));
      await tx.timeline.append(events);
      return at;
    });
    if (ended && execution.startedAt) {
      const seconds = (Date.parse(ended) - Date.parse(execution.startedAt)) / 1000;
      this.ctx.metrics.applyFinished({ runtime: release.runtime, outcome: TRANSITIONS[kind].to, seconds });
    }
    return ended !== null;
  }

  private async completeRollback(tx: StoreSession, rollback: ReleaseRecord, sourceId: string): Promise<NewTimelineEvent[]> {
    const events = [
      this.ctx.events.for(rollback, null).make('rollback.completed', { rollbackOf: sourceId, rollbackTo: rollback.rollbackTo }),
    ];
    const source = await tx.releases.get(sourceId);
    if (!source) return events;
    const moved = await this.ctx.transitions.move(tx, source, 'markRolledBack', {
      by: null,
      lostRace: 'skip',
      patch: { updatedAt: this.ctx.nowIso() },
    });
    if (moved) {
      events.push(
        this.ctx.events.for(source, null).make('rollback.completed', { rollbackReleaseId: rollback.id, rollbackTo: rollback.rollbackTo }),
      );
      if (moved.stateEvent) events.push(moved.stateEvent);
    }
    return events;
  }

  /** What runs now, led by the apply's own finding when the runtime explained the failure (`lead`). */
  private async diagnose(release: ReleaseRecord, unit: DeployUnit, message: string, lead?: Finding): Promise<RuntimeDiagnosis> {
    try {
      const env = await this.ctx.environmentOf(this.ctx.store, release);
      const diagnosis = await this.ctx.driverFor(env.runtime).diagnose(deployTargetOf(env, release), unit);
      return redactDeep(ledBy(diagnosis, lead), unit.secrets);
    } catch (error) {
      const unreachable: Finding = {
        severity: 'error',
        code: 'RUNTIME_UNREACHABLE',
        resource: { kind: 'Runtime', name: release.runtime },
        message: 'diagnostics could not be collected from the runtime',
        evidence: detailOf(error),
      };
      return redactDeep(ledBy({ summary: message, findings: [unreachable], resources: [], logs: [] }, lead), unit.secrets);
    }
  }

  private async record(
    release: ReleaseRecord,
    execution: Execution | null,
    make: (ev: (type: NewTimelineEvent['type'], data: Record<string, unknown>) => NewTimelineEvent) => NewTimelineEvent[],
  ): Promise<void> {
    await this.ctx.write([release.id], async (tx) => {
      if (
        !(await this.ctx.transitions.update(
          tx,
          { ...release, state: 'applying' },
          { ...(execution ? { execution } : {}), updatedAt: this.ctx.nowIso() },
          'skip',
        ))
      )
        return;
      const ev = this.ctx.events.for(release, null);
      await tx.timeline.append(make((type, data) => ev.make(type, data)));
    });
  }
}
