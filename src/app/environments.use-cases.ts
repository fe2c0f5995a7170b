import { environmentsWith } from '../core/access/access.js';
import {
  DEFAULT_APPLY_TIMEOUT_SECONDS,
  DEFAULT_VERIFICATION,
  DEFAULT_PREVIEW_TTL_SECONDS,
  defaultApprovalPolicy,
  type ApprovalPolicy,
  type Environment,
  type EnvironmentTarget,
  type FreezeWindow,
  type PromotionRule,
  type VerificationPolicy,
} from '../core/environment/environment.js';
import { checkPromotionSource, checkTargetFree, validateEnvironment } from '../core/environment/environment-rules.js';
import { ShipgateError, type FieldError } from '../core/errors.js';
import { DEFAULT_POLICY, type EnvironmentPolicy } from '../core/policy/policy.js';
import type { Runtime } from '../core/release/release.js';
import type { AppContext } from './app-context.js';
import { requireGlobal, requirePermission, type Caller } from './caller.js';

export interface EnvironmentInput {
  name: string;
  runtime: Runtime;
  target: EnvironmentTarget;
  production?: boolean;
  approval?: Partial<ApprovalPolicy>;
  previewTtlSeconds?: number;
  applyTimeoutSeconds?: number;
  freezeWindows?: FreezeWindow[];
  policy?: Partial<EnvironmentPolicy>;
  promotion?: PromotionRule | null;
  verification?: VerificationInput | null;
}

/** A verification policy as sent: unset fields take their defaults. */
export type VerificationInput = Partial<Omit<VerificationPolicy, 'httpProbe'>> & {
  httpProbe?: { url: string; expectStatus?: number } | null;
};

function verificationOf(input: VerificationInput | null | undefined, current: VerificationPolicy | null): VerificationPolicy | null {
  if (input === undefined) return current;
  if (input === null) return null;
  const base = current ?? DEFAULT_VERIFICATION;
  const probe = input.httpProbe === undefined ? base.httpProbe : input.httpProbe;
  return {
    ...base,
    ...input,
    httpProbe: probe === null ? null : { url: probe.url, expectStatus: probe.expectStatus ?? 200 },
  };
}

export type EnvironmentPatch = Partial<Omit<EnvironmentInput, 'name' | 'runtime'>>;

/** Environments and their governance policy. Creating and changing them needs `admin` on every environment. */
export class EnvironmentUseCases {
  constructor(private readonly ctx: AppContext) {}

  async create(caller: Caller, input: EnvironmentInput): Promise<Environment> {
    requireGlobal(caller, 'admin');
    const production = input.production ?? false;
    const now = this.ctx.nowIso();
    const env: Environment = {
      name: input.name,
      runtime: input.runtime,
      target: input.target,
      production,
      approval: { ...defaultApprovalPolicy(production), ...input.approval },
      previewTtlSeconds: input.previewTtlSeconds ?? DEFAULT_PREVIEW_TTL_SECONDS,
      applyTimeoutSeconds: input.applyTimeoutSeconds ?? DEFAULT_APPLY_TIMEOUT_SECONDS,
      freezeWindows: input.freezeWindows ?? [],
      policy: { ...DEFAULT_POLICY, ...input.policy },
      promotion: input.promotion ?? null,
      verification: verificationOf(input.verification, null),
      createdAt: now,
      updatedAt: now,
    };
    validateEnvironment(env);
    this.checkRules(env);
    return this.ctx.store.transaction(async (tx) => {
      if (await tx.environments.get(env.name)) throw new ShipgateError('ALREADY_EXISTS', `environment "${env.name}" already exists`);
      const all = await tx.environments.list();
      checkTargetFree(env, all);
      checkPromotionSource(env, all);
      await tx.environments.insert(env);
      this.recordPolicyChoice(caller, env, null);
      return env;
    });
  }

  async update(caller: Caller, name: string, patch: EnvironmentPatch): Promise<Environment> {
    requireGlobal(caller, 'admin');
    return this.ctx.store.transaction(async (tx) => {
      const current = await tx.environments.get(name);
      if (!current) throw new ShipgateError('NOT_FOUND', `environment "${name}" not found`);
      const env: Environment = {
        ...current,
        target: patch.target ?? current.target,
        production: patch.production ?? current.production,
        approval: { ...current.approval, ...patch.approval },
        previewTtlSeconds: patch.previewTtlSeconds ?? current.previewTtlSeconds,
        applyTimeoutSeconds: patch.applyTimeoutSeconds ?? current.applyTimeoutSeconds,
        freezeWindows: patch.freezeWindows ?? current.freezeWindows,
        policy: { ...current.policy, ...patch.policy },
        promotion: patch.promotion === undefined ? current.promotion : patch.promotion,
        verification: verificationOf(patch.verification, current.verification),
        updatedAt: this.ctx.nowIso(),
      };
      validateEnvironment(env);
      this.checkRules(env);
      const all = await tx.environments.list();
      checkTargetFree(env, all);
      checkPromotionSource(env, all);
      await tx.environments.update(env);
      this.recordPolicyChoice(caller, env, current);
      return env;
    });
  }

  /**
   * First run: on an empty store, when the Docker engine answers, creates environment `local` (Compose, project
   * `local`, no approval, the baseline policy) so that a new user can deploy at once. Null when there was nothing to do.
   */
  async firstRun(): Promise<Environment | null> {
    const compose = this.ctx.drivers.compose;
    if (!compose || (await this.ctx.store.environments.list()).length > 0) return null;
    if (
      !(await compose.ping().then(
        () => true,
        () => false,
      ))
    )
      return null;
    const now = this.ctx.nowIso();
    const env: Environment = {
      name: 'local',
      runtime: 'compose',
      target: { project: 'local' },
      production: false,
      approval: defaultApprovalPolicy(false),
      previewTtlSeconds: DEFAULT_PREVIEW_TTL_SECONDS,
      applyTimeoutSeconds: DEFAULT_APPLY_TIMEOUT_SECONDS,
      freezeWindows: [],
      policy: { ...DEFAULT_POLICY },
      promotion: null,
      verification: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      return await this.ctx.store.transaction(async (tx) => {
        if ((await tx.environments.list()).length > 0) return null;
        await tx.environments.insert(env);
        this.ctx.logger.info({ environment: env.name }, 'first run: created environment local on the Docker engine');
        return env;
      });
    } catch (error) {
      // Another process sharing the store made it at the same moment: nothing left to do.
      if (await this.ctx.store.environments.get(env.name)) return null;
      throw error;
    }
  }

  /** Which runtimes this server drives and whether each answers now (what the first screen tells a new user). */
  async runtimes(): Promise<{ items: Array<{ runtime: Runtime; reachable: boolean }> }> {
    const entries = Object.entries(this.ctx.drivers) as Array<[Runtime, { ping(): Promise<void> }]>;
    const items = await Promise.all(
      entries.map(async ([runtime, driver]) => ({
        runtime,
        reachable: await driver.ping().then(
          () => true,
          () => false,
        ),
      })),
    );
    return { items };
  }

  async get(caller: Caller, name: string): Promise<Environment> {
    // Permission first: whether an environment exists is itself something only its readers learn.
    requirePermission(caller, 'deployment:read', name);
    const env = await this.ctx.store.environments.get(name);
    if (!env) throw new ShipgateError('NOT_FOUND', `environment "${name}" not found`);
    return env;
  }

  /**
   * Refuses custom rules that would fail at every preview: each expression must compile and yield a boolean over a
   * release of this environment (`VALIDATION_FAILED` naming the rule), and rule ids are unique.
   */
  private checkRules(env: Environment): void {
    const rules = env.policy.rules;
    if (rules.length === 0) return;
    const errors: FieldError[] = [];
    const evaluator = this.ctx.rules;
    const sample = { release: { application: 'app', environment: env.name, kind: 'deploy', parameters: {} }, images: [], resources: [] };
    rules.forEach((rule, i) => {
      if (rules.findIndex((r) => r.id === rule.id) !== i)
        errors.push({ path: `/policy/rules/${i}/id`, message: `"${rule.id}" is used by an earlier rule` });
      const problem = evaluator ? evaluator.problem(rule.expression, sample) : 'custom rules are not evaluated by this server';
      if (problem) errors.push({ path: `/policy/rules/${i}/expression`, message: problem });
    });
    if (errors.length > 0)
      throw new ShipgateError('VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  }

  /** A `privileged` profile or new host paths are an admin's choice, kept in the security log with who made it. */
  private recordPolicyChoice(caller: Caller, env: Environment, before: Environment | null): void {
    const widened =
      env.policy.profile === 'privileged' || env.policy.allowHostPaths.some((p) => !before?.policy.allowHostPaths.includes(p));
    if (widened && JSON.stringify(env.policy) !== JSON.stringify(before?.policy ?? null)) {
      this.ctx.logger.warn(
        { security: true, subject: caller.principal.subject, environment: env.name, policy: env.policy },
        'runtime policy widened',
      );
    }
  }

  /** The environments the caller may read. */
  async list(caller: Caller): Promise<{ items: Environment[] }> {
    const readable = environmentsWith(caller.principal, 'deployment:read');
    const all = await this.ctx.store.environments.list();
    return { items: readable === 'all' ? all : all.filter((e) => readable.includes(e.name)) };
  }
}
