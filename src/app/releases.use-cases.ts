import { environmentsWith, type Permission } from '../core/access/access.js';
import { canonicalJson } from '../core/canonical-json.js';
import { DNS_LABEL, follows } from '../core/names.js';
import { sha256Digest } from '../core/digest.js';
import { baselineRules } from '../core/policy/baseline-rules.js';
import {
  denials,
  evaluateCustomRules,
  evaluatePolicy,
  imagesOf,
  withViolations,
  type PolicyInput,
  type PolicyResource,
  type PolicyResult,
} from '../core/policy/policy.js';
import { activeFreezeWindow, approvalRequiredFor, isApprovalComplete, openTicket, type ApprovalTicket } from '../core/approval/approval.js';
import type { NewTimelineEvent, TimelineEvent } from '../core/audit/timeline-event.js';
import type { Diagnostics } from '../core/diagnostics/diagnostics.js';
import { sortFindings } from '../core/diagnostics/diagnostics.js';
import type { Environment } from '../core/environment/environment.js';
import { ShipgateError, isShipgateError, previewRequired } from '../core/errors.js';
import {
  checkPreviewFor,
  checkPreviewLive,
  formatPreviewToken,
  previewTokenHash,
  summarize,
  type PreviewRecord,
} from '../core/preview/preview.js';
import { draftDigest } from '../core/preview/draft-digest.js';
import { NOT_STARTED, type Release, type ReleaseRecord, type ReleaseSpec, type ReleaseState } from '../core/release/release.js';
import {
  REPREVIEW_STATES,
  checkRollbackSource,
  checkRollbackTarget,
  transition,
  type ReleaseCommand,
} from '../core/release/release-machine.js';
import { maskParameters, redactDeep, secretValuesOf, withoutSecrets } from '../core/secrets/secret-masking.js';
import type { StoreSession } from '../ports/store.js';
import { deployTargetOf, deployUnitOf, type AppContext } from './app-context.js';
import { missingFor, requirePermission, type Caller } from './caller.js';
import { recordRefusal } from './refusals.js';
import { checkPromotion, promotionDraft, type PromoteInput } from './promotions.js';
import {
  carriedFrom,
  conversationOf,
  createdEventData,
  deployDraft,
  previewCreatedEventData,
  newDraft,
  renderFor,
} from './release-drafts.js';
import { storedReleaseView, storedReleaseViews } from './release-view.js';

export type { PromoteInput } from './promotions.js';

export interface CreateReleaseInput {
  application: string;
  environment: string;
  spec?: ReleaseSpec;
  /** Start from another release's spec (and parameters, overridden by `parameters`). */
  fromReleaseId?: string;
  parameters?: Record<string, string>;
  description?: string;
  channel?: 'ui' | 'api' | 'cli';
}

export interface EditReleaseInput {
  spec?: ReleaseSpec;
  parameters?: Record<string, string>;
  description?: string;
}

/** An admin's decision to go ahead despite the runtime policy's deny violations; the reason is recorded. */
export interface PolicyOverride {
  reason: string;
}

/**
 * How a caller shows the preview a submit or apply goes by: the single-use token the preview returned, or — for the
 * command center, which never keeps tokens — the id of a preview this same caller made through this same
 * conversation (see {@link ReleaseUseCases.verifyPreview}).
 */
export interface PreviewProof {
  previewToken?: string;
  previewId?: string;
}

export interface SubmitInput extends PreviewProof {
  policyOverride?: PolicyOverride;
}

export interface ApplyInput extends PreviewProof {
  policyOverride?: PolicyOverride;
  /** Apply inside a freeze window; admins only, and the reason is recorded. */
  freezeOverride?: { reason: string };
}

/** A preview as returned once to its maker, with its token. */
export interface PreviewResult {
  id: string;
  token: string;
  releaseId: string;
  draftRevision: number;
  draftDigest: string;
  liveDigest: string;
  createdAt: string;
  expiresAt: string;
  summary: PreviewRecord['summary'];
  changes: PreviewRecord['changes'];
  policy: PolicyResult;
}

export interface ListReleasesInput {
  environment?: string;
  application?: string;
  state?: ReleaseState;
  limit?: number;
  cursor?: string;
}

/** The release use cases: draft, edit, preview, submit, apply, cancel, rollback, and reading them. */
export class ReleaseUseCases {
  constructor(private readonly ctx: AppContext) {}

  /** Loads a release or throws `NOT_FOUND` (for a reload inside a transaction, after the permission check). */
  private async load(session: StoreSession, id: string): Promise<ReleaseRecord> {
    const release = await session.releases.get(id);
    if (!release) throw new ShipgateError('NOT_FOUND', `release ${id} not found`);
    return release;
  }

  /**
   * Loads a release the caller holds `permission` on. A missing release answers as an unreadable one would (see
   * `missingFor`), so an id never tells whether it exists.
   */
  private async loadFor(session: StoreSession, caller: Caller, permission: Permission, id: string): Promise<ReleaseRecord> {
    const release = await session.releases.get(id);
    if (!release) throw missingFor(caller, permission, `release ${id}`);
    requirePermission(caller, permission, release.environment);
    return release;
  }

  /** Loads a release the caller holds `deployment:read` on. */
  private async loadReadable(caller: Caller, id: string): Promise<ReleaseRecord> {
    return this.loadFor(this.ctx.store, caller, 'deployment:read', id);
  }

  /** The normalized view of a stored release. */
  async view(session: StoreSession, release: ReleaseRecord): Promise<Release> {
    return storedReleaseView(session, release, this.ctx.clock.now(), this.ctx.secrets.of(release));
  }

  async get(caller: Caller, id: string): Promise<Release> {
    return this.view(this.ctx.store, await this.loadReadable(caller, id));
  }

  async list(caller: Caller, input: ListReleasesInput): Promise<{ items: Release[]; nextCursor: string | null }> {
    const limit = input.limit ?? 50;
    const records = await this.ctx.store.releases.list({
      readable: environmentsWith(caller.principal, 'deployment:read'),
      environment: input.environment,
      application: input.application,
      state: input.state,
      limit: limit + 1,
      beforeId: input.cursor,
    });
    const page = records.slice(0, limit);
    const items = await storedReleaseViews(this.ctx.store, page, this.ctx.clock.now(), (r) => this.ctx.secrets.of(r));
    return { items, nextCursor: records.length > limit ? (page[page.length - 1]?.id ?? null) : null };
  }

  async create(caller: Caller, input: CreateReleaseInput): Promise<Release> {
    requirePermission(caller, 'deployment:write', input.environment);
    if (!follows(DNS_LABEL, input.application)) {
      throw new ShipgateError('VALIDATION_FAILED', `application must be ${DNS_LABEL.description}`, {
        errors: [{ path: '/application', message: `must be ${DNS_LABEL.description}` }],
      });
    }
    const env = await this.ctx.store.environments.get(input.environment);
    if (!env) throw new ShipgateError('NOT_FOUND', `environment "${input.environment}" not found`);
    let spec = input.spec;
    let parameters = input.parameters ?? {};
    if (input.fromReleaseId !== undefined) {
      const from = await this.loadReadable(caller, input.fromReleaseId);
      if (from.runtime !== env.runtime) {
        throw new ShipgateError('VALIDATION_FAILED', `release ${from.id} is for another runtime (${from.runtime})`, {
          errors: [{ path: '/fromReleaseId', message: 'must be a release of the same runtime' }],
        });
      }
      const carried = carriedFrom(caller, from, env.name, input.spec === undefined);
      spec ??= carried.spec;
      parameters = { ...carried.parameters, ...parameters };
    }
    if (!spec) {
      throw new ShipgateError('VALIDATION_FAILED', 'spec or fromReleaseId is required', {
        errors: [{ path: '/spec', message: 'required unless fromReleaseId is given' }],
      });
    }
    const record = deployDraft(caller, {
      id: this.ctx.ids.newId(),
      now: this.ctx.nowIso(),
      application: input.application,
      env,
      spec,
      parameters,
      description: input.description ?? null,
      channel: input.channel,
    });
    return this.ctx.write([record.id], async (tx) => {
      await tx.releases.insert(record);
      const ev = this.ctx.events.for(record, caller, record.channel);
      await tx.timeline.append([
        ev.make('release.created', createdEventData(record, input.fromReleaseId ?? null, this.ctx.secrets.of(record))),
      ]);
      return this.view(tx, record);
    });
  }

  /**
   * Drafts, in another environment, the promotion of a succeeded release: its spec with images pinned to what ran,
   * `promotedFrom` and provenance set, `release.promoted` on both timelines. Needs `deployment:read` on the
   * release's environment and `deployment:write` on the target.
   */
  async promote(caller: Caller, id: string, input: PromoteInput): Promise<Release> {
    const source = await this.loadReadable(caller, id);
    requirePermission(caller, 'deployment:write', input.environment);
    const env = await this.ctx.store.environments.get(input.environment);
    if (!env) throw new ShipgateError('NOT_FOUND', `environment "${input.environment}" not found`);
    const record = promotionDraft(this.ctx, caller, source, env, input);
    const provenance = record.provenance!;
    return this.ctx.write([record.id, source.id], async (tx) => {
      await tx.releases.insert(record);
      const ev = this.ctx.events.for(record, caller, record.channel);
      await tx.timeline.append([
        ev.make('release.created', createdEventData(record, source.id, this.ctx.secrets.of(record))),
        ev.make('release.promoted', {
          promotedFrom: source.id,
          fromEnvironment: source.environment,
          succeededAt: provenance.succeededAt,
          images: provenance.images,
        }),
        this.ctx.events.for(source, caller, record.channel).make('release.promoted', {
          promotedTo: record.id,
          toEnvironment: env.name,
          images: provenance.images,
        }),
      ]);
      return this.view(tx, record);
    });
  }

  async edit(caller: Caller, id: string, input: EditReleaseInput): Promise<Release> {
    return this.ctx.write([id], async (tx) => {
      const release = await this.loadFor(tx, caller, 'deployment:write', id);
      const t = transition(release.state, 'edit');
      if (release.kind === 'rollback' && (input.spec !== undefined || input.parameters !== undefined)) {
        // A rollback restores exactly what an earlier release ran; a different spec is a new deploy, not a rollback.
        throw new ShipgateError(
          'VALIDATION_FAILED',
          'a rollback restores the spec of the release it rolls back to; draft a new release to change it',
          {
            errors: [{ path: input.spec !== undefined ? '/spec' : '/parameters', message: 'cannot be changed on a rollback release' }],
          },
        );
      }
      if (release.provenance && input.spec !== undefined) {
        // A promotion's spec is what ran upstream, images pinned: a different spec has not soaked anywhere.
        throw new ShipgateError('VALIDATION_FAILED', 'a promotion keeps the spec that ran upstream; draft a new release to change it', {
          errors: [{ path: '/spec', message: 'cannot be changed on a promoted release' }],
        });
      }
      const env = await this.ctx.environmentOf(tx, release);
      const spec = input.spec ?? release.spec;
      const parameters = input.parameters ?? release.parameters;
      const rendered = renderFor(env, spec, parameters);
      const updated: ReleaseRecord = {
        ...release,
        state: t.to,
        spec,
        parameters,
        renderedSpec: rendered,
        description: input.description !== undefined ? input.description : release.description,
        draftRevision: release.draftRevision + 1,
        draftDigest: draftDigest(spec, rendered, parameters),
        ticketId: null,
        authors: release.authors.includes(caller.principal.subject) ? release.authors : [...release.authors, caller.principal.subject],
        updatedAt: this.ctx.nowIso(),
      };
      const ev = this.ctx.events.for(updated, caller);
      const events = [
        ev.make('release.updated', {
          draftRevision: updated.draftRevision,
          draftDigest: updated.draftDigest,
          // As the API shows them: secret names masked whole, however short the value.
          parameters: maskParameters(updated.parameters, this.ctx.secrets.of(updated)),
          description: updated.description,
        }),
      ];
      const voided = await this.voidTicket(tx, release);
      if (voided) events.push(ev.make('approval.voided', { ticketId: voided, reason: 'the draft was edited' }));
      events.push(...(await this.move(tx, caller, release, t.command, updated)));
      await tx.timeline.append(events);
      return this.view(tx, updated);
    });
  }

  /**
   * Previews a release against what runs now and judges it by the environment's runtime policy. In
   * `pending_approval` and `approved` it makes a fresh preview of the same revision without touching the ticket or
   * the state: the approval is bound to the draft digest, not to a preview.
   */
  async preview(caller: Caller, id: string): Promise<PreviewResult> {
    const release = await this.loadFor(this.ctx.store, caller, 'deployment:write', id);
    if (!REPREVIEW_STATES.includes(release.state)) transition(release.state, 'preview');
    const env = await this.ctx.environmentOf(this.ctx.store, release);
    const driver = this.ctx.driverFor(env.runtime);
    const unit = deployUnitOf(release, null);
    const result = await driver.preview(deployTargetOf(env, release), unit).catch((error: unknown) => {
      throw withoutSecrets(error, unit.secrets);
    });
    const changes = redactDeep(result.changes, unit.secrets);
    const builtIn = evaluatePolicy(env.policy, baselineRules(env.runtime), result.resources);
    const custom = this.ctx.rules ? evaluateCustomRules(env.policy.rules, this.policyInput(release, result.resources), this.ctx.rules) : [];
    const policy = redactDeep(withViolations(builtIn, custom), unit.secrets);
    const token = formatPreviewToken(this.ctx.ids.randomBytes(32));
    const now = this.ctx.clock.now();
    const preview: PreviewRecord = {
      id: this.ctx.ids.newId(),
      releaseId: release.id,
      draftRevision: release.draftRevision,
      draftDigest: release.draftDigest,
      liveDigest: result.liveDigest,
      tokenHash: previewTokenHash(token) as string,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + env.previewTtlSeconds * 1000).toISOString(),
      consumedAt: null,
      summary: summarize(changes),
      changes,
      policy,
      policyDigest: policyDigest(env),
      createdBy: caller.principal.subject,
      conversationId: conversationOf(caller),
    };
    await this.ctx.write([id], async (tx) => {
      const current = await this.load(tx, id);
      if (current.draftRevision !== release.draftRevision) {
        throw new ShipgateError('INVALID_STATE', 'the draft changed while the preview was made; preview again');
      }
      await tx.previews.insert(preview);
      // In pending_approval and approved the release stays where it is: the approval is bound to the draft.
      const stateEvents = REPREVIEW_STATES.includes(current.state)
        ? (await this.ctx.transitions.update(tx, current, { previewId: preview.id, updatedAt: preview.createdAt }, 'conflict'), [])
        : await this.move(tx, caller, current, 'preview', { ...current, previewId: preview.id, updatedAt: preview.createdAt });
      const ev = this.ctx.events.for(current, caller);
      const events = [ev.make('preview.created', previewCreatedEventData(preview)), ...stateEvents];
      await tx.timeline.append(events);
    });
    const {
      tokenHash: _hash,
      consumedAt: _consumed,
      policyDigest: _digest,
      createdBy: _by,
      conversationId: _conversation,
      ...shown
    } = preview;
    return { ...shown, token };
  }

  /** What a custom rule sees of a release: parameters masked as the API shows them, images, resources. */
  private policyInput(release: ReleaseRecord, resources: readonly PolicyResource[]): PolicyInput {
    const parameters = maskParameters(release.parameters, this.ctx.secrets.of(release));
    const shown = resources.map((r) => ({ kind: r.kind, name: r.name, spec: r.spec }));
    return {
      release: { application: release.application, environment: release.environment, kind: release.kind, parameters },
      images: imagesOf(shown),
      resources: shown,
    };
  }

  /**
   * Holds a release to its preview's policy verdict: deny violations refuse it (`POLICY_DENIED`) unless an admin
   * overrides with a reason, which the returned event records. A verdict reached under another version of the
   * environment's policy is stale.
   */
  private checkPolicy(
    caller: Caller,
    env: Environment,
    release: ReleaseRecord,
    preview: PreviewRecord,
    override: PolicyOverride | undefined,
  ) {
    if (preview.policyDigest !== policyDigest(env)) {
      throw previewRequired('PREVIEW_STALE', "the environment's runtime policy changed since the preview; preview again");
    }
    const denied = denials(preview.policy);
    if (denied.length === 0) return null;
    const reason = override?.reason.trim();
    if (!reason) {
      throw new ShipgateError(
        'POLICY_DENIED',
        `the release violates ${denied.length} deny rule(s) of environment "${env.name}"'s runtime policy: ` +
          `${denied.map((v) => `${v.resource.kind}/${v.resource.name}: ${v.message}`).join('; ')}`,
        {
          violations: denied,
        },
      );
    }
    requirePermission(caller, 'admin', env.name);
    return this.ctx.events.for(release, caller).make('policy.overridden', { previewId: preview.id, reason, violations: denied });
  }

  /**
   * Finds the preview a proof stands for and checks it against the release and what runs now. A preview id (instead
   * of its token) is accepted only from the command center, for a preview the same caller made in the same
   * conversation: preview ids are visible to every reader of the release, so the id alone proves nothing.
   */
  private async verifyPreview(
    session: StoreSession,
    caller: Caller,
    release: ReleaseRecord,
    env: Environment,
    proof: PreviewProof,
  ): Promise<PreviewRecord> {
    const preview = await this.previewOf(session, caller, proof);
    checkPreviewFor(preview, release, this.ctx.clock.now());
    const driver = this.ctx.driverFor(env.runtime);
    checkPreviewLive(preview, await driver.liveDigest(deployTargetOf(env, release)), driver.sameLive?.bind(driver));
    return preview;
  }

  private async previewOf(session: StoreSession, caller: Caller, proof: PreviewProof): Promise<PreviewRecord> {
    const { previewToken: token, previewId } = proof;
    if (token !== undefined && token !== '') {
      const hash = previewTokenHash(token);
      const preview = hash ? await session.previews.getByTokenHash(hash) : null;
      if (!preview) throw previewRequired('PREVIEW_INVALID', 'the preview token is not one Shipgate issued');
      return preview;
    }
    if (previewId === undefined || previewId === '')
      throw previewRequired('PREVIEW_MISSING', 'a previewToken from POST /releases/{id}/preview is required');
    const conversationId = conversationOf(caller);
    const preview = conversationId ? await session.previews.get(previewId) : null;
    if (!preview || preview.conversationId !== conversationId || preview.createdBy !== caller.principal.subject) {
      throw previewRequired('PREVIEW_INVALID', 'the preview was not made by this caller in this conversation');
    }
    return preview;
  }

  async submit(caller: Caller, id: string, input: SubmitInput): Promise<Release> {
    const release = await this.loadFor(this.ctx.store, caller, 'deployment:write', id);
    const env = await this.ctx.environmentOf(this.ctx.store, release);
    const preview = await this.verifyPreview(this.ctx.store, caller, release, env, input);
    transition(release.state, approvalRequiredFor(env.approval, release.kind) ? 'submitForApproval' : 'submitWithoutApproval');
    const overridden = this.checkPolicy(caller, env, release, preview, input.policyOverride);
    await checkPromotion(this.ctx.store, env, release, this.ctx.clock.now());
    return this.ctx.write([id], async (tx) => {
      const current = await this.load(tx, id);
      if (current.draftRevision !== release.draftRevision) throw previewRequired('PREVIEW_MISMATCH', 'the draft changed');
      const required = approvalRequiredFor(env.approval, current.kind);
      const t = transition(current.state, required ? 'submitForApproval' : 'submitWithoutApproval');
      const now = this.ctx.clock.now();
      const ev = this.ctx.events.for(current, caller);
      let ticket: ApprovalTicket | null = null;
      if (required) {
        ticket = openTicket(current, env.approval, { id: this.ctx.ids.newId(), requestedBy: caller.principal.subject, now });
        await tx.approvals.insert(ticket);
      }
      const updated: ReleaseRecord = { ...current, state: t.to, ticketId: ticket?.id ?? current.ticketId, updatedAt: now.toISOString() };
      const stateEvents = await this.move(tx, caller, current, t.command, updated);
      const events = [
        ...(overridden ? [overridden] : []),
        ev.make('release.submitted', { draftRevision: current.draftRevision, approvalRequired: required }),
      ];
      if (ticket) {
        events.push(
          ev.make('approval.requested', {
            ticketId: ticket.id,
            minApprovers: ticket.minApprovers,
            draftDigest: ticket.draftDigest,
            expiresAt: ticket.expiresAt,
          }),
        );
      }
      events.push(...stateEvents);
      await tx.timeline.append(events);
      return this.view(tx, updated);
    });
  }

  /**
   * Records the intent to apply and answers with the release in `applying`; the executor carries it out.
   * Checks, in order: permission, preview token, approval, state, freeze windows. Every refusal is on the timeline.
   */
  async apply(caller: Caller, id: string, input: ApplyInput): Promise<Release> {
    const release = await this.ctx.store.releases.get(id);
    if (!release) throw missingFor(caller, 'deployment:write', `release ${id}`);
    try {
      const result = await this.applyChecked(caller, release, input);
      return result;
    } catch (error) {
      if (isShipgateError(error) && error.code !== 'NOT_FOUND') await recordRefusal(this.ctx, caller, release, 'apply.rejected', error, {});
      throw error;
    }
  }

  private async applyChecked(caller: Caller, release: ReleaseRecord, input: ApplyInput): Promise<Release> {
    requirePermission(caller, 'deployment:write', release.environment);
    const env = await this.ctx.environmentOf(this.ctx.store, release);
    const preview = await this.verifyPreview(this.ctx.store, caller, release, env, input);
    const ticket = release.ticketId ? await this.ctx.store.approvals.get(release.ticketId) : null;
    const required = approvalRequiredFor(env.approval, release.kind);
    if (!isApprovalComplete(required, release, ticket)) {
      throw new ShipgateError('APPROVAL_REQUIRED', `environment "${env.name}" requires an approved approval ticket`, {
        approvalStatus: ticket?.status ?? 'not_requested',
      });
    }
    const command: ReleaseCommand = required ? 'apply' : 'applyWithoutApproval';
    transition(release.state, command);
    const overridden = this.checkPolicy(caller, env, release, preview, input.policyOverride);
    await checkPromotion(this.ctx.store, env, release, this.ctx.clock.now());
    const freeze = activeFreezeWindow(env.freezeWindows, this.ctx.clock.now());
    if (freeze) {
      const reason = input.freezeOverride?.reason?.trim();
      if (!reason)
        throw new ShipgateError('FROZEN', `environment "${env.name}" is frozen until ${freeze.end}: ${freeze.reason}`, { window: freeze });
      requirePermission(caller, 'admin', env.name);
    }
    const applied = await this.ctx.write([release.id], async (tx) => {
      const current = await this.load(tx, release.id);
      if (current.draftRevision !== preview.draftRevision) throw previewRequired('PREVIEW_MISMATCH', 'the draft changed');
      const now = this.ctx.nowIso();
      // The token is single-use: of concurrent applies, the one that consumes it wins.
      if (!(await tx.previews.consume(preview.id, now))) {
        throw previewRequired('PREVIEW_CONSUMED', 'the preview token was already used by an apply');
      }
      const t = transition(current.state, command);
      const updated: ReleaseRecord = {
        ...current,
        state: t.to,
        previewId: preview.id,
        execution: { ...NOT_STARTED, stage: 'queued' },
        updatedAt: now,
      };
      const stateEvents = await this.move(tx, caller, current, t.command, updated);
      const ev = this.ctx.events.for(current, caller);
      await tx.timeline.append([
        ...(overridden ? [overridden] : []),
        ev.make('apply.requested', {
          previewId: preview.id,
          draftRevision: current.draftRevision,
          ...(freeze ? { freezeOverride: { reason: input.freezeOverride?.reason, window: freeze } } : {}),
        }),
        ...stateEvents,
        ev.make('execution.stage_changed', { from: current.execution.stage, to: 'queued' }),
      ]);
      return this.view(tx, updated);
    });
    this.ctx.bus.notifyWork();
    return applied;
  }

  async cancel(caller: Caller, id: string): Promise<Release> {
    return this.ctx.write([id], async (tx) => {
      const release = await this.loadFor(tx, caller, 'deployment:write', id);
      const t = transition(release.state, 'cancel');
      const ev = this.ctx.events.for(release, caller);
      const events = [ev.make('release.cancelled', { from: t.from })];
      const voided = await this.voidTicket(tx, release);
      if (voided) events.push(ev.make('approval.voided', { ticketId: voided, reason: 'the release was cancelled' }));
      const updated = { ...release, state: t.to, updatedAt: this.ctx.nowIso() };
      events.push(...(await this.move(tx, caller, release, t.command, updated)));
      await tx.timeline.append(events);
      return this.view(tx, updated);
    });
  }

  /** Drafts a `rollback` release restoring an earlier succeeded release's stored spec; it then goes through every gate. */
  async rollback(caller: Caller, id: string, input: { toReleaseId?: string }): Promise<Release> {
    const source = await this.loadFor(this.ctx.store, caller, 'deployment:write', id);
    checkRollbackSource(source);
    let target: ReleaseRecord | null;
    if (input.toReleaseId !== undefined) {
      target = await this.loadFor(this.ctx.store, caller, 'deployment:read', input.toReleaseId);
      checkRollbackTarget(source, target);
    } else {
      target = await this.ctx.store.releases.lastSucceeded(source.application, source.environment, source.id);
      if (!target)
        throw new ShipgateError(
          'NOT_FOUND',
          `no earlier succeeded release of ${source.application} in ${source.environment} to roll back to`,
        );
    }
    const restore = target;
    const automatic = caller.system === true;
    const now = this.ctx.nowIso();
    const record: ReleaseRecord = {
      ...restore,
      id: this.ctx.ids.newId(),
      kind: 'rollback',
      rollbackOf: source.id,
      rollbackTo: restore.id,
      description: `Rollback of ${source.id} to ${restore.id}`,
      ...newDraft(caller, now),
    };
    return this.ctx.write([record.id, source.id], async (tx) => {
      await tx.releases.insert(record);
      const ev = this.ctx.events.for(record, caller);
      await tx.timeline.append([
        ev.make('release.created', createdEventData(record, restore.id, this.ctx.secrets.of(record))),
        ev.make('rollback.requested', { rollbackOf: source.id, rollbackTo: restore.id, automatic }),
        this.ctx.events.for(source, caller).make('rollback.requested', { rollbackReleaseId: record.id, rollbackTo: restore.id, automatic }),
      ]);
      return this.view(tx, record);
    });
  }

  async timeline(
    caller: Caller,
    id: string,
    input: { after?: number; limit?: number },
  ): Promise<{ items: TimelineEvent[]; nextCursor: string | null }> {
    await this.loadReadable(caller, id);
    const limit = input.limit ?? 100;
    const events = await this.ctx.store.timeline.listByRelease(id, input.after ?? 0, limit + 1);
    const items = events.slice(0, limit);
    return { items, nextCursor: events.length > limit ? String(items[items.length - 1]?.seq) : null };
  }

  /** Reads the release (checking permission) and its events after `afterSeq`, for the live stream. */
  /**
   * Calls `onChange` whenever this process writes something of the release (other processes' writes are found by
   * polling {@link streamBatch}); returns the function that stops it. Nothing of the release is read here: each
   * batch the listener reads checks the caller's permission again.
   */
  watch(id: string, onChange: () => void): () => void {
    return this.ctx.bus.subscribe(id, onChange);
  }

  /**
   * How often a watcher should look again by itself: seldom when other processes' writes arrive through a change feed
   * (then the look catches lost notifications and revoked tokens), every second when only this process's do.
   */
  get watchPollMs(): number {
    return this.ctx.bus.shared ? 5_000 : 1_000;
  }

  async streamBatch(caller: Caller, id: string, afterSeq: number): Promise<{ release: Release; events: TimelineEvent[] }> {
    const record = await this.loadReadable(caller, id);
    const events = await this.ctx.store.timeline.listByRelease(id, afterSeq, 500);
    return { release: await this.view(this.ctx.store, record), events };
  }

  /** Recorded diagnostics of a failed or interrupted release; for any other, what the runtime shows now. */
  async diagnostics(caller: Caller, id: string): Promise<Diagnostics> {
    const release = await this.loadReadable(caller, id);
    const stored = await this.ctx.store.diagnostics.get(id);
    if (stored && (release.state === 'failed' || release.state === 'interrupted' || release.state === 'rolled_back')) {
      return { ...stored, state: release.state };
    }
    const env = await this.ctx.environmentOf(this.ctx.store, release);
    const unit = deployUnitOf(release, null);
    const diagnosis = await this.ctx.driverFor(env.runtime).diagnose(deployTargetOf(env, release), unit);
    return redactDeep(
      {
        releaseId: release.id,
        runtime: release.runtime,
        state: release.state,
        collectedAt: this.ctx.nowIso(),
        ...diagnosis,
        findings: sortFindings(diagnosis.findings),
      },
      secretValuesOf(release.renderedSpec, release.parameters),
    );
  }

  /** Voids the release's open (pending or approved) ticket; returns its id, or null when there was none. */
  private async voidTicket(tx: StoreSession, release: ReleaseRecord): Promise<string | null> {
    if (!release.ticketId) return null;
    const ticket = await tx.approvals.get(release.ticketId, { lock: true });
    if (!ticket || (ticket.status !== 'pending' && ticket.status !== 'approved')) return null;
    return (await tx.approvals.setStatus(ticket.id, ticket.status, 'void', this.ctx.nowIso())) ? ticket.id : null;
  }

  /**
   * Moves a request's release through the one door (a lost race is `INVALID_STATE`, never a silent overwrite),
   * writing every field of `after`; returns the state event to append.
   */
  private async move(
    tx: StoreSession,
    caller: Caller,
    before: ReleaseRecord,
    command: ReleaseCommand,
    after: ReleaseRecord,
  ): Promise<NewTimelineEvent[]> {
    const moved = await this.ctx.transitions.move(tx, before, command, {
      by: caller,
      lostRace: 'conflict',
      patch: {
        spec: after.spec,
        parameters: after.parameters,
        renderedSpec: after.renderedSpec,
        description: after.description,
        draftRevision: after.draftRevision,
        draftDigest: after.draftDigest,
        ticketId: after.ticketId,
        previewId: after.previewId,
        execution: after.execution,
        authors: after.authors,
        updatedAt: after.updatedAt,
      },
    });
    return moved?.stateEvent ? [moved.stateEvent] : [];
  }
}

/** The digest of an environment's runtime policy: a preview's verdict holds only under the policy it was judged by. */
function policyDigest(env: Environment): string {
  return sha256Digest(canonicalJson(env.policy));
}
