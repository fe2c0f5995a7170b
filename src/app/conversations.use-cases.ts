import { ShipgateError } from '../core/errors.js';
import type { ConversationRecord, MessageRecord } from '../ports/store.js';
import type { AppContext } from './app-context.js';
import type { Caller } from './caller.js';

/** How often a state change is re-applied onto a newer state after losing a race, before the caller gets 409. */
const STATE_WRITE_ATTEMPTS = 8;
/** The most a retry waits per attempt so far (ms); a random share of it spreads racing writers apart. */
const RETRY_BACKOFF_MS = 8;

/** A conversation as listed: no state, no messages. */
export type ConversationSummary = Pick<ConversationRecord, 'id' | 'title' | 'createdAt' | 'updatedAt'>;

/** What a new message says; the use case adds its id, conversation and time. */
export type NewMessage = Pick<MessageRecord, 'role' | 'text' | 'actions' | 'releaseId'>;

/**
 * The command center's conversations: each belongs to one user, and to anyone else it does not exist (404). The
 * state is the command center's own JSON; it changes only by compare-and-set on the conversation's version.
 */
export class ConversationUseCases {
  constructor(private readonly ctx: AppContext) {}

  async start(caller: Caller, input: { title: string; state: Record<string, unknown> }): Promise<ConversationRecord> {
    const now = this.ctx.nowIso();
    const conversation: ConversationRecord = {
      id: this.ctx.ids.newId(),
      subject: caller.principal.subject,
      title: input.title,
      state: input.state,
      version: 0,
      createdAt: now,
      updatedAt: now,
    };
    await this.ctx.store.conversations.insert(conversation);
    return conversation;
  }

  /** One of the caller's conversations, or `NOT_FOUND` (also for another user's). */
  async get(caller: Caller, id: string): Promise<ConversationRecord> {
    const conversation = await this.ctx.store.conversations.get(id);
    if (!conversation || conversation.subject !== caller.principal.subject)
      throw new ShipgateError('NOT_FOUND', `conversation ${id} not found`);
    return conversation;
  }

  /** The caller's conversations, most recently active first. */
  async list(caller: Caller, limit = 50): Promise<{ items: ConversationSummary[] }> {
    const list = await this.ctx.store.conversations.listBySubject(caller.principal.subject, limit);
    return { items: list.map(({ id, title, createdAt, updatedAt }) => ({ id, title, createdAt, updatedAt })) };
  }

  /** The newest `limit` messages of one of the caller's conversations, oldest first. */
  async messages(caller: Caller, id: string, limit: number): Promise<MessageRecord[]> {
    await this.get(caller, id);
    return this.ctx.store.conversations.messages(id, limit);
  }

  async addMessage(caller: Caller, id: string, message: NewMessage): Promise<MessageRecord> {
    await this.get(caller, id);
    const record: MessageRecord = { ...message, id: this.ctx.ids.newId(), conversationId: id, at: this.ctx.nowIso() };
    await this.ctx.store.conversations.addMessage(record);
    return record;
  }

  /**
   * Changes the state by compare-and-set. Lost-race policy: wait a random moment, re-read and apply `change` again to
   * the newer state (so both writers' changes are kept, never overwritten); after {@link STATE_WRITE_ATTEMPTS} lost
   * races, `INVALID_STATE`.
   */
  async changeState(
    caller: Caller,
    id: string,
    change: (state: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<ConversationRecord> {
    for (let attempt = 0; attempt < STATE_WRITE_ATTEMPTS; attempt += 1) {
      if (attempt > 0)
        await new Promise((resolve) => setTimeout(resolve, (1 + ((this.ctx.ids.randomBytes(1)[0] ?? 0) % RETRY_BACKOFF_MS)) * attempt));
      const current = await this.get(caller, id);
      const state = change(current.state);
      const updatedAt = this.ctx.nowIso();
      if (await this.ctx.store.conversations.compareAndSetState(id, current.version, state, updatedAt)) {
        return { ...current, state, version: current.version + 1, updatedAt };
      }
    }
    throw new ShipgateError('INVALID_STATE', 'the conversation changed concurrently too often; send the message again');
  }

  /** A new id for something the command center proposes in a conversation (from the ids port). */
  newId(): string {
    return this.ctx.ids.newId();
  }
}
