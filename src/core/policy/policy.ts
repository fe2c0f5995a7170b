/** How strict an environment's runtime safety policy is. `privileged` is an admin's recorded choice. */
export const POLICY_PROFILES = ['baseline', 'privileged'] as const;
export type PolicyProfile = (typeof POLICY_PROFILES)[number];

/** An environment's runtime safety policy. */
export interface EnvironmentPolicy {
  profile: PolicyProfile;
  /** Host paths a bind mount or `hostPath` may use, each exactly as listed (a path under one is not allowed). */
  allowHostPaths: string[];
  /** The environment's own rules, on top of the profile's: a CEL expression a release must make true. */
  rules: CustomRule[];
}

/** A rule an admin writes for an environment: `expression` (CEL) is true when the release passes it. */
export interface CustomRule {
  id: string;
  severity: PolicySeverity;
  message: string;
  expression: string;
}

export const DEFAULT_POLICY: EnvironmentPolicy = Object.freeze({ profile: 'baseline', allowHostPaths: [], rules: [] });

/**
 * What a custom rule sees of a release: the release (its parameters masked as the API shows them), the images it
 * runs and its resources in the runtime's normalized form.
 */
export interface PolicyInput {
  release: { application: string; environment: string; kind: string; parameters: Record<string, string> };
  images: string[];
  resources: Array<{ kind: string; name: string; spec: Record<string, unknown> }>;
}

/** How a custom rule's expression is checked when saved, and evaluated at preview. */
export interface RuleEvaluator {
  /** Null when `expression` is a valid rule (it compiles and yields a boolean over `sample`), else why not. */
  problem(expression: string, sample: PolicyInput): string | null;
  /** Whether the release passes, or why the expression could not say. */
  evaluate(expression: string, input: PolicyInput): boolean | { error: string };
}

/**
 * The environment's custom rules over a release: a rule whose expression is false, or fails on this release's data,
 * is a violation of its severity (resource `Release/<application>`).
 */
export function evaluateCustomRules(rules: readonly CustomRule[], input: PolicyInput, evaluator: RuleEvaluator): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  for (const rule of rules) {
    const result = evaluator.evaluate(rule.expression, input);
    if (result === true) continue;
    const message = result === false ? rule.message : `${rule.message} (the rule could not be evaluated: ${result.error})`;
    violations.push({
      ruleId: rule.id,
      severity: rule.severity,
      message,
      resource: { kind: 'Release', name: input.release.application },
      path: '',
    });
  }
  return violations;
}

/** The verdict of the built-in rules and the custom ones together. */
export function withViolations(result: PolicyResult, more: readonly PolicyViolation[]): PolicyResult {
  const violations = [...result.violations, ...more];
  return { passed: !violations.some((v) => v.severity === 'deny'), violations };
}

/** The image references a release runs: Compose services' `image`, Kubernetes containers' `image`. */
export function imagesOf(resources: PolicyInput['resources']): string[] {
  const images = new Set<string>();
  const walk = (value: unknown, depth: number): void => {
    if (depth > 64 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach((v) => walk(v, depth + 1));
    for (const [key, v] of Object.entries(value)) {
      if (key === 'image' && typeof v === 'string') images.add(v);
      else walk(v, depth + 1);
    }
  };
  for (const r of resources) walk(r.spec, 0);
  return [...images].sort();
}

export type PolicySeverity = 'deny' | 'warn';

/** One thing of a release that a rule refused or warned about, and where it is. */
export interface PolicyViolation {
  ruleId: string;
  severity: PolicySeverity;
  message: string;
  resource: { kind: string; name: string };
  /** JSON-pointer-like path inside the resource. */
  path: string;
}

/** What the policy concluded of a release: `passed` is false when any `deny` violation remains. */
export interface PolicyResult {
  passed: boolean;
  violations: PolicyViolation[];
}

/**
 * A resource of a release as the policy sees it: Compose services (`Service`), volumes and networks, or Kubernetes
 * objects, in the runtime's normalized form. `clusterScoped` comes from the runtime's API discovery.
 */
export interface PolicyResource {
  kind: string;
  name: string;
  spec: Record<string, unknown>;
  clusterScoped?: boolean;
}

/** What a rule knows besides the resource. */
export interface PolicyContext {
  policy: EnvironmentPolicy;
}

/** A finding of a rule inside one resource, before the engine names the rule and the resource. */
export interface RuleFinding {
  message: string;
  path: string;
}

/** One rule of the engine: data (id, severity, which resources) and a pure check. */
export interface PolicyRule {
  id: string;
  severity: PolicySeverity;
  /** What the rule refuses, for people (README, UI). */
  description: string;
  check(resource: PolicyResource, context: PolicyContext): RuleFinding[];
}

/**
 * Runs every rule over every resource. With the `privileged` profile the built-in rules are off.
 * @example evaluatePolicy(env.policy, rules, resources).passed
 */
export function evaluatePolicy(
  policy: EnvironmentPolicy,
  rules: readonly PolicyRule[],
  resources: readonly PolicyResource[],
): PolicyResult {
  const active = policy.profile === 'privileged' ? [] : rules;
  const violations: PolicyViolation[] = [];
  for (const resource of resources) {
    for (const rule of active) {
      for (const finding of rule.check(resource, { policy })) {
        violations.push({
          ruleId: rule.id,
          severity: rule.severity,
          message: finding.message,
          resource: { kind: resource.kind, name: resource.name },
          path: finding.path,
        });
      }
    }
  }
  return { passed: !violations.some((v) => v.severity === 'deny'), violations };
}

/** The `deny` violations of a result. */
export function denials(result: PolicyResult): PolicyViolation[] {
  return result.violations.filter((v) => v.severity === 'deny');
}

/** A host path made absolute and normal (`/srv/a/../b` → `/srv/b`), or null when it is not absolute. */
export function normalHostPath(path: string): string | null {
  if (!path.startsWith('/')) return null;
  // `.` and empty segments dropped, `..` taking one back (never above the root), as the kernel resolves a path.
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/** True when `path`, normalized, is one of the allowed host paths. */
export function hostPathAllowed(path: string, allowed: readonly string[]): boolean {
  const normal = normalHostPath(path);
  if (!normal) return false;
  // Exactly an allowed path, never a path under one: the engine resolves a bind source on the host, following any
  // symlink a container planted inside the allowed directory (`<allowed>/link -> /`), so only the allowed path itself
  // is known to stay where the admin put it.
  return allowed.some((entry) => normalHostPath(entry) === normal);
}

/** Where Docker engines listen; binding one of these (or a directory holding one) hands over the engine. */
const DOCKER_SOCKETS = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/var/run/docker',
  '/run/docker',
  '/var/run/containerd',
  '/run/containerd',
  '/run/podman',
  '/var/run/podman',
];

/** True when a host path is a Docker/containerd socket or a directory that contains one. */
export function reachesEngineSocket(path: string): boolean {
  const normal = normalHostPath(path);
  if (!normal) return false;
  if (/\.sock$/.test(normal) || /\/docker\.sock\b/.test(normal)) return true;
  return DOCKER_SOCKETS.some((socket) => socket === normal || socket.startsWith(normal === '/' ? '/' : `${normal}/`));
}

/** Capabilities the baseline lets a container add. */
export const ALLOWED_ADDED_CAPABILITIES: ReadonlySet<string> = new Set(['NET_BIND_SERVICE']);

/** A capability name as Docker and Kubernetes both accept it (`cap_net_admin`, `NET_ADMIN`) → `NET_ADMIN`. */
export function capabilityName(value: unknown): string {
  return String(value).toUpperCase().replace(/^CAP_/, '');
}

/** Checks a validated policy's fields; returns problems as `path: message`. */
export function policyProblems(policy: EnvironmentPolicy): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  policy.allowHostPaths.forEach((path, i) => {
    const normal = normalHostPath(path);
    if (!normal || normal !== path)
      problems.push({ path: `/policy/allowHostPaths/${i}`, message: 'must be an absolute, normalized path (no "..", no trailing "/")' });
  });
  return problems;
}
