import type { Selectable } from 'kysely';
import {
  DEFAULT_APPROVAL_POLICY,
  DEFAULT_VERIFICATION,
  type ApprovalPolicy,
  type Environment,
  type VerificationPolicy,
} from '../../../core/environment/environment.js';
import { DEFAULT_POLICY, type EnvironmentPolicy } from '../../../core/policy/policy.js';
import type { Runtime } from '../../../core/release/release.js';
import type { EnvironmentRepository } from '../../../ports/store.js';
import type { EnvironmentsTable } from '../database.tables.js';
import { fromFlag, fromJson, toFlag } from './column-codecs.js';
import type { Connection } from './connection.js';

function environmentFromRow(row: Selectable<EnvironmentsTable>): Environment {
  return {
    name: row.name,
    runtime: row.runtime as Runtime,
    target: fromJson(row.target),
    production: fromFlag(row.production),
    approval: { ...DEFAULT_APPROVAL_POLICY, ...fromJson<Partial<ApprovalPolicy>>(row.approval) },
    previewTtlSeconds: row.preview_ttl_seconds,
    applyTimeoutSeconds: row.apply_timeout_seconds,
    freezeWindows: fromJson(row.freeze_windows),
    // Environments made before policies were kept are held to the baseline.
    // Policies saved before a field existed take its default (no host paths, no custom rules).
    policy: { ...DEFAULT_POLICY, ...(row.policy === null ? {} : fromJson<Partial<EnvironmentPolicy>>(row.policy)) },
    promotion: row.promotion === null ? null : fromJson(row.promotion),
    verification:
      row.verification === null ? null : { ...DEFAULT_VERIFICATION, ...fromJson<Partial<VerificationPolicy>>(row.verification) },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function environmentToRow(env: Environment): EnvironmentsTable {
  return {
    name: env.name,
    runtime: env.runtime,
    target: JSON.stringify(env.target),
    production: toFlag(env.production),
    approval: JSON.stringify(env.approval),
    preview_ttl_seconds: env.previewTtlSeconds,
    apply_timeout_seconds: env.applyTimeoutSeconds,
    freeze_windows: JSON.stringify(env.freezeWindows),
    policy: JSON.stringify(env.policy),
    promotion: env.promotion === null ? null : JSON.stringify(env.promotion),
    verification: env.verification === null ? null : JSON.stringify(env.verification),
    created_at: env.createdAt,
    updated_at: env.updatedAt,
  };
}

/**
 * Environments in the `environments` table, keyed by name.
 * @example await new KyselyEnvironmentRepository(db).get('production')
 */
export class KyselyEnvironmentRepository implements EnvironmentRepository {
  constructor(private readonly db: Connection) {}

  async insert(environment: Environment): Promise<void> {
    await this.db.insertInto('environments').values(environmentToRow(environment)).execute();
  }

  async get(name: string): Promise<Environment | null> {
    const row = await this.db.selectFrom('environments').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? environmentFromRow(row) : null;
  }

  async list(): Promise<Environment[]> {
    const rows = await this.db.selectFrom('environments').selectAll().orderBy('name').execute();
    return rows.map(environmentFromRow);
  }

  async update(environment: Environment): Promise<void> {
    const { name, ...rest } = environmentToRow(environment);
    await this.db.updateTable('environments').set(rest).where('name', '=', name).execute();
  }
}
