// Seeds a store at scale through its own repositories, the way the app writes it: releases drafted by `deployDraft`,
// and the previews, approval tickets (`openTicket`) and timeline events (the app's `TimelineEvents`) of the lifecycle
// that brought each to its state. Writes go in transactions of many repository calls, events appended a thousand at
// a time and chained with the bench's audit key (the server starts with the same key, so the chain it finds verifies).
import pg from 'pg';
import { isPostgresUrl } from '../../src/adapters/storage/database.js';
import { KyselyStore } from '../../src/adapters/storage/kysely-store.js';
import { AuditKeyring } from '../../src/adapters/system/audit-keyring.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { UuidV7Ids } from '../../src/adapters/system/uuid-ids.js';
import type { Caller } from '../../src/app/caller.js';
import { createdEventData, deployDraft, previewCreatedEventData } from '../../src/app/release-drafts.js';
import { TimelineEvents } from '../../src/app/release-events.js';
import { SecretCache } from '../../src/app/secret-cache.js';
import { approvalRequiredFor, approvalsGiven, openTicket, type ApprovalTicket } from '../../src/core/approval/approval.js';
import type { NewTimelineEvent } from '../../src/core/audit/timeline-event.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { sha256Digest } from '../../src/core/digest.js';
import { driftEventData } from '../../src/core/drift/drift.js';
import type { Environment } from '../../src/core/environment/environment.js';
import { formatPreviewToken, previewTokenHash, summarize, type Change, type PreviewRecord } from '../../src/core/preview/preview.js';
import type { Channel, ExecutionStage, ReleaseRecord, ReleaseState } from '../../src/core/release/release.js';
import { BENCH_AUDIT_KEY } from './shipgate-process.js';

/** The states a seeded release may end in: those a release reaches and stays in without the executor running. */
export type SeededState = Extract<
  ReleaseState,
  'draft' | 'previewed' | 'pending_approval' | 'approved' | 'rejected' | 'cancelled' | 'succeeded' | 'failed'
>;

/** One release to seed: where, and the state its lifecycle ends in. */
export interface ReleasePlan {
  application: string;
  environment: string;
  state: SeededState;
  /** Drift found again and again after a success (a long-running release): that many more events. Default 0. */
  drifts?: number;
}

export interface SeedOptions {
  /** Stop once this many releases are written. */
  releases?: number;
  /** Stop once at least this many events are written. */
  events?: number;
  /** How many releases are under way at once: their events interleave in the chain, as concurrent work's do. */
  interleave?: number;
}

export interface SeedResult {
  releaseIds: string[];
  events: number;
  ms: number;
}

/** A release's records and events, built before they are written. */
interface SeededRelease {
  record: ReleaseRecord;
  previews: PreviewRecord[];
  ticket: ApprovalTicket | null;
  events: NewTimelineEvent[];
}

const AUTHORS = ['dana', 'lee', 'sam', 'ci-deploy'];
const APPROVERS = ['ops-kim', 'ops-raj', 'ops-ana'];
const CHANNELS: Channel[] = ['api', 'ui', 'cli'];
const IMAGES = 'registry.example.com';
const EVENTS_PER_APPEND = 1_000;
const EVENTS_PER_TRANSACTION = 20_000;

/** A small seeded pseudo-random generator (mulberry32), so both stores get the same data. */
export function pseudoRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes releases and their lifecycles into a store the server will open afterwards (its environments made already).
 * @example const seeder = await StoreSeeder.open(database.url); await seeder.seed((i) => plan(i), { events: 10_000 })
 */
export class StoreSeeder {
  private readonly ids = new UuidV7Ids();
  private readonly secrets = new SecretCache();
  private readonly events = new TimelineEvents(systemClock, this.ids, this.secrets);
  private readonly random = pseudoRandom(1);
  private made = 0;

  private constructor(
    private readonly store: KyselyStore,
    private readonly url: string,
    private readonly environments: Map<string, Environment>,
  ) {}

  static async open(url: string): Promise<StoreSeeder> {
    const store = await KyselyStore.create({ url, chain: AuditKeyring.fromSecret(BENCH_AUDIT_KEY) });
    const environments = await store.environments.list();
    return new StoreSeeder(store, url, new Map(environments.map((e) => [e.name, e])));
  }

  /** Seeds the releases `plan` gives (the i-th of this call for each i) until `options` says stop. */
  async seed(plan: (i: number) => ReleasePlan, options: SeedOptions): Promise<SeedResult> {
    const started = performance.now();
    const interleave = options.interleave ?? 50;
    const result: SeedResult = { releaseIds: [], events: 0, ms: 0 };
    let pending: SeededRelease[] = [];
    let pendingEvents: NewTimelineEvent[] = [];
    const enough = () =>
      (options.releases !== undefined && result.releaseIds.length >= options.releases) ||
      (options.events !== undefined && result.events >= options.events);
    while (!enough()) {
      const group: SeededRelease[] = [];
      while (group.length < interleave && !enough()) {
        const built = this.build(plan(result.releaseIds.length));
        group.push(built);
        result.releaseIds.push(built.record.id);
        result.events += built.events.length;
      }
      pending.push(...group);
      pendingEvents.push(...this.interleaved(group));
      if (pendingEvents.length >= EVENTS_PER_TRANSACTION) {
        await this.write(pending, pendingEvents);
        pending = [];
        pendingEvents = [];
      }
    }
    await this.write(pending, pendingEvents);
    result.ms = performance.now() - started;
    return result;
  }

  /**
   * Brings the planner's statistics up to date on PostgreSQL, as autovacuum does in a store that grew over time (a
   * bulk load outruns it). SQLite keeps no statistics unless told to, and the app never tells it: nothing to do.
   */
  async settle(): Promise<void> {
    if (!isPostgresUrl(this.url)) return;
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query('vacuum analyze');
    } finally {
      await client.end();
    }
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private async write(releases: SeededRelease[], events: NewTimelineEvent[]): Promise<void> {
    if (releases.length === 0) return;
    await this.store.transaction(async (tx) => {
      for (const r of releases) await tx.releases.insert(r.record);
      for (const r of releases) for (const p of r.previews) await tx.previews.insert(p);
      for (const r of releases) if (r.ticket) await tx.approvals.insert(r.ticket);
      for (let i = 0; i < events.length; i += EVENTS_PER_APPEND) await tx.timeline.append(events.slice(i, i + EVENTS_PER_APPEND));
    });
  }

  /** The events of releases under way at once, each release's in its order, spread among the others' at random. */
  private interleaved(group: SeededRelease[]): NewTimelineEvent[] {
    const placed = group.flatMap((r) => {
      const at = r.events.map(() => this.random()).sort((a, b) => a - b);
      return r.events.map((event, i) => ({ event, at: at[i]! }));
    });
    return placed.sort((a, b) => a.at - b.at).map((p) => p.event);
  }

  /** A release and everything its lifecycle wrote on the way to `plan.state`. */
  private build(plan: ReleasePlan): SeededRelease {
    const n = this.made++;
    const env = this.environments.get(plan.environment);
    if (!env) throw new Error(`environment "${plan.environment}" is not in the store`);
    const author = AUTHORS[n % AUTHORS.length]!;
    const caller: Caller = { principal: { subject: author, bindings: [] }, channel: CHANNELS[n % CHANNELS.length]! };
    const tag = `1.${Math.floor(n / 1000)}.${n % 1000}`;
    const now = () => systemClock.now().toISOString();
    let record = deployDraft(caller, {
      id: this.ids.newId(),
      now: now(),
      application: plan.application,
      env,
      spec: {
        compose: `services:\n  ${plan.application}:\n    image: ${IMAGES}/${plan.application}:\${TAG}\n    restart: unless-stopped\n`,
      },
      parameters: { TAG: tag, LOG_LEVEL: 'info' },
      description: `${plan.application} ${tag}`,
    });
    const seeded: SeededRelease = { record, previews: [], ticket: null, events: [] };
    const ev = this.events.for(record, caller);
    const system = this.events.for(record, null);
    const push = (...events: NewTimelineEvent[]) => seeded.events.push(...events);
    const move = (to: ReleaseState, by = ev) => {
      push(by.make('release.state_changed', { from: record.state, to }));
      record = { ...record, state: to, updatedAt: now() };
    };
    const done = () => ({ ...seeded, record, events: [...seeded.events, ...this.drifts(record, plan.drifts ?? 0)] });

    push(ev.make('release.created', createdEventData(record, null, this.secrets.of(record))));
    if (plan.state === 'draft') return done();

    const preview = this.preview(record, env, author);
    seeded.previews.push(preview);
    push(ev.make('preview.created', previewCreatedEventData(preview)));
    record = { ...record, previewId: preview.id };
    move('previewed');
    if (plan.state === 'previewed') return done();
    if (plan.state === 'cancelled') {
      push(ev.make('release.cancelled', { from: record.state }));
      move('cancelled');
      return done();
    }

    const required = approvalRequiredFor(env.approval, record.kind);
    push(ev.make('release.submitted', { draftRevision: record.draftRevision, approvalRequired: required }));
    if (!required) {
      if (plan.state === 'pending_approval' || plan.state === 'rejected') {
        throw new Error(`environment "${env.name}" requires no approval: no release of it is ${plan.state}`);
      }
      move('approved');
    } else {
      let ticket = openTicket(record, env.approval, { id: this.ids.newId(), requestedBy: author, now: systemClock.now() });
      record = { ...record, ticketId: ticket.id };
      push(
        ev.make('approval.requested', {
          ticketId: ticket.id,
          minApprovers: ticket.minApprovers,
          draftDigest: ticket.draftDigest,
          expiresAt: ticket.expiresAt,
        }),
      );
      move('pending_approval');
      if (plan.state !== 'pending_approval') {
        const rejecting = plan.state === 'rejected';
        for (let k = 0; k < (rejecting ? 1 : ticket.minApprovers); k++) {
          const approver = APPROVERS[(n + k) % APPROVERS.length]!;
          const decision = { approver, decision: rejecting ? ('reject' as const) : ('approve' as const), comment: '', at: now() };
          const decisions = [...ticket.decisions, decision];
          const status = rejecting ? 'rejected' : approvalsGiven(decisions) >= ticket.minApprovers ? 'approved' : 'pending';
          ticket = { ...ticket, decisions, status, closedAt: status === 'pending' ? null : decision.at };
          const by = this.events.for(record, { principal: { subject: approver, bindings: [] }, channel: 'ui' });
          push(
            by.make(rejecting ? 'approval.rejected' : 'approval.approved', {
              ticketId: ticket.id,
              approver,
              comment: '',
              approvals: approvalsGiven(decisions),
              minApprovers: ticket.minApprovers,
              ticketStatus: status,
            }),
          );
          if (status !== 'pending') move(status, by);
        }
      }
      seeded.ticket = ticket;
    }
    if (plan.state === 'pending_approval' || plan.state === 'approved' || plan.state === 'rejected') return done();

    // Applied: the preview is used up, the executor drives it through its stages to success or failure.
    seeded.previews[0] = { ...preview, consumedAt: now() };
    push(ev.make('apply.requested', { previewId: preview.id, draftRevision: record.draftRevision }));
    move('applying');
    const startedAt = now();
    const stages: ExecutionStage[] = ['not_started', 'queued', 'applying', 'waiting_for_rollout'];
    for (let k = 1; k < stages.length; k++) {
      push((k === 1 ? ev : system).make('execution.stage_changed', { from: stages[k - 1], to: stages[k] }));
      if (k === 1) push(system.make('execution.started', { attempt: 1 }));
    }
    const succeeded = plan.state === 'succeeded';
    const message = succeeded ? null : `service ${plan.application} exited with code 1`;
    push(system.make('execution.stage_changed', { from: 'waiting_for_rollout', to: succeeded ? 'completed' : 'failed' }));
    push(system.make(succeeded ? 'execution.succeeded' : 'execution.failed', { attempt: 1, message }));
    move(plan.state, system);
    record = {
      ...record,
      execution: {
        stage: succeeded ? 'completed' : 'failed',
        attempt: 1,
        startedAt,
        finishedAt: now(),
        message,
        verifyUntil: null,
      },
      runtimeState: { images: { [plan.application]: `sha256:${sha256Digest(record.renderedSpec).slice(-64)}` } },
    };
    return done();
  }

  /** The preview a release was shown: one service updated to its new image, the baseline policy passed. */
  private preview(record: ReleaseRecord, env: Environment, author: string): PreviewRecord {
    const changes: Change[] = [
      {
        action: 'update',
        kind: 'Service',
        name: record.application,
        diff: `-image: ${IMAGES}/${record.application}:previous\n+image: ${IMAGES}/${record.application}:${record.parameters['TAG']}`,
      },
    ];
    const created = systemClock.now();
    return {
      id: this.ids.newId(),
      releaseId: record.id,
      draftRevision: record.draftRevision,
      draftDigest: record.draftDigest,
      liveDigest: sha256Digest(`live:${record.application}:${record.environment}`),
      tokenHash: previewTokenHash(formatPreviewToken(this.ids.randomBytes(32)))!,
      createdAt: created.toISOString(),
      expiresAt: new Date(created.getTime() + env.previewTtlSeconds * 1000).toISOString(),
      consumedAt: null,
      summary: summarize(changes),
      changes,
      policy: { passed: true, violations: [] },
      // As the app digests an environment's policy for the preview's verdict.
      policyDigest: sha256Digest(canonicalJson(env.policy)),
      createdBy: author,
      conversationId: null,
    };
  }

  /** `count` drifts the background check found on a succeeded release, each with a new fingerprint. */
  private drifts(record: ReleaseRecord, count: number): NewTimelineEvent[] {
    const system = this.events.for(record, null);
    return Array.from({ length: count }, (_, k) => {
      const changes: Change[] = [
        { action: 'update', kind: 'Service', name: record.application, diff: `-replicas: 2\n+replicas: ${3 + k}` },
      ];
      return system.make(
        'drift.detected',
        driftEventData({
          application: record.application,
          environment: record.environment,
          releaseId: record.id,
          status: 'drifted',
          checkedAt: systemClock.now().toISOString(),
          changes,
          message: null,
          fingerprint: sha256Digest(canonicalJson(changes)),
        }),
      );
    });
  }
}
