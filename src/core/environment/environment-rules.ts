import { ShipgateError, type FieldError } from '../errors.js';
import { COMPOSE_PROJECT, DNS_LABEL, follows } from '../names.js';
import { policyProblems } from '../policy/policy.js';
import type { Environment } from './environment.js';

// The rules an environment's fields follow, and the one that keeps each environment's target its own.

/** Refuses an environment whose fields break Shipgate's rules, naming each field (`VALIDATION_FAILED`). */
export function validateEnvironment(env: Environment): void {
  const errors: FieldError[] = [];
  if (!follows(DNS_LABEL, env.name)) errors.push({ path: '/name', message: `must be ${DNS_LABEL.description}` });
  if (env.runtime === 'compose' && !('project' in env.target))
    errors.push({ path: '/target/project', message: 'required for the compose runtime' });
  if (env.runtime === 'kubernetes' && !('namespace' in env.target))
    errors.push({ path: '/target/namespace', message: 'required for the kubernetes runtime' });
  if ('project' in env.target && !follows(COMPOSE_PROJECT, env.target.project)) {
    errors.push({ path: '/target/project', message: `must be ${COMPOSE_PROJECT.description}` });
  }
  if ('namespace' in env.target && !follows(DNS_LABEL, env.target.namespace)) {
    errors.push({ path: '/target/namespace', message: `must be a Kubernetes namespace name, ${DNS_LABEL.description}` });
  }
  if (!Number.isInteger(env.approval.minApprovers) || env.approval.minApprovers < 1)
    errors.push({ path: '/approval/minApprovers', message: 'must be an integer ≥ 1' });
  if (!Number.isInteger(env.approval.ticketTtlSeconds) || env.approval.ticketTtlSeconds < 1)
    errors.push({ path: '/approval/ticketTtlSeconds', message: 'must be an integer ≥ 1' });
  if (!Number.isInteger(env.previewTtlSeconds) || env.previewTtlSeconds < 1)
    errors.push({ path: '/previewTtlSeconds', message: 'must be an integer ≥ 1' });
  if (!Number.isInteger(env.applyTimeoutSeconds) || env.applyTimeoutSeconds < 1)
    errors.push({ path: '/applyTimeoutSeconds', message: 'must be an integer ≥ 1' });
  env.freezeWindows.forEach((w, i) => {
    const start = Date.parse(w.start);
    const end = Date.parse(w.end);
    if (Number.isNaN(start)) errors.push({ path: `/freezeWindows/${i}/start`, message: 'must be an RFC 3339 date-time' });
    if (Number.isNaN(end)) errors.push({ path: `/freezeWindows/${i}/end`, message: 'must be an RFC 3339 date-time' });
    if (!Number.isNaN(start) && !Number.isNaN(end) && end <= start)
      errors.push({ path: `/freezeWindows/${i}/end`, message: 'must be after start' });
  });
  errors.push(...policyProblems(env.policy));
  if (env.promotion && env.promotion.from === env.name)
    errors.push({ path: '/promotion/from', message: 'an environment cannot promote from itself' });
  if (env.verification?.httpProbe && !isHttpUrl(env.verification.httpProbe.url))
    errors.push({ path: '/verification/httpProbe/url', message: 'must be an http(s) URL' });
  if (errors.length > 0) throw new ShipgateError('VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
}

/**
 * Refuses a promotion rule whose source is not another environment of the same runtime (a spec cannot cross
 * runtimes), or that would make environments promote from each other in a circle (nothing could ever be released).
 */
export function checkPromotionSource(env: Environment, all: readonly Environment[]): void {
  if (!env.promotion) return;
  const byName = new Map(all.map((e) => [e.name, e]));
  byName.set(env.name, env);
  const source = byName.get(env.promotion.from);
  const fail = (message: string): never => {
    throw new ShipgateError('VALIDATION_FAILED', `/promotion/from: ${message}`, { errors: [{ path: '/promotion/from', message }] });
  };
  if (!source) fail(`environment "${env.promotion.from}" does not exist`);
  else if (source.runtime !== env.runtime) fail(`environment "${source.name}" runs on ${source.runtime}, not ${env.runtime}`);
  const seen = new Set([env.name]);
  for (let next = source?.promotion?.from; next !== undefined; next = byName.get(next)?.promotion?.from) {
    if (seen.has(next)) fail('the promotion rules of the environments would form a circle');
    seen.add(next);
  }
}

/** True when two environments' targets could reach the same live objects. */
export function targetsOverlap(a: Environment, b: Environment): boolean {
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
export function checkTargetFree(env: Environment, all: readonly Environment[]): void {
  const other = all.find((e) => e.name !== env.name && targetsOverlap(e, env));
  if (other) {
    throw new ShipgateError(
      'TARGET_IN_USE',
      `the target overlaps the target of environment "${other.name}"; each environment needs a target of its own`,
      {
        errors: [{ path: `/target/${'project' in env.target ? 'project' : 'namespace'}`, message: 'overlaps another environment' }],
      },
    );
  }
}
