import type { TimelineEvent } from '../api/client';
import { inWords } from '../api/release-states';

/** What a sentence is made from: an event as the API gives it, its type possibly one this UI does not know yet. */
interface EventFacts {
  type: string;
  actor: Pick<TimelineEvent['actor'], 'id'> & { type: string };
  data: Readonly<Record<string, unknown>>;
}

type Data = Readonly<Record<string, unknown>>;
type Sentence = (who: string, d: Data) => string;

/** Who an event names: "Shipgate" for the system, else the actor's id. */
function actorName(actor: EventFacts['actor']): string {
  return actor.type === 'system' ? 'Shipgate' : actor.id;
}

/** A string field, trimmed; anything else reads as empty. */
function text(d: Data, key: string): string {
  const v = d[key];
  return typeof v === 'string' ? v.trim() : '';
}

/** A count field, or null when the field is not a finite number. */
function count(d: Data, key: string): number | null {
  const v = d[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function record(v: unknown): Data {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Data) : {};
}

function list(v: unknown): Data[] {
  return Array.isArray(v) ? v.map(record) : [];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A sentence, then what the event adds to it after a dash when it adds anything. */
function withDetail(sentence: string, detail: string): string {
  return detail ? `${sentence} — ${detail}` : sentence;
}

/** Someone's own words (a comment, a reason), quoted so they read apart from Shipgate's. */
function quoted(words: string): string {
  return `“${words}”`;
}

/** A release named by the start of its id, as elsewhere in the UI; the whole id is in the event's details. */
function releaseRef(id: string): string {
  return `release ${id.slice(0, 8)}`;
}

/** An error code in words: `SELF_APPROVAL_FORBIDDEN` → `self approval forbidden`. */
function codeInWords(code: string): string {
  return inWords(code.toLowerCase());
}

/** A state or stage in words, or "?" when the field is missing. */
function stepInWords(d: Data, key: string): string {
  return inWords(text(d, key)) || '?';
}

/** "2 to create, 1 to update, 3 unchanged": the non-zero counts of a change summary. */
function changeCounts(summary: unknown): string {
  const s = record(summary);
  const counted: [number | null, string][] = [
    [count(s, 'create'), 'to create'],
    [count(s, 'update'), 'to update'],
    [count(s, 'delete'), 'to delete'],
    [count(s, 'unchanged'), 'unchanged'],
  ];
  const parts = counted.filter(([n]) => n !== null && n > 0).map(([n, words]) => `${n} ${words}`);
  return parts.length > 0 ? parts.join(', ') : 'no changes';
}

/** "1 denial, 2 warnings" of a preview's policy verdict, or empty when nothing was found. */
function policyCounts(policy: unknown): string {
  const violations = list(record(policy)['violations']);
  const denials = violations.filter((v) => v['severity'] === 'deny').length;
  const warnings = violations.length - denials;
  const parts = [denials > 0 ? plural(denials, 'denial') : '', warnings > 0 ? plural(warnings, 'warning') : ''].filter(Boolean);
  return parts.length > 0 ? `runtime policy: ${parts.join(', ')}` : '';
}

/** A refused request: what was refused, by whom, the code (and its reason) in words, and the server's explanation. */
function refusal(what: string, who: string, d: Data): string {
  const code = text(d, 'code');
  const reason = text(d, 'reason');
  const why = code ? `${codeInWords(code)}${reason ? ` (${codeInWords(reason)})` : ''}` : 'refused';
  return withDetail(`${what} by ${who} refused: ${why}`, text(d, 'detail'));
}

/** An approver's decision: "alice approved (1 of 2): “looks good”"; the count only when more than one is needed. */
function decision(verb: string, withCount: boolean): Sentence {
  return (who, d) => {
    const given = count(d, 'approvals');
    const needed = count(d, 'minApprovers');
    const tally = withCount && given !== null && needed !== null && needed > 1 ? ` (${given} of ${needed})` : '';
    const comment = text(d, 'comment');
    return `${who} ${verb}${tally}${comment ? `: ${quoted(comment)}` : ''}`;
  };
}

/** The end of an execution: "Shipgate: failed — <message>". */
function outcome(words: string): Sentence {
  return (who, d) => withDetail(`${who}: ${words}`, text(d, 'message'));
}

/** One sentence per event type the server records; the record's type makes a new server type a build error here. */
const SENTENCES: Record<TimelineEvent['type'], Sentence> = {
  'release.created': (who, d) => {
    const revision = count(d, 'draftRevision');
    const from = text(d, 'fromReleaseId');
    return `${who} drafted ${revision !== null ? `revision ${revision}` : 'the release'}${from ? ` from ${releaseRef(from)}` : ''}`;
  },
  'release.updated': (who, d) => {
    const revision = count(d, 'draftRevision');
    return `${who} edited the draft${revision !== null ? ` (revision ${revision})` : ''}`;
  },
  'preview.created': (who, d) => {
    const policy = policyCounts(d['policy']);
    return `${who} previewed: ${changeCounts(d['summary'])}${policy ? `; ${policy}` : ''}`;
  },
  'release.submitted': (who, d) =>
    d['approvalRequired'] === false ? `${who} submitted (no approval needed)` : `${who} submitted for approval`,
  'approval.requested': (who, d) => {
    const needed = count(d, 'minApprovers');
    return `${who} asked for ${needed !== null ? plural(needed, 'approval') : 'approval'}`;
  },
  'approval.approved': decision('approved', true),
  'approval.rejected': decision('rejected', false),
  'approval.decision_recorded': decision('recorded a decision', false),
  'approval.denied': (who, d) => refusal(d['decision'] === 'reject' ? 'Rejection' : 'Approval', who, d),
  'approval.expired': (who) => `${who}: the approval request expired`,
  'approval.voided': (_who, d) => withDetail('Approval request voided', text(d, 'reason')),
  'apply.requested': (who, d) => {
    const override = record(d['freezeOverride']);
    if (Object.keys(override).length === 0) return `${who} applied`;
    const reason = text(override, 'reason');
    return `${who} applied, overriding the freeze${reason ? `: ${quoted(reason)}` : ''}`;
  },
  'apply.rejected': (who, d) => refusal('Apply', who, d),
  'release.state_changed': (_who, d) => `State: ${stepInWords(d, 'from')} → ${stepInWords(d, 'to')}`,
  'execution.started': (who, d) => {
    const attempt = count(d, 'attempt');
    return `${who} started applying${attempt !== null && attempt > 1 ? ` (attempt ${attempt})` : ''}`;
  },
  'execution.stage_changed': (who, d) => withDetail(`${who}: ${stepInWords(d, 'from')} → ${stepInWords(d, 'to')}`, text(d, 'message')),
  'execution.succeeded': outcome('succeeded'),
  'execution.failed': outcome('failed'),
  'execution.interrupted': outcome('interrupted'),
  'diagnostics.recorded': (who, d) => withDetail(`${who} recorded diagnostics`, text(d, 'summary')),
  'rollback.requested': (who, d) => {
    const to = text(d, 'rollbackTo');
    const of = text(d, 'rollbackOf');
    const by = text(d, 'rollbackReleaseId');
    const what = `${d['automatic'] === true ? 'an automatic rollback' : 'a rollback'}${of ? ` of ${releaseRef(of)}` : ''}`;
    return `${who} requested ${what}${to ? ` to ${releaseRef(to)}` : ''}${by ? `, drafted as ${releaseRef(by)}` : ''}`;
  },
  'rollback.completed': (who, d) => {
    const to = text(d, 'rollbackTo');
    const of = text(d, 'rollbackOf');
    const by = text(d, 'rollbackReleaseId');
    if (of) return `${who}: rolled ${releaseRef(of)} back${to ? ` to ${releaseRef(to)}` : ''}`;
    return `${who}: this release was rolled back${to ? ` to ${releaseRef(to)}` : ''}${by ? ` by ${releaseRef(by)}` : ''}`;
  },
  'release.cancelled': (who) => `${who} cancelled the release`,
  'policy.overridden': (who, d) => {
    const denials = list(d['violations']).length;
    const reason = text(d, 'reason');
    const what = denials > 0 ? `${plural(denials, 'denial')} of the runtime policy` : 'the runtime policy';
    return `${who} overrode ${what}${reason ? `: ${quoted(reason)}` : ''}`;
  },
  'release.promoted': (who, d) => {
    const from = text(d, 'promotedFrom');
    const fromEnvironment = text(d, 'fromEnvironment');
    if (from) return `${who} promoted ${releaseRef(from)}${fromEnvironment ? ` from ${fromEnvironment}` : ''}`;
    const to = text(d, 'promotedTo');
    const toEnvironment = text(d, 'toEnvironment');
    return `${who} promoted this release${toEnvironment ? ` to ${toEnvironment}` : ''}${to ? ` as ${releaseRef(to)}` : ''}`;
  },
  'verification.started': (who, d) => {
    const seconds = count(d, 'windowSeconds');
    return `${who}: verifying the rollout${seconds !== null ? ` for ${seconds}s` : ''}`;
  },
  'verification.passed': (who, d) => withDetail(`${who}: verification passed`, text(d, 'message')),
  'verification.failed': (who, d) => withDetail(`${who}: verification failed`, text(d, 'message')),
  'drift.detected': (who, d) => {
    const status = text(d, 'status');
    if (status === 'missing') return `${who} detected drift: what this release created no longer runs`;
    const counts = changeCounts(d['summary']);
    return `${who} detected drift: what runs differs from this release${counts === 'no changes' ? '' : ` (${counts})`}`;
  },
};

function isKnown(type: string): type is TimelineEvent['type'] {
  return Object.hasOwn(SENTENCES, type);
}

/**
 * An event in words, for a person reading a release's history. An event type this UI does not know (from a newer
 * server) reads as its type in words; its data is then left to the event's details.
 * @example describeEvent({ type: 'release.cancelled', actor: { type: 'user', id: 'bob' }, data: {} }) // 'bob cancelled the release'
 */
export function describeEvent(event: EventFacts): string {
  const who = actorName(event.actor);
  const data = record(event.data);
  if (isKnown(event.type)) return SENTENCES[event.type](who, data);
  return `${who}: ${event.type.replaceAll(/[._]+/g, ' ').trim()}`;
}
