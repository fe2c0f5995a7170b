import type { RateCounter } from '../../ports/rate-counter.js';
import { KyselyRateCounter } from './repositories/rate-counter.repository.js';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { ChainHasher } from '../../core/audit/timeline-event.js';
import type { Store, StoreSession } from '../../ports/store.js';
import { openDatabase, type DialectCapabilities, type OpenDatabaseOptions } from './database.js';
import type { Database } from './database.tables.js';
import { KyselyApprovalRepository } from './repositories/approval.repository.js';
import type { Connection } from './repositories/connection.js';
import { KyselyConversationRepository } from './repositories/conversation.repository.js';
import { KyselyDiagnosticsRepository } from './repositories/diagnostics.repository.js';
import { KyselyDriftRepository } from './repositories/drift.repository.js';
import { KyselyEnvironmentRepository } from './repositories/environment.repository.js';
import { KyselyPreviewRepository } from './repositories/preview.repository.js';
import { KyselyReleaseRepository } from './repositories/release.repository.js';
import { KyselyTimelineRepository } from './repositories/timeline.repository.js';
import { KyselyTokenRepository } from './repositories/token.repository.js';
import { KyselyWebhookRepository } from './repositories/webhook.repository.js';
import { KyselyRoleMappingRepository, KyselySessionRepository, KyselySignInRepository } from './repositories/identity.repository.js';

/** Every repository bound to one connection: the database itself, or a transaction on it. */
function session(db: Connection, capabilities: DialectCapabilities, chain: ChainHasher): StoreSession {
  return {
    environments: new KyselyEnvironmentRepository(db),
    releases: new KyselyReleaseRepository(db),
    previews: new KyselyPreviewRepository(db),
    approvals: new KyselyApprovalRepository(db, capabilities),
    timeline: new KyselyTimelineRepository(db, capabilities, chain),
    tokens: new KyselyTokenRepository(db),
    diagnostics: new KyselyDiagnosticsRepository(db),
    conversations: new KyselyConversationRepository(db),
    drift: new KyselyDriftRepository(db),
    webhooks: new KyselyWebhookRepository(db, capabilities),
    roleMappings: new KyselyRoleMappingRepository(db),
    sessions: new KyselySessionRepository(db),
    signIns: new KyselySignInRepository(db),
  };
}

/** How to open the store: the database, and the keyed hasher that chains every appended timeline event. */
export interface KyselyStoreOptions extends OpenDatabaseOptions {
  chain: ChainHasher;
}

/**
 * Shipgate's store over Kysely, on SQLite (embedded default) or PostgreSQL (shared by several processes).
 * @example const store = await KyselyStore.create({ url: 'postgres://postgres@127.0.0.1:5432/test', chain: auditKeys })
 */
export class KyselyStore implements Store {
  readonly environments;
  readonly releases;
  readonly previews;
  readonly approvals;
  readonly timeline;
  readonly tokens;
  readonly diagnostics;
  readonly conversations;
  readonly drift;
  readonly webhooks;
  readonly roleMappings;
  readonly sessions;
  readonly signIns;
  /** Rate-limit windows every process of this store shares. */
  readonly rateCounter: RateCounter;

  private constructor(
    private readonly db: Kysely<Database>,
    readonly capabilities: DialectCapabilities,
    private readonly chain: ChainHasher,
    private readonly closeDatabase: () => Promise<void>,
  ) {
    const s = session(db, capabilities, chain);
    this.rateCounter = new KyselyRateCounter(db);
    this.environments = s.environments;
    this.releases = s.releases;
    this.previews = s.previews;
    this.approvals = s.approvals;
    this.timeline = s.timeline;
    this.tokens = s.tokens;
    this.diagnostics = s.diagnostics;
    this.conversations = s.conversations;
    this.drift = s.drift;
    this.webhooks = s.webhooks;
    this.roleMappings = s.roleMappings;
    this.sessions = s.sessions;
    this.signIns = s.signIns;
  }

  /** Opens and migrates the database. */
  static async create(options: KyselyStoreOptions): Promise<KyselyStore> {
    const opened = await openDatabase(options);
    return new KyselyStore(opened.db, opened.capabilities, options.chain, opened.close);
  }

  transaction<T>(work: (tx: StoreSession) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(session(trx, this.capabilities, this.chain)));
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  close(): Promise<void> {
    return this.closeDatabase();
  }
}
