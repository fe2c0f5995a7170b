import { environmentsWith } from '../core/access/access.js';
import {
  DEFAULT_APPLY_TIMEOUT_SECONDS,
  DEFAULT_PREVIEW_TTL_SECONDS,
  defaultApprovalPolicy,
  type ApprovalPolicy,
  type Environment,
  type EnvironmentTarget,
  type FreezeWindow,
} from '../core/environment/environment.js';
import { ShipgateError, type FieldError } from '../core/errors.js';
import { DEFAULT_POLICY, policyProblems, type EnvironmentPolicy } from '../core/policy/policy.js';
import type { Runtime } from '../core/release/release.js';
import type { AppContext } from './app-context.js';
import { requireGlobal, requirePermission, type Caller } from './caller.js';

const ENVIRONMENT_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

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
      createdAt: now,
      updatedAt: now,
    };
    validateEnvironment(env);
    return this.ctx.store.transaction(async (tx) => {
      if (await tx.environments.get(env.name)) throw new ShipgateError('ALREADY_EXISTS', `environment "${env.name}" already exists`);
      checkTargetFree(env, await tx.environments.list());
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
        updatedAt: this.ctx.nowIso(),
      };
      validateEnvironment(env);
      checkTargetFree(env, await tx.environments.list());
      await tx.environments.update(env);
      this.recordPolicyChoice(caller, env, current);
      return env;
    });
  }

  async get(caller: Caller, name: string): Promise<Environment> {
    // Permission first: whether an environment exists is itself something only its readers learn.
    requirePermission(caller, 'deployment:read', name);
    const env = await this.ctx.store.environments.get(name);
    if (!env) throw new ShipgateError('NOT_FOUND', `environment "${name}" not found`);
    return env;
  }

  /** A `privileged` profile or new host paths are an admin's choice, kept in the security log with who made it. */
  private recordPolicyChoice(caller: Caller, env: Environment, before: Environment | null): void {
    const widened = env.policy.profile === 'privileged' || env.policy.allowHostPaths.some((p) => !before?.policy.allowHostPaths.includes(p));
    if (widened && JSON.stringify(env.policy) !== JSON.stringify(before?.policy ?? null)) {
      this.ctx.logger.warn({ security: true, subject: caller.principal.subject, environment: env.name, policy: env.policy }, 'runtime policy widened');
    }
  }

  /** The environments the caller may read. */
  async list(caller: Caller): Promise<{ items: Environment[] }> {
    const readable = environmentsWith(caller.principal, 'deployment:read');
    const all = await this.ctx.store.environments.list();
    return { items: readable === 'all' ? all : all.filter((e) => readable.includes(e.name)) };
  }
}

function validateEnvironment(env: Environment): void {
  const errors: FieldError[] = [];
  if (!ENVIRONMENT_NAME.test(env.name)) errors.push({ path: '/name', message: 'must be a DNS label (lowercase letters, digits, "-")' });
  if (env.runtime === 'compose' && !('project' in env.target)) errors.push({ path: '/target/project', message: 'required for the compose runtime' });
  if (env.runtime === 'kubernetes' && !('namespace' in env.target)) errors.push({ path: '/target/namespace', message: 'required for the kubernetes runtime' });
  if ('project' in env.target && !/^[a-z0-9][a-z0-9_-]*$/.test(env.target.project)) {
    errors.push({ path: '/target/project', message: 'must be a Compose project name (lowercase letters, digits, "_", "-")' });
  }
  if ('namespace' in env.target && !ENVIRONMENT_NAME.test(env.target.namespace)) {
    errors.push({ path: '/target/namespace', message: 'must be a Kubernetes namespace name' });
  }
  if (!Number.isInteger(env.approval.minApprovers) || env.approval.minApprovers < 1) errors.push({ path: '/approval/minApprovers', message: 'must be an integer ≥ 1' });
  if (!Number.isInteger(env.approval.ticketTtlSeconds) || env.approval.ticketTtlSeconds < 1) errors.push({ path: '/approval/ticketTtlSeconds', message: 'must be an integer ≥ 1' });
  if (!Number.isInteger(env.previewTtlSeconds) || env.previewTtlSeconds < 1) errors.push({ path: '/previewTtlSeconds', message: 'must be an integer ≥ 1' });
  if (!Number.isInteger(env.applyTimeoutSeconds) || env.applyTimeoutSeconds < 1) errors.push({ path: '/applyTimeoutSeconds', message: 'must be an integer ≥ 1' });
  env.freezeWindows.forEach((w, i) => {
    const start = Date.parse(w.start);
    const end = Date.parse(w.end);
    if (Number.isNaN(start)) errors.push({ path: `/freezeWindows/${i}/start`, message: 'must be an RFC 3339 date-time' });
    if (Number.isNaN(end)) errors.push({ path: `/freezeWindows/${i}/end`, message: 'must be an RFC 3339 date-time' });
    if (!Number.isNaN(start) && !Number.isNaN(end) && end <= start) errors.push({ path: `/freezeWindows/${i}/end`, message: 'must be after start' });
  });
  errors.push(...policyProblems(env.policy));
  if (errors.length > 0) throw new ShipgateError('VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
}

/** A key naming what an environment's target reaches; two environments whose keys overlap share live objects. */
function targetsOverlap(a: Environment, b: Environment): boolean {
  if (a.runtime !== b.runtime) return false;
  if ('project' in a.target && 'project' in b.target) {
    // Applications run as the Compose project `<project>-<application>`: "shop" and "shop-web" could both name
    // "shop-web-api", so one project may not extend another by a dash.
    const [x, y] = [a.target.project.toLowerCase(), b.target.project.toLowerCase()];
    return x === y || x.startsWith(`${y}-`) || y.startsWith(`${x}-`);
  }
  if ('namespace' in a.target && 'namespace' in b.target) {
    return a.target.namespace === b.target.namespace && (a.target.context ?? '') === (b.target.context ?? '');
  }
  return false;
}

/** Refuses a target that overlaps another environment's: its live objects would be reachable without its gates. */
function checkTargetFree(env: Environment, all: readonly Environment[]): void {
  const other = all.find((e) => e.name !== env.name && targetsOverlap(e, env));
  if (other) {
    throw new ShipgateError('TARGET_IN_USE', `the target overlaps the target of environment "${other.name}"; each environment needs a target of its own`, {
      errors: [{ path: `/target/${'project' in env.target ? 'project' : 'namespace'}`, message: 'overlaps another environment' }],
    });
  }
}
