import type { Selectable } from 'kysely';
import type { ConversationRecord, ConversationRepository, MessageRecord } from '../../../ports/store.js';
import type { ConversationMessagesTable, ConversationsTable } from '../database.tables.js';
import { fromJson } from './column-codecs.js';
import { changedOneRow, type Connection } from './connection.js';

function conversationFromRow(row: Selectable<ConversationsTable>): ConversationRecord {
  return {
    id: row.id,
    subject: row.subject,
    title: row.title,
    state: fromJson(row.state),
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function conversationToRow(c: ConversationRecord): ConversationsTable {
  return {
    id: c.id,
    subject: c.subject,
    title: c.title,
    state: JSON.stringify(c.state),
    version: c.version,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

function messageFromRow(row: Selectable<ConversationMessagesTable>): MessageRecord {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    role: row.role as MessageRecord['role'],
    text: row.text,
    actions: fromJson(row.actions),
    releaseId: row.release_id,
    at: row.at,
  };
}

function messageToRow(m: MessageRecord): ConversationMessagesTable {
  return {
    id: m.id,
    conversation_id: m.conversationId,
    role: m.role,
    text: m.text,
    actions: JSON.stringify(m.actions),
    release_id: m.releaseId,
    at: m.at,
  };
}

/**
 * Command-center conversations (`conversations`, state written by compare-and-set on `version`) and their
 * messages (`conversation_messages`).
 * @example const saved = await conversations.compareAndSetState(id, record.version, next, now)
 */
export class KyselyConversationRepository implements ConversationRepository {
  constructor(private readonly db: Connection) {}

  async insert(conversation: ConversationRecord): Promise<void> {
    await this.db.insertInto('conversations').values(conversationToRow(conversation)).execute();
  }

  async get(id: string): Promise<ConversationRecord | null> {
    const row = await this.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? conversationFromRow(row) : null;
  }

  async compareAndSetState(id: string, expectedVersion: number, state: Record<string, unknown>, updatedAt: string): Promise<boolean> {
    const result = await this.db
      .updateTable('conversations')
      .set((eb) => ({ state: JSON.stringify(state), updated_at: updatedAt, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return changedOneRow(result);
  }

  async listBySubject(subject: string, limit: number): Promise<ConversationRecord[]> {
    const rows = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('subject', '=', subject)
      .orderBy('updated_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(conversationFromRow);
  }

  async addMessage(message: MessageRecord): Promise<void> {
    await this.db.insertInto('conversation_messages').values(messageToRow(message)).execute();
  }

  async messages(conversationId: string, limit: number): Promise<MessageRecord[]> {
    // The newest `limit`, read newest first and turned around.
    const rows = await this.db
      .selectFrom('conversation_messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    rows.reverse();
    return rows.map(messageFromRow);
  }
}
