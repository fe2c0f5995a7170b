import { can } from '../core/access/access.js';
import { composeDocument } from '../core/compose/compose-spec.js';
import type { Environment } from '../core/environment/environment.js';
import { ShipgateError } from '../core/errors.js';
import { NOT_STARTED, type ReleaseRecord, type ReleaseSpec } from '../core/release/release.js';
import { renderSpec, specDocuments, specText } from '../core/release/spec-render.js';
import { looksSecret, maskParameters, secretValuesOf } from '../core/secrets/secret-masking.js';
import { draftDigest } from '../core/preview/draft-digest.js';
import type { PreviewRecord } from '../core/preview/preview.js';
import type { Caller } from './caller.js';

// What every way of drafting a release shares (create, rollback, promotion): the first revision, its rendering, and
// what it may carry over from the release it starts from.

/** The command-center conversation a caller acts through; null on every other channel. */
export function conversationOf(caller: Caller): string | null {
  return caller.channel === 'ai' ? (caller.conversationId ?? null) : null;
}

/** What every new release starts with: a first draft revision by the caller, on the caller's channel, not run yet. */
export function newDraft(caller: Caller, now: string) {
  return {
    state: 'draft' as const,
    draftRevision: 1,
    channel: caller.channel,
    conversationId: conversationOf(caller),
    createdBy: caller.principal.subject,
    createdAt: now,
    updatedAt: now,
    ticketId: null,
    previewId: null,
    execution: { ...NOT_STARTED },
    runtimeState: null,
    authors: [caller.principal.subject],
    provenance: null,
  };
}

/** What a new `deploy` draft is made of: where it goes, its spec and parameters, and who drafts it through which channel. */
export interface DeployDraftInput {
  id: string;
  now: string;
  application: string;
  env: Environment;
  spec: ReleaseSpec;
  parameters: Record<string, string>;
  description: string | null;
  channel?: 'ui' | 'api' | 'cli';
}

/**
 * A new `deploy` draft: its spec rendered for the environment (refused when it does not fit, see {@link renderFor}),
 * its draft digest, the caller's first revision. The command center's drafts always carry the `ai` channel.
 */
export function deployDraft(caller: Caller, input: DeployDraftInput): ReleaseRecord {
  const { env, spec, parameters } = input;
  const rendered = renderFor(env, spec, parameters);
  return {
    id: input.id,
    application: input.application,
    environment: env.name,
    runtime: env.runtime,
    kind: 'deploy',
    rollbackOf: null,
    rollbackTo: null,
    spec,
    parameters,
    renderedSpec: rendered,
    description: input.description,
    draftDigest: draftDigest(spec, rendered, parameters),
    ...newDraft(caller, input.now),
    channel: caller.channel === 'ai' ? 'ai' : (input.channel ?? caller.channel),
  };
}

/** What `release.created` records of a new release. */
export function createdEventData(record: ReleaseRecord, fromReleaseId: string | null, secrets: readonly string[]): Record<string, unknown> {
  return {
    draftRevision: record.draftRevision,
    draftDigest: record.draftDigest,
    parameters: maskParameters(record.parameters, secrets),
    description: record.description,
    fromReleaseId,
    conversationId: record.conversationId,
  };
}

/** What `preview.created` records of a preview (its verdict and summary; the diffs stay in the preview). */
export function previewCreatedEventData(preview: PreviewRecord): Record<string, unknown> {
  return {
    previewId: preview.id,
    draftRevision: preview.draftRevision,
    draftDigest: preview.draftDigest,
    liveDigest: preview.liveDigest,
    expiresAt: preview.expiresAt,
    summary: preview.summary,
    policy: preview.policy,
  };
}

/**
 * The rendered spec of a draft for an environment: parameters substituted, and for Compose the file accepted only
 * when every key is one Shipgate knows to be safe (see `composeDocument`).
 */
export function renderFor(env: Environment, spec: ReleaseSpec, parameters: Record<string, string>): string {
  checkSpecRuntime(spec, env);
  const rendered = renderSpec(spec, parameters);
  if (env.runtime === 'compose') composeDocument(rendered);
  return rendered;
}

/**
 * What a new draft takes from the release it starts from. Within one environment, or for a caller who may also
 * write the source's environment: its spec and parameters. Otherwise no secret travels: secret parameters stay
 * behind (the new draft must be given them), and a spec that itself holds secret values is refused.
 */
export function carriedFrom(
  caller: Caller,
  from: ReleaseRecord,
  environment: string,
  takesSpec: boolean,
): { spec: ReleaseSpec; parameters: Record<string, string> } {
  if (from.environment === environment || can(caller.principal, 'deployment:write', from.environment)) {
    return { spec: from.spec, parameters: from.parameters };
  }
  const secrets = secretValuesOf(from.renderedSpec, from.parameters);
  const parameters = Object.fromEntries(
    Object.entries(from.parameters).filter(([name, value]) => !looksSecret(name) && !secrets.some((s) => value.includes(s))),
  );
  if (takesSpec && holdsLiteralSecrets(from.spec, secrets)) {
    throw new ShipgateError(
      'FORBIDDEN',
      'starting from a release of another environment whose spec holds secret values needs deployment:write on that environment',
      {
        permission: 'deployment:write',
      },
    );
  }
  return { spec: from.spec, parameters };
}

/** A secret-looking value that is nothing but parameter references: the secret itself stays with the parameters. */
const REFERENCES_ONLY = /^(\$\{[A-Za-z_][A-Za-z0-9_]*\})+$/;

/**
 * True when a spec's own text (before parameters are substituted) holds a secret value, so that copying the spec
 * would copy the secret: one written under a secret-looking name, or the value of one of the release's secrets
 * (`secrets`) written again under any other name. A spec that cannot be read counts as holding one.
 */
function holdsLiteralSecrets(spec: ReleaseSpec, secrets: readonly string[]): boolean {
  const text = specText(spec);
  try {
    specDocuments(text);
  } catch {
    return true;
  }
  if (secrets.some((secret) => text.includes(secret))) return true;
  return secretValuesOf(text, {}).some((secret) => !REFERENCES_ONLY.test(secret));
}

/** The spec kind must fit the environment's runtime. */
function checkSpecRuntime(spec: ReleaseSpec, env: Environment): void {
  const expected = env.runtime === 'kubernetes' ? 'manifests' : 'compose';
  if (!(expected in spec)) {
    throw new ShipgateError('VALIDATION_FAILED', `environment "${env.name}" runs ${env.runtime}: spec.${expected} is required`, {
      errors: [{ path: `/spec/${expected}`, message: 'required for this environment' }],
    });
  }
}
