import type { Caller } from '../../app/caller.js';
import type { ConversationSummary } from '../../app/conversations.use-cases.js';
import type { Shipgate } from '../../app/shipgate.js';
import { ShipgateError, isShipgateError } from '../../core/errors.js';
import type { Release } from '../../core/release/release.js';
import { redactDeep, redactText } from '../../core/secrets/secret-masking.js';
import type { MessageRecord } from '../../ports/store.js';
import type { Intent, Understanding } from './ai-actions.js';
import { maskMessage, secretsInMessage, type ParseContext } from './rule-intent-parser.js';

/** Turns a message into an understanding: the embedded parser, or a model with tool calling. */
export interface IntentInterpreter {
  interpret(text: string, context: ParseContext & { history: string[] }): Promise<Understanding>;
}

/**
 * A change to a runtime the command center proposes; it runs only when the operator confirms it by id, with the
 * preview it was proposed with.
 */
export interface Proposal {
  id: string;
  kind: 'apply';
  releaseId: string;
  previewId: string;
  status: 'proposed' | 'confirmed' | 'superseded';
}

/**
 * What the command center remembers of a conversation (server side only). It never holds a preview token: only
 * preview ids, which the submit and apply use cases accept solely from the same caller in the same conversation
 * that made the preview (a token is a bearer credential; an id bound to its maker is not).
 */
interface ConversationState {
  /** The release "it" refers to; it becomes the subject only after the caller's read on its environment held. */
  releaseId: string | null;
  /** The newest preview made in this conversation, by release. */
  previews: Record<string, string>;
  proposals: Proposal[];
}

/**
 * One change a turn makes to the state. A turn records its changes and they are applied by compare-and-set to the
 * newest state, so that two turns racing on one conversation both keep theirs; a turn that ends in a refusal
 * records nothing.
 */
type StateChange =
  | { type: 'subject'; releaseId: string }
  | { type: 'previewed'; releaseId: string; previewId: string }
  | { type: 'proposed'; proposal: Proposal }
  | { type: 'confirmed'; proposalId: string };

/** A card in a reply: what the chat panel renders besides the text. */
export type ActionCard =
  | { type: 'release'; releaseId: string; application: string; environment: string; state: string; approvalStatus: string; stage: string }
  | { type: 'preview'; releaseId: string; summary: { create: number; update: number; delete: number; unchanged: number }; changes: Array<{ action: string; kind: string; name: string }>; expiresAt: string }
  | { type: 'proposal'; id: string; kind: 'apply'; releaseId: string; label: string; status: Proposal['status'] }
  | { type: 'timeline'; releaseId: string; events: Array<{ seq: number; type: string; actor: string; channel: string; at: string }> }
  | { type: 'diagnostics'; releaseId: string; summary: string; findings: Array<{ severity: string; code: string; resource: string; message: string }> }
  | { type: 'approvals'; items: Array<{ id: string; releaseId: string; application: string; environment: string; requestedBy: string; approvals: number; minApprovers: number }> };

/** The answer to one message or confirmation: Shipgate's reply, its cards, and the release the conversation is about. */
export interface CommandReply {
  conversationId: string;
  reply: string;
  actions: ActionCard[];
  release: Release | null;
}

/** What a turn answers: Shipgate's own words, composed from what the use cases returned. */
interface Outcome {
  reply: string;
  actions: ActionCard[];
}

/** The user messages the interpreter sees as history: the newest of the last {@link HISTORY_WINDOW} messages. */
const HISTORY_MESSAGES = 6;
const HISTORY_WINDOW = 2 * HISTORY_MESSAGES;

const HELP = [
  'I can draft, preview, submit and propose to apply releases, show their status and timeline, explain failures and propose rollbacks. For example:',
  '• “deploy web to staging with IMAGE_TAG=1.4.2” (starts from the last release of web in staging)',
  '• “promote web from staging to production”',
  '• “preview it”, “submit it”, “apply it” (you confirm before anything runs)',
  '• “status of web in production”, “show the timeline”, “why did web fail in staging?”',
  '• “roll back web in production”, “what waits for approval?”',
  'I act with your own permissions and I never approve releases.',
].join('\n');

const UNCLEAR = 'Nothing was done: I could not tell which one action you meant. Try “deploy web to staging with IMAGE_TAG=1.4.2”, “status of web in production” or “help”.';

/** The state a conversation starts with. */
function emptyState(): ConversationState {
  return { releaseId: null, previews: {}, proposals: [] };
}

/** The state as stored, reduced to what is known (fields of older versions, such as preview tokens, are dropped). */
function stateOf(stored: Record<string, unknown>): ConversationState {
  const s = stored as Partial<ConversationState>;
  const proposals = (s.proposals ?? []).filter((p) => typeof p.previewId === 'string');
  return { releaseId: s.releaseId ?? null, previews: { ...(s.previews ?? {}) }, proposals: proposals.map((p) => ({ ...p })) };
}

/** Applies one change (pure). */
function applyChange(state: ConversationState, change: StateChange): ConversationState {
  switch (change.type) {
    case 'subject':
      return { ...state, releaseId: change.releaseId };
    case 'previewed':
      return { ...state, previews: { ...state.previews, [change.releaseId]: change.previewId } };
    case 'proposed': {
      // A newer proposal for the same release supersedes the open one.
      const proposals = state.proposals.map((p) => (p.releaseId === change.proposal.releaseId && p.status === 'proposed' ? { ...p, status: 'superseded' as const } : p));
      return { ...state, proposals: [...proposals, change.proposal] };
    }
    case 'confirmed':
      return { ...state, proposals: state.proposals.map((p) => (p.id === change.proposalId ? { ...p, status: 'confirmed' as const } : p)) };
  }
}

/** The changes one turn makes, applied as they happen so that later steps of the turn see them. */
class Turn {
  readonly changes: StateChange[] = [];
  state: ConversationState;

  constructor(readonly start: ConversationState) {
    this.state = start;
  }

  record(change: StateChange): void {
    this.changes.push(change);
    this.state = applyChange(this.state, change);
  }
}

/** A release to act on, or the question to ask instead. */
type Resolved = { release: Release } | { ask: string };

/**
 * The AI command center: every action maps to the same use cases as the HTTP routes, called with the operator's
 * own identity on the `ai` channel. It has no approve action, and it only proposes changes to a runtime; the
 * operator confirms each proposal by id, and the apply then passes the same preview, approval, policy and freeze
 * checks. What it says is composed from what the use cases returned; a model's text is at most a separate note.
 */
export class CommandCenter {
  constructor(
    private readonly shipgate: Shipgate,
    private readonly interpreter: IntentInterpreter,
  ) {}

  /** Handles one message of the operator. Use-case refusals (e.g. FORBIDDEN) are thrown with the conversation id. */
  async message(user: Caller, input: { text: string; conversationId?: string }): Promise<CommandReply> {
    const secrets = secretsInMessage(input.text);
    const shown = maskMessage(input.text, secrets);
    const conversations = this.shipgate.conversations;
    const conversation = input.conversationId
      ? await conversations.get(user, input.conversationId)
      : await conversations.start(user, { title: shown.slice(0, 80), state: { ...emptyState() } });
    const caller: Caller = { principal: user.principal, channel: 'ai', conversationId: conversation.id };
    const turn = new Turn(stateOf(conversation.state));
    const history = (await conversations.messages(caller, conversation.id, HISTORY_WINDOW)).filter((m) => m.role === 'user').map((m) => m.text).slice(-HISTORY_MESSAGES);
    await conversations.addMessage(caller, conversation.id, { role: 'user', text: shown, actions: [], releaseId: turn.state.releaseId });
    return this.answer(caller, turn, secrets, async () => {
      const understanding = await this.interpreter.interpret(input.text, { ...(await this.context(caller)), history });
      return this.act(caller, turn, understanding);
    });
  }

  /** Carries out a proposal the operator confirms: through the very same apply use case and its checks. */
  async confirm(user: Caller, input: { conversationId: string; actionId: string }): Promise<CommandReply> {
    const conversation = await this.shipgate.conversations.get(user, input.conversationId);
    const caller: Caller = { principal: user.principal, channel: 'ai', conversationId: conversation.id };
    const turn = new Turn(stateOf(conversation.state));
    const proposal = turn.state.proposals.find((p) => p.id === input.actionId);
    if (!proposal) throw new ShipgateError('NOT_FOUND', `no proposed action ${input.actionId} in this conversation`);
    if (proposal.status !== 'proposed') throw new ShipgateError('INVALID_STATE', `this action was already ${proposal.status}`, { state: proposal.status });
    await this.shipgate.conversations.addMessage(caller, conversation.id, { role: 'user', text: `Confirm: apply release ${proposal.releaseId}`, actions: [], releaseId: proposal.releaseId });
    return this.answer(
      caller,
      turn,
      [],
      async () => {
        const release = await this.shipgate.releases.apply(caller, proposal.releaseId, { previewId: proposal.previewId });
        turn.record({ type: 'confirmed', proposalId: proposal.id });
        turn.record({ type: 'subject', releaseId: release.id });
        return { reply: `Applying release ${short(release.id)} of ${release.application} to ${release.environment}: it is ${words(release.state)}. I will show its progress here.`, actions: [releaseCard(release)] };
      },
      'The apply was refused',
    );
  }

  async conversations(user: Caller): Promise<{ items: ConversationSummary[] }> {
    return this.shipgate.conversations.list(user);
  }

  async conversation(user: Caller, id: string): Promise<{ id: string; title: string; messages: Array<Omit<MessageRecord, 'conversationId' | 'actions'> & { actions: ActionCard[] }> }> {
    const conversation = await this.shipgate.conversations.get(user, id);
    const messages = await this.shipgate.conversations.messages(user, id, 500);
    return { id, title: conversation.title, messages: messages.map(({ conversationId: _c, actions, ...m }) => ({ ...m, actions: actions as ActionCard[] })) };
  }

  /**
   * Runs a turn and answers it. On success the turn's state changes are saved (compare-and-set) and its reply
   * recorded; a refusal saves no change and is recorded and thrown as the use case answered it. Replies, cards and
   * refusals are masked with the secrets of the operator's message (the use cases' views are masked already).
   */
  private async answer(caller: Caller, turn: Turn, secrets: readonly string[], work: () => Promise<Outcome>, refused = 'I could not do that'): Promise<CommandReply> {
    const conversationId = caller.conversationId as string;
    const conversations = this.shipgate.conversations;
    let outcome: Outcome;
    try {
      outcome = await work();
    } catch (error) {
      if (!isShipgateError(error)) throw error;
      const detail = redactText(error.detail, secrets);
      const reason = error.metadata.reason ? `, ${String(error.metadata.reason)}` : '';
      await conversations.addMessage(caller, conversationId, { role: 'assistant', text: `${refused}: ${detail} (${error.code}${reason}).`, actions: [], releaseId: turn.start.releaseId });
      throw new ShipgateError(error.code, detail, { ...error.metadata, conversationId });
    }
    const saved = await conversations.changeState(caller, conversationId, (stored) => ({ ...turn.changes.reduce(applyChange, stateOf(stored)) }));
    const releaseId = stateOf(saved.state).releaseId;
    const reply = redactText(outcome.reply, secrets);
    const actions = redactDeep(outcome.actions, secrets);
    await conversations.addMessage(caller, conversationId, { role: 'assistant', text: reply, actions, releaseId });
    return { conversationId, reply, actions, release: releaseId ? await this.readable(caller, releaseId) : null };
  }

  /** The release if the caller may still read it, else nothing (a reply never carries what the caller cannot see). */
  private async readable(caller: Caller, id: string): Promise<Release | null> {
    try {
      return await this.shipgate.releases.get(caller, id);
    } catch (error) {
      if (isShipgateError(error)) return null;
      throw error;
    }
  }

  /** The names the interpreter may resolve: environments, applications and parameter names this user can read. */
  private async context(caller: Caller): Promise<ParseContext> {
    const environments = (await this.shipgate.environments.list(caller)).items.map((e) => e.name);
    const releases = (await this.shipgate.releases.list(caller, { limit: 200 })).items;
    const parameterNames: Record<string, string[]> = {};
    for (const r of releases) parameterNames[r.application] = [...new Set([...(parameterNames[r.application] ?? []), ...Object.keys(r.parameters)])].sort();
    return { environments, applications: Object.keys(parameterNames).sort(), parameterNames };
  }

  private async act(caller: Caller, turn: Turn, understanding: Understanding): Promise<Outcome> {
    switch (understanding.kind) {
      case 'help':
        return { reply: HELP, actions: [] };
      case 'question':
      case 'refusal':
        return { reply: understanding.text, actions: [] };
      case 'unclear':
        // The model's own words only ever as a marked note after ours, never as the answer.
        return { reply: understanding.note ? `${UNCLEAR}\nNote from the language model (nothing was done): “${understanding.note}”` : UNCLEAR, actions: [] };
      case 'intent':
        return this.perform(caller, turn, understanding.intent);
    }
  }

  private async perform(caller: Caller, turn: Turn, intent: Intent): Promise<Outcome> {
    const releases = this.shipgate.releases;
    switch (intent.action) {
      case 'draft_release':
        return this.draft(caller, turn, intent.args);
      case 'preview_release': {
        const target = await this.target(caller, turn, intent.args.releaseId, 'Which release should I preview? Draft one first, or give its id.');
        if ('ask' in target) return ask(target.ask);
        const preview = await this.preview(caller, turn, target.release.id);
        return { reply: `${describePreview(preview.summary)} ${await this.nextStep(caller, target.release)}`, actions: [preview.card] };
      }
      case 'submit_release': {
        const target = await this.target(caller, turn, intent.args.releaseId, 'Which release should I submit?');
        if ('ask' in target) return ask(target.ask);
        const release = await releases.submit(caller, target.release.id, { previewId: turn.state.previews[target.release.id] });
        const reply =
          release.state === 'pending_approval'
            ? `Submitted ${release.application} for ${release.environment}: it waits for ${release.approval.minApprovers} approval${release.approval.minApprovers > 1 ? 's' : ''} in the Approvals queue. Nothing runs until it is approved; then say “apply it”.`
            : `Submitted. ${release.environment} needs no approval: say “apply it” when you are ready.`;
        return { reply, actions: [releaseCard(release)] };
      }
      case 'propose_apply': {
        const target = await this.target(caller, turn, intent.args.releaseId, 'Which release should I apply?');
        if ('ask' in target) return ask(target.ask);
        const release = target.release;
        const previewId = turn.state.previews[release.id];
        if (!previewId) return ask('I need a preview of this release made here before it can be applied. Say “preview it”.');
        const proposal = this.propose(turn, release, previewId);
        const waiting = release.state === 'pending_approval' ? ' It still waits for approval: confirming before it is approved will be refused.' : '';
        return { reply: `Ready to apply ${release.application} to ${release.environment}. Confirm to run it.${waiting}`, actions: [releaseCard(release), proposalCard(proposal, release)] };
      }
      case 'show_status': {
        const resolved = await this.resolveRelease(caller, turn, intent.args);
        if ('ask' in resolved) return ask(resolved.ask);
        const r = resolved.release;
        const approvals = r.approval.status === 'not_required' ? 'no approval needed' : `approval ${r.approval.status} (${r.approval.decisions.filter((d) => d.decision === 'approve').length}/${r.approval.minApprovers})`;
        return { reply: `${r.application} in ${r.environment} (release ${short(r.id)}): ${words(r.state)}, ${approvals}, execution ${words(r.execution.stage)}${r.execution.message ? ` — ${r.execution.message}` : ''}.`, actions: [releaseCard(r)] };
      }
      case 'show_timeline': {
        const resolved = await this.resolveRelease(caller, turn, intent.args);
        if ('ask' in resolved) return ask(resolved.ask);
        const release = resolved.release;
        const page = await releases.timeline(caller, release.id, { limit: 500 });
        const events = page.items.slice(-25);
        return {
          reply: `The last ${events.length} of ${page.items.length} events of ${release.application} in ${release.environment}.`,
          actions: [{ type: 'timeline', releaseId: release.id, events: events.map((e) => ({ seq: e.seq, type: e.type, actor: e.actor.id, channel: e.channel, at: e.at })) }],
        };
      }
      case 'explain_failure': {
        const resolved = await this.resolveRelease(caller, turn, intent.args, ['failed', 'interrupted']);
        if ('ask' in resolved) return ask(resolved.ask);
        const release = resolved.release;
        const diagnostics = await releases.diagnostics(caller, release.id);
        const top = diagnostics.findings.filter((f) => f.severity === 'error').slice(0, 3);
        const reply =
          release.state === 'failed' || release.state === 'interrupted'
            ? `${release.application} in ${release.environment} ${release.state}: ${diagnostics.summary}.${top.length ? ` Main findings: ${top.map((f) => `${f.code} on ${f.resource.kind}/${f.resource.name} (${f.message})`).join('; ')}.` : ''} Say “roll back ${release.application} in ${release.environment}” to restore the last good release.`
            : `${release.application} in ${release.environment} has not failed (it is ${words(release.state)}). ${diagnostics.summary}.`;
        return {
          reply,
          actions: [{ type: 'diagnostics', releaseId: release.id, summary: diagnostics.summary, findings: diagnostics.findings.map((f) => ({ severity: f.severity, code: f.code, resource: `${f.resource.kind}/${f.resource.name}`, message: f.message })) }],
        };
      }
      case 'propose_rollback': {
        const resolved = await this.resolveRelease(caller, turn, intent.args, ['succeeded', 'failed', 'interrupted'], 'Which release should I roll back? Name the application and environment.');
        if ('ask' in resolved) return ask(resolved.ask);
        const source = resolved.release;
        const rollback = await releases.rollback(caller, source.id, {});
        turn.record({ type: 'subject', releaseId: rollback.id });
        const preview = await this.preview(caller, turn, rollback.id);
        const drafted = `Drafted rollback release ${short(rollback.id)} of ${source.application} in ${source.environment} to release ${short(rollback.rollbackTo ?? '')}. ${describePreview(preview.summary)}`;
        const env = await this.shipgate.environments.get(caller, rollback.environment);
        if (env.approval.required) {
          return { reply: `${drafted} ${env.name} requires approval: say “submit it”, then “apply it” once approved.`, actions: [releaseCard(rollback), preview.card] };
        }
        const proposal = this.propose(turn, rollback, preview.id);
        return { reply: `${drafted} Confirm to apply it.`, actions: [releaseCard(rollback), preview.card, proposalCard(proposal, rollback)] };
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

  /**
   * Drafts a release and previews it. It starts only from the environment the operator named: the last release of
   * the application in the target environment, or — for a promotion the operator asked for — the last succeeded one
   * in the source. It never silently copies another environment's release.
   */
  private async draft(caller: Caller, turn: Turn, args: Extract<Intent, { action: 'draft_release' }>['args']): Promise<Outcome> {
    const releases = this.shipgate.releases;
    const application = args.application ?? (await this.subject(caller, turn))?.application;
    if (!application) return ask('Which application should I deploy?');
    const environment = args.environment;
    if (!environment) {
      const envs = (await this.shipgate.environments.list(caller)).items.map((e) => e.name);
      return ask(`To which environment should I deploy ${application}: ${envs.join(', ')}?`);
    }
    const from = args.fromEnvironment;
    // Environments first, through their use case: one the caller may not read is refused as the API refuses it.
    await this.shipgate.environments.get(caller, environment);
    if (from) await this.shipgate.environments.get(caller, from);
    const base = from ? await this.lastRelease(caller, application, from, true) : await this.lastRelease(caller, application, environment, false);
    if (!base) {
      if (from) return ask(`Nothing of ${application} has succeeded in ${from}, so there is nothing to promote.`);
      const elsewhere = (await releases.list(caller, { application, state: 'succeeded', limit: 50 })).items.map((r) => r.environment).find((e) => e !== environment);
      const promote = elsewhere ? ` To bring what runs in ${elsewhere}, say “promote ${application} from ${elsewhere} to ${environment}”; or draft` : ' Draft';
      return ask(`There is no release of ${application} in ${environment} to start from, and I do not start from another environment's release unless you name it.${promote} its first release in ${environment} with a spec on the Deployments page.`);
    }
    const created = await releases.create(caller, {
      application,
      environment,
      fromReleaseId: base.id,
      parameters: args.parameters ?? {},
      description: args.description ?? (from ? `Promote ${application} from ${from}` : undefined),
    });
    turn.record({ type: 'subject', releaseId: created.id });
    const preview = await this.preview(caller, turn, created.id);
    const params = Object.entries(created.parameters).map(([k, v]) => `${k}=${v}`).join(', ');
    const origin = `release ${short(base.id)} in ${base.environment}${base.state === 'succeeded' ? '' : ` (${words(base.state)})`}`;
    return {
      reply: `Drafted release ${short(created.id)} of ${application} for ${environment}${params ? ` (${params})` : ''}, starting from ${origin}. ${describePreview(preview.summary)} ${await this.nextStep(caller, created)}`,
      actions: [releaseCard(await releases.get(caller, created.id)), preview.card],
    };
  }

  /** The newest succeeded release of an application in one environment; unless `succeededOnly`, else its newest release there. */
  private async lastRelease(caller: Caller, application: string, environment: string, succeededOnly: boolean): Promise<Release | null> {
    const releases = this.shipgate.releases;
    const succeeded = (await releases.list(caller, { application, environment, state: 'succeeded', limit: 1 })).items[0];
    if (succeeded || succeededOnly) return succeeded ?? null;
    return (await releases.list(caller, { application, environment, limit: 1 })).items[0] ?? null;
  }

  private propose(turn: Turn, release: Release, previewId: string): Proposal {
    const proposal: Proposal = { id: this.shipgate.conversations.newId(), kind: 'apply', releaseId: release.id, previewId, status: 'proposed' };
    turn.record({ type: 'proposed', proposal });
    return proposal;
  }

  /** The release a preview, submit or apply is about: the one named, or the conversation's; read-checked first. */
  private async target(caller: Caller, turn: Turn, explicit: string | undefined, question: string): Promise<Resolved> {
    const id = explicit ?? turn.state.releaseId;
    if (!id) return { ask: question };
    return { release: this.remember(turn, await this.shipgate.releases.get(caller, id)) };
  }

  /** The conversation's subject, read again with the caller's permission (null when there is none). */
  private async subject(caller: Caller, turn: Turn): Promise<Release | null> {
    return turn.state.releaseId ? this.shipgate.releases.get(caller, turn.state.releaseId) : null;
  }

  /** Makes a release the subject: only ever called with what a read-checked use case returned. */
  private remember(turn: Turn, release: Release): Release {
    if (turn.state.releaseId !== release.id) turn.record({ type: 'subject', releaseId: release.id });
    return release;
  }

  /**
   * The release a question is about: by id, by application and environment (newest, preferring `states`), or the
   * conversation's. An environment is read through its use case first, so one the caller may not read is refused
   * as the API refuses it, and nothing of it is remembered.
   */
  private async resolveRelease(caller: Caller, turn: Turn, args: { releaseId?: string; application?: string; environment?: string }, states: string[] = [], question = 'Which release? Name the application and environment, or give its id.'): Promise<Resolved> {
    if (args.releaseId) return { release: this.remember(turn, await this.shipgate.releases.get(caller, args.releaseId)) };
    if (args.application || args.environment) {
      const current = args.application && args.environment ? null : await this.subject(caller, turn);
      const application = args.application ?? current?.application;
      const environment = args.environment ?? current?.environment;
      if (!application || !environment) return { ask: question };
      const env = await this.shipgate.environments.get(caller, environment);
      const list = await this.shipgate.releases.list(caller, { application, environment: env.name, limit: 50 });
      const found = list.items.find((r) => states.includes(r.state)) ?? list.items[0];
      return found ? { release: this.remember(turn, found) } : { ask: `There is no release of ${application} in ${env.name}.` };
    }
    const current = await this.subject(caller, turn);
    return current ? { release: current } : { ask: question };
  }

  /** Previews a release and remembers the preview's id (never its token) for this conversation. */
  private async preview(caller: Caller, turn: Turn, id: string): Promise<{ id: string; summary: { create: number; update: number; delete: number; unchanged: number }; card: ActionCard }> {
    const { token: _token, ...preview } = await this.shipgate.releases.preview(caller, id);
    turn.record({ type: 'previewed', releaseId: id, previewId: preview.id });
    return {
      id: preview.id,
      summary: preview.summary,
      card: { type: 'preview', releaseId: id, summary: preview.summary, changes: preview.changes.map((c) => ({ action: c.action, kind: c.kind, name: c.name })), expiresAt: preview.expiresAt },
    };
  }

  private async nextStep(caller: Caller, release: Release): Promise<string> {
    const env = await this.shipgate.environments.get(caller, release.environment);
    return env.approval.required ? `${env.name} requires approval: say “submit it” to request it.` : `Say “apply it” to apply it (you will confirm).`;
  }
}

function ask(text: string): Outcome {
  return { reply: text, actions: [] };
}

function short(id: string): string {
  return id.slice(0, 8);
}

function words(value: string): string {
  return value.replaceAll('_', ' ');
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
