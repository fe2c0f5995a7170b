import type { Caller } from '../../app/caller.js';
import type { Shipgate } from '../../app/shipgate.js';
import { ShipgateError, isShipgateError } from '../../core/errors.js';
import type { Release } from '../../core/release/release.js';
import type { ConversationRecord, MessageRecord } from '../../ports/store.js';
import type { Intent, Understanding } from './ai-actions.js';
import type { ParseContext } from './rule-intent-parser.js';

/** Turns a message into an understanding: the embedded parser, or a model with tool calling. */
export interface IntentInterpreter {
  interpret(text: string, context: ParseContext & { history: string[] }): Promise<Understanding>;
}

/** A change to a runtime the command center proposes; it runs only when the operator confirms it by id. */
export interface Proposal {
  id: string;
  kind: 'apply';
  releaseId: string;
  status: 'proposed' | 'confirmed' | 'superseded';
  createdAt: string;
}

/** What the command center remembers of a conversation (server side only). */
interface ConversationState {
  releaseId: string | null;
  /** Preview tokens it obtained, by release: they are single-use credentials and never leave the server. */
  previewTokens: Record<string, string>;
  proposals: Proposal[];
}

/** A card in a reply: what the chat panel renders besides the text. */
export type ActionCard =
  | { type: 'release'; releaseId: string; application: string; environment: string; state: string; approvalStatus: string; stage: string }
  | { type: 'preview'; releaseId: string; summary: { create: number; update: number; delete: number; unchanged: number }; changes: Array<{ action: string; kind: string; name: string }>; expiresAt: string }
  | { type: 'proposal'; id: string; kind: 'apply'; releaseId: string; label: string; status: Proposal['status'] }
  | { type: 'timeline'; releaseId: string; events: Array<{ seq: number; type: string; actor: string; channel: string; at: string }> }
  | { type: 'diagnostics'; releaseId: string; summary: string; findings: Array<{ severity: string; code: string; resource: string; message: string }> }
  | { type: 'approvals'; items: Array<{ id: string; releaseId: string; application: string; environment: string; requestedBy: string; approvals: number; minApprovers: number }> };

export interface CommandReply {
  conversationId: string;
  reply: string;
  actions: ActionCard[];
  release: Release | null;
}

const HELP = [
  'I can draft, preview, submit and propose to apply releases, show their status and timeline, explain failures and propose rollbacks. For example:',
  '• “deploy web to staging with IMAGE_TAG=1.4.2” (starts from the last release of web)',
  '• “promote web from staging to production”',
  '• “preview it”, “submit it”, “apply it” (you confirm before anything runs)',
  '• “status of web in production”, “show the timeline”, “why did web fail in staging?”',
  '• “roll back web in production”, “what waits for approval?”',
  'I act with your own permissions and I never approve releases.',
].join('\n');

/**
 * The AI command center: every action maps to the same use cases as the HTTP routes, called with the operator's
 * own identity on the `ai` channel. It has no approve action, and it only proposes changes to a runtime; the
 * operator confirms each proposal by id, and the apply then passes the same preview, approval and freeze checks.
 */
export class CommandCenter {
  constructor(
    private readonly shipgate: Shipgate,
    private readonly interpreter: IntentInterpreter,
  ) {}

  private get ctx() {
    return this.shipgate.ctx;
  }

  /** Handles one message of the operator. Use-case refusals (e.g. FORBIDDEN) are thrown with the conversation id. */
  async message(user: Caller, input: { text: string; conversationId?: string }): Promise<CommandReply> {
    const conversation = input.conversationId ? await this.load(user, input.conversationId) : await this.start(user, input.text);
    const caller: Caller = { principal: user.principal, channel: 'ai', conversationId: conversation.id };
    const state = stateOf(conversation);
    const history = (await this.ctx.store.conversations.messages(conversation.id, 200)).filter((m) => m.role === 'user').map((m) => m.text).slice(-6);
    await this.record(conversation, 'user', input.text, [], state.releaseId);
    try {
      const understanding = await this.interpreter.interpret(input.text, { ...(await this.context(caller)), history });
      const result = await this.act(caller, state, understanding);
      return await this.respond(conversation, state, result.reply, result.actions);
    } catch (error) {
      if (isShipgateError(error)) {
        await this.respond(conversation, state, `I could not do that: ${error.detail} (${error.code}${error.metadata.reason ? `, ${String(error.metadata.reason)}` : ''}).`, []);
        throw new ShipgateError(error.code, error.detail, { ...error.metadata, conversationId: conversation.id });
      }
      throw error;
    }
  }

  /** Carries out a proposal the operator confirms: through the very same apply use case and its checks. */
  async confirm(user: Caller, input: { conversationId: string; actionId: string }): Promise<CommandReply> {
    const conversation = await this.load(user, input.conversationId);
    const caller: Caller = { principal: user.principal, channel: 'ai', conversationId: conversation.id };
    const state = stateOf(conversation);
    const proposal = state.proposals.find((p) => p.id === input.actionId);
    if (!proposal) throw new ShipgateError('NOT_FOUND', `no proposed action ${input.actionId} in this conversation`);
    if (proposal.status !== 'proposed') throw new ShipgateError('INVALID_STATE', `this action was already ${proposal.status}`, { state: proposal.status });
    await this.record(conversation, 'user', `Confirm: apply release ${proposal.releaseId}`, [], proposal.releaseId);
    try {
      const release = await this.shipgate.releases.apply(caller, proposal.releaseId, { previewToken: state.previewTokens[proposal.releaseId] });
      proposal.status = 'confirmed';
      delete state.previewTokens[proposal.releaseId];
      state.releaseId = release.id;
      return await this.respond(conversation, state, `Applying ${release.application} to ${release.environment}. I will show its progress here.`, [releaseCard(release)]);
    } catch (error) {
      if (isShipgateError(error)) {
        await this.respond(conversation, state, `The apply was refused: ${error.detail} (${error.code}${error.metadata.reason ? `, ${String(error.metadata.reason)}` : ''}).`, []);
        throw new ShipgateError(error.code, error.detail, { ...error.metadata, conversationId: conversation.id });
      }
      throw error;
    }
  }

  async conversations(user: Caller): Promise<{ items: Array<Pick<ConversationRecord, 'id' | 'title' | 'createdAt' | 'updatedAt'>> }> {
    const list = await this.ctx.store.conversations.listBySubject(user.principal.subject, 50);
    return { items: list.map(({ id, title, createdAt, updatedAt }) => ({ id, title, createdAt, updatedAt })) };
  }

  async conversation(user: Caller, id: string): Promise<{ id: string; title: string; messages: Array<Omit<MessageRecord, 'conversationId' | 'actions'> & { actions: ActionCard[] }> }> {
    const conversation = await this.load(user, id);
    const messages = await this.ctx.store.conversations.messages(id, 500);
    return { id, title: conversation.title, messages: messages.map(({ conversationId: _c, actions, ...m }) => ({ ...m, actions: actions as ActionCard[] })) };
  }

  private async load(user: Caller, id: string): Promise<ConversationRecord> {
    const conversation = await this.ctx.store.conversations.get(id);
    // Another user's conversation does not exist for this one.
    if (!conversation || conversation.subject !== user.principal.subject) throw new ShipgateError('NOT_FOUND', `conversation ${id} not found`);
    return conversation;
  }

  private async start(user: Caller, text: string): Promise<ConversationRecord> {
    const now = this.ctx.nowIso();
    const conversation: ConversationRecord = {
      id: this.ctx.ids.newId(),
      subject: user.principal.subject,
      title: text.slice(0, 80),
      state: { releaseId: null, previewTokens: {}, proposals: [] } satisfies ConversationState,
      createdAt: now,
      updatedAt: now,
    };
    await this.ctx.store.conversations.insert(conversation);
    return conversation;
  }

  private async record(conversation: ConversationRecord, role: 'user' | 'assistant', text: string, actions: ActionCard[], releaseId: string | null): Promise<void> {
    await this.ctx.store.conversations.addMessage({ id: this.ctx.ids.newId(), conversationId: conversation.id, role, text, actions, releaseId, at: this.ctx.nowIso() });
  }

  private async respond(conversation: ConversationRecord, state: ConversationState, reply: string, actions: ActionCard[]): Promise<CommandReply> {
    await this.ctx.store.conversations.update({ ...conversation, state: { ...state }, updatedAt: this.ctx.nowIso() });
    await this.record(conversation, 'assistant', reply, actions, state.releaseId);
    const release = state.releaseId ? await this.ctx.store.releases.get(state.releaseId) : null;
    return { conversationId: conversation.id, reply, actions, release: release ? await this.shipgate.releases.view(this.ctx.store, release) : null };
  }

  /** The names the interpreter may resolve: environments and applications this user can read. */
  private async context(caller: Caller): Promise<ParseContext> {
    const environments = (await this.shipgate.environments.list(caller)).items.map((e) => e.name);
    const releases = await this.shipgate.releases.list(caller, { limit: 200 });
    return { environments, applications: [...new Set(releases.items.map((r) => r.application))].sort() };
  }

  private async act(caller: Caller, state: ConversationState, understanding: Understanding): Promise<{ reply: string; actions: ActionCard[] }> {
    switch (understanding.kind) {
      case 'help':
        return { reply: HELP, actions: [] };
      case 'question':
      case 'refusal':
        return { reply: understanding.text, actions: [] };
      case 'intent':
        return this.perform(caller, state, understanding.intent);
    }
  }

  private async perform(caller: Caller, state: ConversationState, intent: Intent): Promise<{ reply: string; actions: ActionCard[] }> {
    const releases = this.shipgate.releases;
    switch (intent.action) {
      case 'draft_release': {
        const args = intent.args;
        const current = state.releaseId ? await releases.get(caller, state.releaseId).catch(() => null) : null;
        const application = args.application ?? current?.application;
        if (!application) return ask('Which application should I deploy?');
        const environment = args.environment;
        if (!environment) {
          const envs = (await this.shipgate.environments.list(caller)).items.map((e) => e.name);
          return ask(`To which environment should I deploy ${application}: ${envs.join(', ')}?`);
        }
        const base = await this.baseRelease(caller, application, args.fromEnvironment ?? environment, args.fromEnvironment !== undefined);
        if (!base) {
          return args.fromEnvironment
            ? ask(`Nothing of ${application} has succeeded in ${args.fromEnvironment}, so there is nothing to promote.`)
            : ask(`I have no earlier release of ${application} to start from. Draft its first release with a spec on the Deployments page, then I can take it from there.`);
        }
        const created = await releases.create(caller, {
          application,
          environment,
          fromReleaseId: base.id,
          parameters: args.parameters ?? {},
          description: args.description ?? (args.fromEnvironment ? `Promote ${application} from ${args.fromEnvironment}` : undefined),
        });
        state.releaseId = created.id;
        const preview = await this.preview(caller, state, created.id);
        const next = await this.nextStep(caller, created.id);
        const params = Object.entries(created.parameters).map(([k, v]) => `${k}=${v}`).join(', ');
        return {
          reply: `Drafted a release of ${application} for ${environment}${params ? ` (${params})` : ''}, starting from release ${base.id.slice(0, 8)}. ${describePreview(preview.summary)} ${next}`,
          actions: [releaseCard(await releases.get(caller, created.id)), preview.card],
        };
      }
      case 'preview_release': {
        const id = this.releaseIdOf(state, intent.args.releaseId);
        if (!id) return ask('Which release should I preview? Draft one first, or give its id.');
        state.releaseId = id;
        const preview = await this.preview(caller, state, id);
        return { reply: `${describePreview(preview.summary)} ${await this.nextStep(caller, id)}`, actions: [preview.card] };
      }
      case 'submit_release': {
        const id = this.releaseIdOf(state, intent.args.releaseId);
        if (!id) return ask('Which release should I submit?');
        state.releaseId = id;
        const release = await releases.submit(caller, id, { previewToken: state.previewTokens[id] });
        const reply =
          release.state === 'pending_approval'
            ? `Submitted ${release.application} for ${release.environment}: it waits for ${release.approval.minApprovers} approval${release.approval.minApprovers > 1 ? 's' : ''} in the Approvals queue. Nothing runs until it is approved; then say “apply it”.`
            : `Submitted. ${release.environment} needs no approval: say “apply it” when you are ready.`;
        return { reply, actions: [releaseCard(release)] };
      }
      case 'propose_apply': {
        const id = this.releaseIdOf(state, intent.args.releaseId);
        if (!id) return ask('Which release should I apply?');
        state.releaseId = id;
        const release = await releases.get(caller, id);
        if (!state.previewTokens[id]) return ask(`I need a fresh preview of this release before it can be applied. Say “preview it”.`);
        for (const p of state.proposals) if (p.releaseId === id && p.status === 'proposed') p.status = 'superseded';
        const proposal: Proposal = { id: this.ctx.ids.newId(), kind: 'apply', releaseId: id, status: 'proposed', createdAt: this.ctx.nowIso() };
        state.proposals.push(proposal);
        const waiting = release.state === 'pending_approval' ? ' It still waits for approval: confirming before it is approved will be refused.' : '';
        return { reply: `Ready to apply ${release.application} to ${release.environment}. Confirm to run it.${waiting}`, actions: [releaseCard(release), proposalCard(proposal, release)] };
      }
      case 'show_status': {
        const release = await this.resolveRelease(caller, state, intent.args);
        if (!release) return ask('Which release? Name the application and environment, or give its id.');
        const r = release;
        const approvals = r.approval.status === 'not_required' ? 'no approval needed' : `approval ${r.approval.status} (${r.approval.decisions.filter((d) => d.decision === 'approve').length}/${r.approval.minApprovers})`;
        return { reply: `${r.application} in ${r.environment}: ${r.state.replaceAll('_', ' ')}, ${approvals}, execution ${r.execution.stage.replaceAll('_', ' ')}${r.execution.message ? ` — ${r.execution.message}` : ''}.`, actions: [releaseCard(r)] };
      }
      case 'show_timeline': {
        const release = await this.resolveRelease(caller, state, intent.args);
        if (!release) return ask('Which release? Name the application and environment, or give its id.');
        const page = await releases.timeline(caller, release.id, { limit: 500 });
        const events = page.items.slice(-25);
        return {
          reply: `The last ${events.length} of ${page.items.length} events of ${release.application} in ${release.environment}.`,
          actions: [{ type: 'timeline', releaseId: release.id, events: events.map((e) => ({ seq: e.seq, type: e.type, actor: e.actor.id, channel: e.channel, at: e.at })) }],
        };
      }
      case 'explain_failure': {
        const release = await this.resolveRelease(caller, state, intent.args, ['failed', 'interrupted']);
        if (!release) return ask('Which release? Name the application and environment, or give its id.');
        const diagnostics = await releases.diagnostics(caller, release.id);
        const top = diagnostics.findings.filter((f) => f.severity === 'error').slice(0, 3);
        const reply =
          release.state === 'failed' || release.state === 'interrupted'
            ? `${release.application} in ${release.environment} ${release.state}: ${diagnostics.summary}.${top.length ? ` Main findings: ${top.map((f) => `${f.code} on ${f.resource.kind}/${f.resource.name} (${f.message})`).join('; ')}.` : ''} Say “roll back ${release.application} in ${release.environment}” to restore the last good release.`
            : `${release.application} in ${release.environment} has not failed (it is ${release.state.replaceAll('_', ' ')}). ${diagnostics.summary}.`;
        return {
          reply,
          actions: [{ type: 'diagnostics', releaseId: release.id, summary: diagnostics.summary, findings: diagnostics.findings.map((f) => ({ severity: f.severity, code: f.code, resource: `${f.resource.kind}/${f.resource.name}`, message: f.message })) }],
        };
      }
      case 'propose_rollback': {
        const source = await this.resolveRelease(caller, state, intent.args, ['succeeded', 'failed', 'interrupted']);
        if (!source) return ask('Which release should I roll back? Name the application and environment.');
        const rollback = await releases.rollback(caller, source.id, {});
        state.releaseId = rollback.id;
        const preview = await this.preview(caller, state, rollback.id);
        const env = await this.shipgate.environments.get(caller, rollback.environment);
        if (env.approval.required) {
          return {
            reply: `Drafted a rollback of ${source.application} in ${source.environment} to release ${rollback.rollbackTo?.slice(0, 8)}. ${describePreview(preview.summary)} ${env.name} requires approval: say “submit it”, then “apply it” once approved.`,
            actions: [releaseCard(rollback), preview.card],
          };
        }
        const proposal: Proposal = { id: this.ctx.ids.newId(), kind: 'apply', releaseId: rollback.id, status: 'proposed', createdAt: this.ctx.nowIso() };
        state.proposals.push(proposal);
        return {
          reply: `Drafted a rollback of ${source.application} in ${source.environment} to release ${rollback.rollbackTo?.slice(0, 8)}. ${describePreview(preview.summary)} Confirm to apply it.`,
          actions: [releaseCard(rollback), preview.card, proposalCard(proposal, rollback)],
        };
      }
      case 'list_approvals': {
        const { items } = await this.shipgate.approvals.list(caller, { status: 'pending' });
        return {
          reply: items.length === 0 ? 'Nothing waits for approval in the environments you can see.' : `${items.length} release${items.length > 1 ? 's wait' : ' waits'} for approval (approvers decide in the Approvals queue).`,
          actions: [{ type: 'approvals', items: items.map((t) => ({ id: t.id, releaseId: t.releaseId, application: t.application, environment: t.environment, requestedBy: t.requestedBy, approvals: t.decisions.filter((d) => d.decision === 'approve').length, minApprovers: t.minApprovers })) }],
        };
      }
    }
  }

  private releaseIdOf(state: ConversationState, explicit: string | undefined): string | null {
    return explicit ?? state.releaseId;
  }

  private async preview(caller: Caller, state: ConversationState, id: string): Promise<{ summary: { create: number; update: number; delete: number; unchanged: number }; card: ActionCard }> {
    const preview = await this.shipgate.releases.preview(caller, id);
    state.previewTokens[id] = preview.token;
    return {
      summary: preview.summary,
      card: { type: 'preview', releaseId: id, summary: preview.summary, changes: preview.changes.map((c) => ({ action: c.action, kind: c.kind, name: c.name })), expiresAt: preview.expiresAt },
    };
  }

  private async nextStep(caller: Caller, id: string): Promise<string> {
    const release = await this.shipgate.releases.get(caller, id);
    const env = await this.shipgate.environments.get(caller, release.environment);
    return env.approval.required ? `${env.name} requires approval: say “submit it” to request it.` : `Say “apply it” to apply it (you will confirm).`;
  }

  /** The release a deploy starts from: the newest succeeded release of the application (in `environment` first). */
  private async baseRelease(caller: Caller, application: string, environment: string, onlyThere: boolean): Promise<Release | null> {
    const inEnv = await this.shipgate.releases.list(caller, { application, environment, state: 'succeeded', limit: 1 });
    if (inEnv.items[0] || onlyThere) return inEnv.items[0] ?? null;
    const anywhere = await this.shipgate.releases.list(caller, { application, state: 'succeeded', limit: 1 });
    if (anywhere.items[0]) return anywhere.items[0];
    return (await this.shipgate.releases.list(caller, { application, limit: 1 })).items[0] ?? null;
  }

  /** The release a question is about: by id, by application and environment (newest, preferring `states`), or the conversation's. */
  private async resolveRelease(caller: Caller, state: ConversationState, args: { releaseId?: string; application?: string; environment?: string }, states: string[] = []): Promise<Release | null> {
    if (args.releaseId) return this.shipgate.releases.get(caller, args.releaseId);
    if (args.application || args.environment) {
      const current = state.releaseId ? await this.shipgate.releases.get(caller, state.releaseId).catch(() => null) : null;
      const application = args.application ?? current?.application;
      const environment = args.environment ?? current?.environment;
      if (!application || !environment) return null;
      const env = await this.shipgate.environments.get(caller, environment);
      const list = await this.shipgate.releases.list(caller, { application, environment: env.name, limit: 50 });
      const found = list.items.find((r) => states.includes(r.state)) ?? list.items[0] ?? null;
      if (found) state.releaseId = found.id;
      return found;
    }
    return state.releaseId ? this.shipgate.releases.get(caller, state.releaseId) : null;
  }
}

function stateOf(conversation: ConversationRecord): ConversationState {
  const s = conversation.state as Partial<ConversationState>;
  return { releaseId: s.releaseId ?? null, previewTokens: { ...(s.previewTokens ?? {}) }, proposals: [...(s.proposals ?? [])] };
}

function ask(text: string): { reply: string; actions: ActionCard[] } {
  return { reply: text, actions: [] };
}

function describePreview(s: { create: number; update: number; delete: number; unchanged: number }): string {
  return `Preview: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged.`;
}

function releaseCard(r: Release): ActionCard {
  return { type: 'release', releaseId: r.id, application: r.application, environment: r.environment, state: r.state, approvalStatus: r.approval.status, stage: r.execution.stage };
}

function proposalCard(p: Proposal, r: Release): ActionCard {
  return { type: 'proposal', id: p.id, kind: p.kind, releaseId: p.releaseId, label: `Apply ${r.application} to ${r.environment}`, status: p.status };
}
