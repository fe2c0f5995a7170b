import type { Selectable } from 'kysely';
import type { Role } from '../../../core/access/access.js';
import type { RoleMapping } from '../../../core/access/role-mapping.js';
import type { RoleMappingRepository, SessionRecord, SessionRepository, SignInRecord, SignInRepository } from '../../../ports/store.js';
import type { SessionsTable } from '../database.tables.js';
import { fromJson } from './column-codecs.js';
import { changedOneRow, type Connection } from './connection.js';

/**
 * Claim → role mappings in `role_mappings`, kept in the order an admin gave them.
 * @example await tx.roleMappings.replace([{ issuer: null, claim: 'groups', value: 'ops', role: 'admin', environments: ['*'] }])
 */
export class KyselyRoleMappingRepository implements RoleMappingRepository {
  constructor(private readonly db: Connection) {}

  async list(): Promise<RoleMapping[]> {
    const rows = await this.db.selectFrom('role_mappings').selectAll().orderBy('position').execute();
    return rows.map((row) => ({
      issuer: row.issuer,
      claim: row.claim,
      value: row.value,
      role: row.role as Role,
      environments: fromJson<string[]>(row.environments),
    }));
  }

  async replace(mappings: RoleMapping[]): Promise<void> {
    await this.db.deleteFrom('role_mappings').execute();
    if (mappings.length === 0) return;
    await this.db
      .insertInto('role_mappings')
      .values(
        mappings.map((m, position) => ({
          position,
          issuer: m.issuer,
          claim: m.claim,
          value: m.value,
          role: m.role,
          environments: JSON.stringify(m.environments),
        })),
      )
      .execute();
  }
}

function sessionFromRow(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    secretHash: row.secret_hash,
    csrf: row.csrf,
    issuer: row.issuer,
    subject: row.subject,
    claims: fromJson(row.claims),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
  };
}

/** Browser sessions in `sessions`, found by the hash of their cookie; ended at most once. */
export class KyselySessionRepository implements SessionRepository {
  constructor(private readonly db: Connection) {}

  async insert(s: SessionRecord): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: s.id,
        secret_hash: s.secretHash,
        csrf: s.csrf,
        issuer: s.issuer,
        subject: s.subject,
        claims: JSON.stringify(s.claims),
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        ended_at: s.endedAt,
      })
      .execute();
  }

  async getBySecretHash(secretHash: string): Promise<SessionRecord | null> {
    const row = await this.db.selectFrom('sessions').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
    return row ? sessionFromRow(row) : null;
  }

  async end(secretHash: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ ended_at: at })
      .where('secret_hash', '=', secretHash)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return changedOneRow(result);
  }

  async purgeUnusable(now: string): Promise<void> {
    await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('ended_at', 'is not', null)]))
      .execute();
  }
}

/** Sign-ins under way in `sign_ins`: each taken (deleted) once by its callback. */
export class KyselySignInRepository implements SignInRepository {
  constructor(private readonly db: Connection) {}

  async insert(s: SignInRecord): Promise<void> {
    await this.db
      .insertInto('sign_ins')
      .values({
        key_hash: s.keyHash,
        state: s.state,
        nonce: s.nonce,
        code_verifier: s.codeVerifier,
        next: s.next,
        expires_at: s.expiresAt,
      })
      .execute();
  }

  async purgeExpired(now: string): Promise<void> {
    await this.db.deleteFrom('sign_ins').where('expires_at', '<=', now).execute();
  }

  async take(keyHash: string): Promise<SignInRecord | null> {
    const row = await this.db.deleteFrom('sign_ins').where('key_hash', '=', keyHash).returningAll().executeTakeFirst();
    if (!row) return null;
    return {
      keyHash: row.key_hash,
      state: row.state,
      nonce: row.nonce,
      codeVerifier: row.code_verifier,
      next: row.next,
      expiresAt: row.expires_at,
    };
  }
}
