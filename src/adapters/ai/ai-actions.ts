import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { DNS_LABEL, MAX_PARAMETER_VALUE_LENGTH, PARAMETER_NAME } from '../../core/names.js';
import { MASK, looksSecret } from '../../core/secrets/secret-masking.js';

// The command center's fixed action set. Each maps one to one onto a use case of the app; there is no "approve"
// action, and nothing here changes a runtime without the operator confirming a proposal.

const closed = { additionalProperties: false } as const;
const Name = Type.String({ minLength: 1, maxLength: DNS_LABEL.maxLength, pattern: DNS_LABEL.pattern });
const ReleaseId = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: 'A release id; omit for the release this conversation is about',
});
const Target = {
  releaseId: Type.Optional(ReleaseId),
  application: Type.Optional(Name),
  environment: Type.Optional(Name),
};

export const ACTIONS = {
  draft_release: {
    description:
      "Draft a release of an application to an environment, from the application's last release spec, with new parameters; or promote " +
      'the release running in another environment.',
    parameters: Type.Object(
      {
        application: Type.Optional(Name),
        environment: Type.Optional(Name),
        parameters: Type.Optional(
          Type.Record(
            Type.String({ pattern: PARAMETER_NAME.pattern, maxLength: PARAMETER_NAME.maxLength }),
            Type.String({ maxLength: MAX_PARAMETER_VALUE_LENGTH }),
          ),
        ),
        fromEnvironment: Type.Optional(Name),
        description: Type.Optional(Type.String({ maxLength: 500 })),
      },
      closed,
    ),
  },
  preview_release: {
    description: 'Preview what a release would change against what runs now.',
    parameters: Type.Object({ releaseId: Type.Optional(ReleaseId) }, closed),
  },
  submit_release: {
    description: 'Submit a previewed release for approval (or mark it ready where no approval is needed).',
    parameters: Type.Object({ releaseId: Type.Optional(ReleaseId) }, closed),
  },
  propose_apply: {
    description: 'Propose applying a previewed (and, where required, approved) release. The operator must confirm.',
    parameters: Type.Object({ releaseId: Type.Optional(ReleaseId) }, closed),
  },
  show_status: {
    description: 'Show the status of a release, or of an application in an environment.',
    parameters: Type.Object(Target, closed),
  },
  show_timeline: { description: 'Show the timeline of a release.', parameters: Type.Object(Target, closed) },
  explain_failure: { description: 'Explain why a release failed, from its diagnostics.', parameters: Type.Object(Target, closed) },
  propose_rollback: {
    description: 'Propose rolling an application back to its last succeeded release. The operator must confirm the apply.',
    parameters: Type.Object(Target, closed),
  },
  list_approvals: { description: 'List the releases waiting for approval.', parameters: Type.Object({}, closed) },
  cancel_release: {
    description: 'Cancel a release that has not been applied (a draft, a previewed release, or one waiting for or granted approval).',
    parameters: Type.Object(Target, closed),
  },
  show_environment: {
    description: 'Show what runs in an environment: the last succeeded release of each application, and what is in flight.',
    parameters: Type.Object({ environment: Type.Optional(Name) }, closed),
  },
  check_health: {
    description: 'Check whether an application is healthy in an environment, from what its runtime shows now.',
    parameters: Type.Object(Target, closed),
  },
  show_drift: {
    description: 'Show whether what runs in an environment drifted from its last succeeded releases.',
    parameters: Type.Object({ application: Type.Optional(Name), environment: Type.Optional(Name) }, closed),
  },
  show_policy: {
    description: "Show the runtime policy's verdict on a release, from its latest preview.",
    parameters: Type.Object(Target, closed),
  },
} as const satisfies Record<string, { description: string; parameters: TSchema }>;

export type ActionName = keyof typeof ACTIONS;
export type ActionArgs<A extends ActionName> = Static<(typeof ACTIONS)[A]['parameters']>;

/** What the operator asked for, as one action of the fixed set. */
export type Intent = { [A in ActionName]: { action: A; args: ActionArgs<A> } }[ActionName];

/**
 * What the interpreter understood. `question` and `refusal` texts are Shipgate's own; a model's free text is never
 * one of them, only the `note` of `unclear`, which the command center shows apart from its own words.
 */
export type Understanding =
  | { kind: 'intent'; intent: Intent }
  | { kind: 'question'; text: string }
  | { kind: 'refusal'; text: string }
  | { kind: 'unclear'; note: string | null }
  | { kind: 'help' };

/** True when `name` is an action of the set. */
export function isActionName(name: string): name is ActionName {
  return Object.prototype.hasOwnProperty.call(ACTIONS, name);
}

/**
 * Validates an action and its arguments as they come from outside (a model's tool call): an unknown action or
 * arguments that do not match the schema are refused, never coerced.
 */
export function checkIntent(name: string, args: unknown): Understanding {
  if (!isActionName(name)) {
    // Anything approval-like outside the set (approve_release, approve, skip_approval…) gets the plain answer.
    if (/approv/i.test(name)) return { kind: 'refusal', text: 'I cannot approve releases. Approvers decide in the Approvals queue.' };
    return { kind: 'refusal', text: `That is not something I can do, so I did nothing.` };
  }
  const schema = ACTIONS[name].parameters;
  if (!Value.Check(schema, args)) return { kind: 'refusal', text: `The request for ${name} was malformed, so I did nothing.` };
  return { kind: 'intent', intent: { action: name, args } as Intent };
}

/** The action set as OpenAI-compatible tool definitions. */
export function toolDefinitions(): Array<{
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}> {
  return Object.entries(ACTIONS).map(([name, def]) => ({
    type: 'function' as const,
    function: { name, description: def.description, parameters: JSON.parse(JSON.stringify(def.parameters)) as Record<string, unknown> },
  }));
}

/**
 * The actions that change something in Shipgate (a draft, a preview, a request, a cancel) or lead to a change of a
 * runtime (a proposal). A model asks for them directly only from the operator's own words: once a tool result (data
 * from Shipgate's records, which may carry text written by others) is in its context, they are held for the
 * operator to confirm.
 */
export const CHANGING_ACTIONS: ReadonlySet<ActionName> = new Set([
  'draft_release',
  'preview_release',
  'submit_release',
  'cancel_release',
  'propose_apply',
  'propose_rollback',
]);

const ACTION_WORDS: Record<ActionName, string> = {
  draft_release: 'Draft a release',
  preview_release: 'Preview',
  submit_release: 'Submit for approval',
  propose_apply: 'Propose to apply',
  show_status: 'Show the status',
  show_timeline: 'Show the timeline',
  explain_failure: 'Explain the failure',
  propose_rollback: 'Draft a rollback',
  list_approvals: 'List the approvals waiting',
  cancel_release: 'Cancel',
  show_environment: 'Show what runs',
  check_health: 'Check the health',
  show_drift: 'Show the drift',
  show_policy: 'Show the policy verdict',
};

/** An intent in a few words, for the button that confirms it: the action, then its arguments as given. */
export function describeIntent(intent: Intent): string {
  const args = intent.args as Record<string, unknown>;
  // A description is free text a model may fill with anything: it is never part of a label.
  const parts = Object.entries(args)
    .filter(([k, v]) => v !== undefined && k !== 'description')
    .map(([k, v]) => {
      if (k === 'releaseId' && typeof v === 'string') return `release ${v.slice(0, 8)}`;
      if (k === 'parameters' && v && typeof v === 'object') {
        const pairs = Object.entries(v as Record<string, string>).map(([n, x]) => `${n}=${looksSecret(n) ? MASK : x}`);
        return pairs.length > 0 ? pairs.join(', ') : null;
      }
      return `${k === 'fromEnvironment' ? 'from' : k === 'environment' ? 'in' : ''}${k === 'application' ? '' : ' '}${String(v)}`.trim();
    })
    .filter((p): p is string => p !== null && p !== '');
  return parts.length > 0 ? `${ACTION_WORDS[intent.action]}: ${parts.join(', ')}` : ACTION_WORDS[intent.action];
}

/** Runs the tool calls of a model during one message: the command center carries each out, or holds or refuses it. */
export interface ToolRunner {
  run(name: string, args: unknown): Promise<Record<string, unknown>>;
}

/** How a conversation with the model ended: its last text, or the embedded parser's reading when it was never reached. */
export interface ModelTurn {
  text: string;
  /** The model could not be reached at all: what the embedded parser understood instead. */
  fallback?: Understanding;
  /** The model stopped answering after some tools ran. */
  interrupted?: boolean;
}

/** The actions whose target may be "it" (the conversation's release) when no release is named. */
const ON_SUBJECT: ReadonlySet<ActionName> = new Set([
  'preview_release',
  'submit_release',
  'propose_apply',
  'cancel_release',
  'propose_rollback',
]);

/**
 * An intent with its target pinned: one that acts on "it" gets the release "it" means now (`subject`), so that what is
 * confirmed later acts on that release whatever the conversation is about by then; null when "it" is nothing.
 */
export function pinTarget(intent: Intent, subject: string | null): Intent | null {
  if (!ON_SUBJECT.has(intent.action)) return intent;
  const args = intent.args as { releaseId?: string; application?: string; environment?: string };
  if (args.releaseId || args.application || args.environment) return intent;
  return subject ? ({ action: intent.action, args: { ...args, releaseId: subject } } as Intent) : null;
}
