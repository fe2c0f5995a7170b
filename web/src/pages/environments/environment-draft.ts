import type { Environment } from '../../api/client';
import type { paths } from '../../api/generated/schema';

type CreateBody = paths['/api/v1/environments']['post']['requestBody']['content']['application/json'];
type PatchBody = NonNullable<paths['/api/v1/environments/{name}']['patch']['requestBody']>['content']['application/json'];
export type Runtime = Environment['runtime'];
export type PolicyProfile = Environment['policy']['profile'];
export type CustomRule = Environment['policy']['rules'][number];

/** A freeze window as the form edits it: local date-times of `<input type="datetime-local">`. */
export interface FreezeWindowDraft {
  start: string;
  end: string;
  reason: string;
}

/** An environment as its form edits it: numbers as typed (empty: the server's default, or unchanged), host paths one per line. */
export interface EnvironmentDraft {
  name: string;
  runtime: Runtime;
  project: string;
  namespace: string;
  context: string;
  production: boolean;
  approvalRequired: boolean;
  minApprovers: string;
  allowSelfApproval: boolean;
  ticketTtlSeconds: string;
  rollbackWithoutApproval: boolean;
  previewTtlSeconds: string;
  applyTimeoutSeconds: string;
  freezeWindows: FreezeWindowDraft[];
  profile: PolicyProfile;
  allowHostPaths: string;
  rules: CustomRule[];
  promotionFrom: string;
  soakSeconds: string;
  verify: boolean;
  windowSeconds: string;
  maxRestarts: string;
  probeUrl: string;
  expectStatus: string;
  autoRollback: boolean;
}

/** The form of a new environment: Compose, no approval, the baseline policy, no promotion or verification. */
export const NEW_ENVIRONMENT: EnvironmentDraft = {
  name: '',
  runtime: 'compose',
  project: '',
  namespace: '',
  context: '',
  production: false,
  approvalRequired: false,
  minApprovers: '1',
  allowSelfApproval: false,
  ticketTtlSeconds: '',
  rollbackWithoutApproval: false,
  previewTtlSeconds: '',
  applyTimeoutSeconds: '',
  freezeWindows: [],
  profile: 'baseline',
  allowHostPaths: '',
  rules: [],
  promotionFrom: '',
  soakSeconds: '0',
  verify: false,
  windowSeconds: '60',
  maxRestarts: '0',
  probeUrl: '',
  expectStatus: '200',
  autoRollback: false,
};

const pad = (n: number) => String(n).padStart(2, '0');

/** An RFC 3339 instant as the value of a `datetime-local` input, in the browser's time zone. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value as an RFC 3339 instant; anything else is sent as typed, for the API to name the field. */
export function fromLocalInput(local: string): string {
  const d = new Date(local);
  return local === '' || Number.isNaN(d.getTime()) ? local : d.toISOString();
}

/** The form of an existing environment. */
export function draftOf(env: Environment): EnvironmentDraft {
  const target = env.target as { project?: string; namespace?: string; context?: string };
  const verification = env.verification;
  return {
    name: env.name,
    runtime: env.runtime,
    project: target.project ?? '',
    namespace: target.namespace ?? '',
    context: target.context ?? '',
    production: env.production,
    approvalRequired: env.approval.required,
    minApprovers: String(env.approval.minApprovers),
    allowSelfApproval: env.approval.allowSelfApproval,
    ticketTtlSeconds: String(env.approval.ticketTtlSeconds),
    rollbackWithoutApproval: env.approval.rollbackWithoutApproval,
    previewTtlSeconds: String(env.previewTtlSeconds),
    applyTimeoutSeconds: String(env.applyTimeoutSeconds),
    freezeWindows: env.freezeWindows.map((w) => ({ start: toLocalInput(w.start), end: toLocalInput(w.end), reason: w.reason })),
    profile: env.policy.profile,
    allowHostPaths: env.policy.allowHostPaths.join('\n'),
    rules: env.policy.rules.map((r) => ({ ...r })),
    promotionFrom: env.promotion?.from ?? '',
    soakSeconds: String(env.promotion?.soakSeconds ?? 0),
    verify: verification !== null,
    windowSeconds: String(verification?.windowSeconds ?? NEW_ENVIRONMENT.windowSeconds),
    maxRestarts: String(verification?.maxRestarts ?? NEW_ENVIRONMENT.maxRestarts),
    probeUrl: verification?.httpProbe?.url ?? '',
    expectStatus: String(verification?.httpProbe?.expectStatus ?? NEW_ENVIRONMENT.expectStatus),
    autoRollback: verification?.autoRollback ?? false,
  };
}

/** A typed number, or nothing when the field is empty; a non-number is sent as is for the API to name the field. */
function numberOf(value: string): number | undefined {
  const trimmed = value.trim();
  return trimmed === '' ? undefined : Number(trimmed);
}

/** Only the fields that have a value, so that an empty one keeps the server's default. */
function defined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as T;
}

/** What the form sets, as the body of a PATCH (and, with name and runtime, of a POST). */
export function settingsOf(draft: EnvironmentDraft): PatchBody {
  const target =
    draft.runtime === 'compose'
      ? { project: draft.project.trim() }
      : { namespace: draft.namespace.trim(), ...(draft.context.trim() ? { context: draft.context.trim() } : {}) };
  const soak = numberOf(draft.soakSeconds) ?? 0;
  return defined({
    target,
    production: draft.production,
    approval: defined({
      required: draft.approvalRequired,
      minApprovers: numberOf(draft.minApprovers),
      allowSelfApproval: draft.allowSelfApproval,
      ticketTtlSeconds: numberOf(draft.ticketTtlSeconds),
      rollbackWithoutApproval: draft.rollbackWithoutApproval,
    }),
    previewTtlSeconds: numberOf(draft.previewTtlSeconds),
    applyTimeoutSeconds: numberOf(draft.applyTimeoutSeconds),
    freezeWindows: draft.freezeWindows.map((w) => ({ start: fromLocalInput(w.start), end: fromLocalInput(w.end), reason: w.reason })),
    policy: {
      profile: draft.profile,
      allowHostPaths: draft.allowHostPaths
        .split('\n')
        .map((p) => p.trim())
        .filter((p) => p !== ''),
      rules: draft.rules,
    },
    promotion: draft.promotionFrom === '' ? null : { from: draft.promotionFrom, soakSeconds: soak },
    verification: draft.verify
      ? defined({
          windowSeconds: numberOf(draft.windowSeconds),
          maxRestarts: numberOf(draft.maxRestarts),
          httpProbe:
            draft.probeUrl.trim() === '' ? null : defined({ url: draft.probeUrl.trim(), expectStatus: numberOf(draft.expectStatus) }),
          autoRollback: draft.autoRollback,
        })
      : null,
  });
}

/** The body of `POST /environments`. */
export function createBodyOf(draft: EnvironmentDraft): CreateBody {
  return { name: draft.name.trim(), runtime: draft.runtime, ...settingsOf(draft) } as CreateBody;
}
