import type { Caller } from '../../app/caller.js';
import type { Shipgate } from '../../app/shipgate.js';
import { ShipgateError, isShipgateError } from '../../core/errors.js';
import type { Release } from '../../core/release/release.js';
import { redactDeep, redactText } from '../../core/secrets/secret-masking.js';
import {
  CHANGING_ACTIONS,
  checkIntent,
  describeIntent,
  pinTarget,
  type Intent,
  type ActionArgs,
  type ActionName,
  type ModelTurn,
  type ToolRunner,
  type Understanding,
} from './ai-actions.js';
import { heldCard, releaseCard, type ActionCard } from './cards.js';
import { Turn, emptyState, stateOf, type HeldAction } from './conversation-state.js';
import type { Outcome, TurnScope } from './handlers/intent-handler.js';
import { hold } from './handlers/release-steps.js';
import { StatementGate } from './model-statements.js';
import { INTENT_HANDLERS } from './handlers/intent-handlers.js';
import { HELP, UNCLEAR, short, words } from './reply-words.js';
import { maskMessage, secretsInMessage, type ParseContext } from './rule-intent-parser.js';

/** Turns a message into an understanding: the embedded parser, or a model with tool calling. */
export interface IntentInterpreter {
  interpret(text: string, context: ParseContext & { history: string[] }): Promise<Understanding>;
  /**
   * A model's way: one message as a bounded conversation with tool calls, which `tools` carries out, holds or
   * refuses; its text streamed to `onText` as it comes.
   */
  converse?(
    text: string,
    context: ParseContext & { history: string[] },
    tools: ToolRunner,
    onText: (delta: string) => void,
    signal?: AbortSignal,
  ): Promise<ModelTurn>;
}

/** What a streamed answer tells as it goes: each step's outcome (Shipgate's words), and the model's sentences that hold. */
export interface ReplySink {
  step(outcome: { reply: string; actions: ActionCard[] }): void;
  text(sentence: string): void;
  /** Aborted once no one listens any more: no further model call or tool runs. */
  signal?: AbortSignal;
}

/** The answer to one message or confirmation: Shipgate's reply, its cards, and the release the conversation is about. */
export interface CommandReply {
  conversationId: string;
  reply: string;
  actions: ActionCard[];
  release: Release | null;
}

type Conversations = Shipgate['conversations'];
type ConversationSummary = Awaited<ReturnType<Conversations['list']>>['items'][number];
type StoredMessage = Awaited<ReturnType<Conversations['messages']>>[number];
/** A message of a conversation as the chat panel shows it. */
type ShownMessage = Omit<StoredMessage, 'conversationId' | 'actions'> & { actions: ActionCard[] };

/** How a confirmation is recorded among the operator's messages (never given to a model as the operator's words). */
const CONFIRMATION = 'Confirm: ';

/** The user messages the interpreter sees as history: the newest of the last {@link HISTORY_WINDOW} messages. */
const HISTORY_MESSAGES = 6;
const HISTORY_WINDOW = 2 * HISTORY_MESSAGES;

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
  async message(user: Caller, input: { text: string; conversationId?: string }, sink?: ReplySink): Promise<CommandReply> {
    const secrets = secretsInMessage(input.text);
    const shown = maskMessage(input.text, secrets);
    const conversations = this.shipgate.conversations;
    const conversation = input.conversationId
      ? await conversations.get(user, input.conversationId)
      : await conversations.start(user, { title: shown.slice(0, 80), state: { ...emptyState() } });
    const caller: Caller = { principal: user.principal, channel: 'ai', conversationId: conversation.id };
    const turn = new Turn(stateOf(conversation.state));
    const recent = await conversations.messages(caller, conversation.id, HISTORY_WINDOW);
    // The operator's own words only: a confirmation is a click, and its text names what a model chose.
    const history = recent
      .filter((m) => m.role === 'user' && !m.text.startsWith(CONFIRMATION))
      .map((m) => m.text)
      .slice(-HISTORY_MESSAGES);
    await conversations.addMessage(caller, conversation.id, { role: 'user', text: shown, actions: [], releaseId: turn.state.releaseId });
    return this.answer(caller, turn, secrets, async () => {
      const scope = { shipgate: this.shipgate, caller, turn };
      const context = { ...(await this.context(caller)), history };
      if (this.interpreter.converse)
        return this.converse(scope, this.interpreter.converse.bind(this.interpreter), input.text, context, secrets, sink);
      return this.act(scope, await this.interpreter.interpret(input.text, context));
    });
  }

  /**
   * A message answered with a model: each tool call validated against the action set and carried out through its
   * handler with the operator's permissions; a changing action asked for after a tool result entered the model's
   * context (data that may carry others' words) is held for the operator to confirm. The reply is Shipgate's words for
   * what ran, then the model's sentences whose claims about actions hold, as a marked note.
   */
  private async converse(
    scope: TurnScope,
    converse: NonNullable<IntentInterpreter['converse']>,
    text: string,
    context: ParseContext & { history: string[] },
    secrets: readonly string[],
    sink?: ReplySink,
  ): Promise<Outcome> {
    const outcomes: Outcome[] = [];
    const performed = new Set<ActionName>();
    let tainted = false;
    const told = (outcome: Outcome) => {
      outcomes.push(outcome);
      // Streamed as it is stored: masked with the secrets of the operator's message.
      sink?.step({ reply: redactText(outcome.reply, secrets), actions: redactDeep(outcome.actions, secrets) });
    };
    const gate = new StatementGate(performed, (sentence) => sink?.text(sentence));
    const tools = {
      run: async (name: string, args: unknown): Promise<Record<string, unknown>> => {
        if (sink?.signal?.aborted) return { refused: 'the operator left; nothing more is done' };
        const understanding = checkIntent(name, args);
        if (understanding.kind !== 'intent') {
          const refusal = understanding.kind === 'refusal' ? understanding.text : 'That was not understood, so I did nothing.';
          told({ reply: refusal, actions: [] });
          return { refused: refusal };
        }
        const intent = understanding.intent;
        if (tainted && CHANGING_ACTIONS.has(intent.action)) return this.holdForModel(scope, intent, secrets, told);
        let outcome: Outcome;
        try {
          outcome = await this.perform(scope, intent);
        } catch (error) {
          // Refused before anything ran: the message is refused as the API refuses it. After something ran, what ran
          // stands (and is kept); the refusal is told, and the model hears of it.
          if (!isShipgateError(error) || outcomes.length === 0) throw error;
          const refusal = `I could not do that: ${redactText(error.detail, secrets)} (${error.code}).`;
          told({ reply: refusal, actions: [] });
          return { refused: error.code };
        }
        performed.add(intent.action);
        if (!tainted) {
          tainted = true;
          // What the model asks for from now on read untrusted data: it may no longer change what "it" refers to.
          scope.turn.pinSubject();
        }
        told(outcome);
        return { reply: outcome.reply, cards: outcome.actions };
      },
    };
    const turn = await converse(text, context, tools, (delta) => gate.push(delta), sink?.signal);
    gate.flush();
    if (turn.fallback) return this.act(scope, turn.fallback);
    const note = gate.note;
    const withheld =
      gate.withheld === 0
        ? ''
        : gate.withheld === 1
          ? '\n(One sentence of the model was left out: it said something happened that did not.)'
          : `\n(${gate.withheld} sentences of the model were left out: they said something happened that did not.)`;
    const stopped = turn.interrupted ? '\nThe language model stopped answering; what is above is what was done.' : '';
    if (outcomes.length === 0) {
      const said = note ? `\nNote from the language model (nothing was done): “${note}”` : '';
      return { reply: `${UNCLEAR}${said}${withheld}${stopped}`, actions: [] };
    }
    const said = note ? `\nNote from the language model: “${note}”` : '';
    return {
      reply: `${outcomes.map((o) => o.reply).join('\n')}${said}${withheld}${stopped}`,
      actions: outcomes.flatMap((o) => o.actions),
    };
  }

  /**
   * Holds a changing action a model asked for after reading Shipgate's data. Its target is pinned now (the release
   * "it" means at this moment), so that a later turn cannot point it elsewhere; one that would carry a secret the
   * operator typed is not held at all (it would have to be stored): the operator asks for it directly instead.
   */
  private holdForModel(
    scope: TurnScope,
    intent: Intent,
    secrets: readonly string[],
    told: (outcome: Outcome) => void,
  ): Record<string, unknown> {
    const carried = JSON.stringify(intent.args);
    if (secrets.some((secret) => carried.includes(secret))) {
      told({
        reply: 'The model asked for a change carrying a value you gave as a secret; ask for it directly if you want it.',
        actions: [],
      });
      return { refused: 'not held: it carries a secret; the operator must ask for it directly' };
    }
    const pinned = pinTarget(intent, scope.turn.state.releaseId);
    if (!pinned) {
      told({ reply: 'The model asked for a change to “it”, but this conversation is about no release; nothing was held.', actions: [] });
      return { refused: 'no release to act on' };
    }
    const held = hold(scope, pinned, redactText(describeIntent(pinned), secrets));
    told({
      reply: `The model asked for “${held.label}” after reading Shipgate's data: it is held until you confirm it.`,
      actions: [heldCard(held)],
    });
    return { held: true, note: 'Held for the operator to confirm. It has not happened.' };
  }

  /** Carries out a proposal the operator confirms: through the very same apply use case and its checks. */
  async confirm(user: Caller, input: { conversationId: string; actionId: string }): Promise<CommandReply> {
    const conversation = await this.shipgate.conversations.get(user, input.conversationId);
    const caller: Caller = { principal: user.principal, channel: 'ai', conversationId: conversation.id };
    const turn = new Turn(stateOf(conversation.state));
    const proposal = turn.state.proposals.find((p) => p.id === input.actionId);
    const held = turn.state.held.find((h) => h.id === input.actionId);
    if (held) return this.confirmHeld(caller, held);
    if (!proposal) throw new ShipgateError('NOT_FOUND', `no proposed action ${input.actionId} in this conversation`);
    if (proposal.status !== 'proposed') {
      throw new ShipgateError('INVALID_STATE', `this action was already ${proposal.status}`, { state: proposal.status });
    }
    const { releaseId, previewId } = proposal;
    const text = `${CONFIRMATION}apply release ${releaseId}`;
    await this.shipgate.conversations.addMessage(caller, conversation.id, { role: 'user', text, actions: [], releaseId });
    const apply = async (): Promise<Outcome> => {
      const release = await this.shipgate.releases.apply(caller, releaseId, { previewId });
      turn.record({ type: 'confirmed', proposalId: proposal.id });
      turn.record({ type: 'subject', releaseId: release.id });
      const applying = `Applying release ${short(release.id)} of ${release.application} to ${release.environment}`;
      return { reply: `${applying}: it is ${words(release.state)}. I will show its progress here.`, actions: [releaseCard(release)] };
    };
    return this.answer(caller, turn, [], apply, 'The apply was refused');
  }

  /**
   * Carries out an action a model asked for after reading Shipgate's data, now that the operator confirms it: claimed
   * first (a second confirmation, even a concurrent one, finds it taken), validated against the action set again, and
   * run through its handler as if the operator had asked for it.
   */
  private async confirmHeld(caller: Caller, held: HeldAction): Promise<CommandReply> {
    const conversationId = caller.conversationId as string;
    if (held.status !== 'proposed')
      throw new ShipgateError('INVALID_STATE', `this action was already ${held.status}`, { state: held.status });
    await this.shipgate.conversations.changeState(caller, conversationId, (stored) => {
      const state = stateOf(stored);
      const current = state.held.find((h) => h.id === held.id);
      if (current?.status !== 'proposed') {
        throw new ShipgateError('INVALID_STATE', `this action was already ${current?.status ?? 'taken'}`, { state: current?.status });
      }
      return { ...state, held: state.held.map((h) => (h.id === held.id ? { ...h, status: 'confirmed' as const } : h)) };
    });
    const conversation = await this.shipgate.conversations.get(caller, conversationId);
    const turn = new Turn(stateOf(conversation.state));
    const text = `${CONFIRMATION}${held.label}`;
    await this.shipgate.conversations.addMessage(caller, conversationId, {
      role: 'user',
      text,
      actions: [],
      releaseId: turn.state.releaseId,
    });
    return this.answer(
      caller,
      turn,
      [],
      async () => {
        const understanding = checkIntent(held.action, held.args);
        if (understanding.kind !== 'intent') return { reply: 'That action is no longer one I can do, so I did nothing.', actions: [] };
        return this.perform({ shipgate: this.shipgate, caller, turn }, understanding.intent);
      },
      'The action was refused',
    );
  }

  /** The operator's conversations, most recently active first. */
  async conversations(user: Caller): Promise<{ items: ConversationSummary[] }> {
    return this.shipgate.conversations.list(user);
  }

  /** One of the operator's conversations with its messages and their cards. */
  async conversation(user: Caller, id: string): Promise<{ id: string; title: string; messages: ShownMessage[] }> {
    const conversation = await this.shipgate.conversations.get(user, id);
    const messages = await this.shipgate.conversations.messages(user, id, 500);
    // A proposal card shows what became of it since (confirmed, superseded): a confirmed one is never offered again.
    const state = stateOf(conversation.state);
    const statusOf = new Map<string, string>([...state.proposals, ...state.held].map((p) => [p.id, p.status]));
    const current = (card: ActionCard): ActionCard =>
      card.type === 'proposal' && statusOf.has(card.id) ? ({ ...card, status: statusOf.get(card.id) } as ActionCard) : card;
    const shown = messages.map(({ conversationId: _c, actions, ...m }) => ({ ...m, actions: (actions as ActionCard[]).map(current) }));
    return { id, title: conversation.title, messages: shown };
  }

  /**
   * Runs a turn and answers it. On success the turn's state changes are saved (compare-and-set) and its reply
   * recorded; a refusal saves no change and is recorded and thrown as the use case answered it. Replies, cards and
   * refusals are masked with the secrets of the operator's message (the use cases' views are masked already).
   */
  private async answer(
    caller: Caller,
    turn: Turn,
    secrets: readonly string[],
    work: () => Promise<Outcome>,
    refused = 'I could not do that',
  ): Promise<CommandReply> {
    const conversationId = caller.conversationId as string;
    const conversations = this.shipgate.conversations;
    let outcome: Outcome;
    try {
      outcome = await work();
    } catch (error) {
      if (!isShipgateError(error)) throw error;
      const detail = redactText(error.detail, secrets);
      const reason = error.metadata.reason ? `, ${String(error.metadata.reason)}` : '';
      const text = `${refused}: ${detail} (${error.code}${reason}).`;
      const before = turn.start.releaseId;
      await conversations.addMessage(caller, conversationId, { role: 'assistant', text, actions: [], releaseId: before });
      throw new ShipgateError(error.code, detail, { ...error.metadata, conversationId });
    }
    const saved = await conversations.changeState(caller, conversationId, (stored) => ({ ...turn.onto(stored) }));
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
    for (const r of releases) {
      parameterNames[r.application] = [...new Set([...(parameterNames[r.application] ?? []), ...Object.keys(r.parameters)])].sort();
    }
    return { environments, applications: Object.keys(parameterNames).sort(), parameterNames };
  }

  /** Answers what the interpreter understood: Shipgate's own words, or the action's handler from the map. */
  private async act(scope: TurnScope, understanding: Understanding): Promise<Outcome> {
    switch (understanding.kind) {
      case 'help':
        return { reply: HELP, actions: [] };
      case 'question':
      case 'refusal':
        return { reply: understanding.text, actions: [] };
      case 'unclear':
        // The model's own words only ever as a marked note after ours, never as the answer.
        return {
          reply: understanding.note ? `${UNCLEAR}\nNote from the language model (nothing was done): “${understanding.note}”` : UNCLEAR,
          actions: [],
        };
      case 'intent':
        return this.perform(scope, understanding.intent);
    }
  }

  /** Looks the action's handler up in {@link INTENT_HANDLERS} and runs it. */
  private perform<A extends ActionName>(scope: TurnScope, intent: { action: A; args: ActionArgs<A> }): Promise<Outcome> {
    return INTENT_HANDLERS[intent.action](scope, intent.args);
  }
}
