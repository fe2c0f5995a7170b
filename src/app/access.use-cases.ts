import { createHash, timingSafeEqual } from 'node:crypto';
import { permissionMap, type Permission, type Principal, type RoleBinding } from '../core/access/access.js';
import { ShipgateError } from '../core/errors.js';
import type { TokenRecord } from '../ports/store.js';
import type { AppContext } from './app-context.js';
import { requireGlobal, type Caller } from './caller.js';

const TOKEN_PREFIX = 'sgt_';
const ADMIN_BINDINGS: RoleBinding[] = [{ role: 'admin', environments: ['*'] }];
/** The id of the bootstrap admin token (`SHIPGATE_ADMIN_TOKEN`), which has no stored record: stable across restarts. */
export const BOOTSTRAP_TOKEN_ID = 'bootstrap-admin';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface CreateTokenInput {
  subject: string;
  bindings: RoleBinding[];
  expiresInSeconds?: number;
}

/** Who a bearer token stands for, and the token's id (never its secret): the key of its rate limits. */
export interface Authentication {
  tokenId: string;
  principal: Principal;
}

/** A stored token as an admin may list it: no secret, no hash. */
export type TokenSummary = Pick<TokenRecord, 'id' | 'subject' | 'bindings' | 'createdAt' | 'createdBy' | 'expiresAt' | 'revokedAt'>;

export interface CreatedToken {
  id: string;
  token: string;
  subject: string;
  bindings: RoleBinding[];
  expiresAt: string | null;
}

/**
 * How long a process trusts a token record it read without reading it again. A revocation reaches every process at
 * once (here directly, in the others through the store's change feed); this bounds the time a lost notification could
 * leave a revoked token usable on another replica.
 */
const TOKEN_CACHE_MS = 2_000;
/** How many token records a process remembers (the oldest forgotten first); unknown tokens are never remembered. */
const TOKEN_CACHE_SIZE = 10_000;

/** Stored token records by hash, each trusted for {@link TOKEN_CACHE_MS}; forgotten all at once on any revocation. */
class TokenCache {
  private readonly records = new Map<string, { record: TokenRecord; until: number }>();
  /** Bumped by every {@link clear}: a record read before a revocation must not be remembered after it. */
  private generation = 0;

  get(hash: string, now: number): TokenRecord | undefined {
    const entry = this.records.get(hash);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry.record;
    this.records.delete(hash);
    return undefined;
  }

  /** Where reads stand: what {@link put} compares. */
  mark(): number {
    return this.generation;
  }

  /** Remembers a record read since `mark` (unless a revocation came between). */
  put(record: TokenRecord, now: number, mark: number): void {
    if (mark !== this.generation) return;
    if (this.records.size >= TOKEN_CACHE_SIZE) this.records.delete(this.records.keys().next().value!);
    this.records.set(record.tokenHash, { record, until: now + TOKEN_CACHE_MS });
  }

  clear(): void {
    this.generation++;
    this.records.clear();
  }
}

/** Bearer tokens: issue (shown once, stored as a hash), authenticate, revoke. */
export class AccessUseCases {
  private readonly bootstrapHash: Buffer | null;
  private readonly cache = new TokenCache();

  constructor(
    private readonly ctx: AppContext,
    options: { adminToken?: string | null } = {},
  ) {
    this.bootstrapHash = options.adminToken ? Buffer.from(hashToken(options.adminToken), 'hex') : null;
    ctx.bus.onTokensChanged(() => this.cache.clear());
  }

  /** The principal a bearer token stands for, or `UNAUTHENTICATED` (unknown, expired or revoked). */
  async authenticate(token: string | undefined): Promise<Authentication> {
    if (!token) throw new ShipgateError('UNAUTHENTICATED', 'a bearer token is required');
    const hash = hashToken(token);
    if (this.bootstrapHash && timingSafeEqual(this.bootstrapHash, Buffer.from(hash, 'hex'))) {
      return { tokenId: BOOTSTRAP_TOKEN_ID, principal: { subject: 'admin', bindings: ADMIN_BINDINGS } };
    }
    // The system clock, not the app clock: what the cache bounds is real time since the read.
    const readAt = performance.now();
    let record = this.cache.get(hash, readAt) ?? null;
    if (record === null) {
      const mark = this.cache.mark();
      record = await this.ctx.store.tokens.getByHash(hash);
      if (!record) throw new ShipgateError('UNAUTHENTICATED', 'unknown token');
      // A revoked token is remembered too: it stays refused without a read.
      this.cache.put(record, readAt, mark);
    }
    if (record.revokedAt) throw new ShipgateError('UNAUTHENTICATED', 'the token was revoked');
    if (record.expiresAt && Date.parse(record.expiresAt) <= this.ctx.clock.now().getTime()) {
      throw new ShipgateError('UNAUTHENTICATED', 'the token expired');
    }
    return { tokenId: record.id, principal: { subject: record.subject, bindings: record.bindings } };
  }

  async createToken(caller: Caller, input: CreateTokenInput): Promise<CreatedToken> {
    requireGlobal(caller, 'admin');
    return this.issue(input, caller.principal.subject);
  }

  private async issue(input: CreateTokenInput, createdBy: string): Promise<CreatedToken> {
    const token = TOKEN_PREFIX + Buffer.from(this.ctx.ids.randomBytes(32)).toString('base64url');
    const now = this.ctx.clock.now();
    const record: TokenRecord = {
      id: this.ctx.ids.newId(),
      subject: input.subject,
      bindings: input.bindings,
      tokenHash: hashToken(token),
      createdAt: now.toISOString(),
      createdBy,
      expiresAt: input.expiresInSeconds ? new Date(now.getTime() + input.expiresInSeconds * 1000).toISOString() : null,
      revokedAt: null,
    };
    await this.ctx.store.tokens.insert(record);
    return { id: record.id, token, subject: record.subject, bindings: record.bindings, expiresAt: record.expiresAt };
  }

  /** Every stored token, oldest first, without its secret or hash (admin). */
  async listTokens(caller: Caller): Promise<TokenSummary[]> {
    requireGlobal(caller, 'admin');
    const records = await this.ctx.store.tokens.list();
    return records.map(({ id, subject, bindings, createdAt, createdBy, expiresAt, revokedAt }) => ({
      id,
      subject,
      bindings,
      createdAt,
      createdBy,
      expiresAt,
      revokedAt,
    }));
  }

  async revokeToken(caller: Caller, id: string): Promise<void> {
    requireGlobal(caller, 'admin');
    const record = await this.ctx.store.tokens.get(id);
    if (!record) throw new ShipgateError('NOT_FOUND', `token ${id} not found`);
    await this.ctx.store.tokens.revoke(id, this.ctx.nowIso());
    this.ctx.bus.notifyTokensChanged();
  }

  me(caller: Caller): { subject: string; bindings: RoleBinding[]; permissions: Record<string, Permission[]> } {
    return { subject: caller.principal.subject, bindings: caller.principal.bindings, permissions: permissionMap(caller.principal) };
  }

  /**
   * On an empty store with no configured admin token, issues an admin token and returns it (to be printed once).
   * Returns null when there is nothing to bootstrap.
   */
  async bootstrapAdmin(): Promise<string | null> {
    if (this.bootstrapHash) return null;
    if ((await this.ctx.store.tokens.count()) > 0) return null;
    const created = await this.issue({ subject: 'admin', bindings: ADMIN_BINDINGS }, 'bootstrap');
    return created.token;
  }
}
