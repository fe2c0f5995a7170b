import type { ApprovalTicket } from '../../core/approval/approval.js';
import type { TimelineEvent, TimelineEventType } from '../../core/audit/timeline-event.js';
import type { Diagnostics, LogExcerpt, Severity } from '../../core/diagnostics/diagnostics.js';
import type { ChangeAction, ChangeSummary, PreviewRecord } from '../../core/preview/preview.js';
import { approvalsGiven } from '../../core/approval/approval.js';
import type { ApprovalStatus, Channel, ExecutionStage, Release, ReleaseState } from '../../core/release/release.js';
import type { HeldAction, Proposal } from './conversation-state.js';

// The cards a reply carries besides its text: what the chat panel renders. Each is built by one function from
// what a use case returned, so a card never says more than the view it came from.

interface ReleaseCard {
  type: 'release';
  releaseId: string;
  application: string;
  environment: string;
  state: ReleaseState;
  approvalStatus: ApprovalStatus;
  stage: ExecutionStage;
}

interface PreviewCard {
  type: 'preview';
  releaseId: string;
  summary: ChangeSummary;
  changes: Array<{ action: ChangeAction; kind: string; name: string }>;
  expiresAt: string;
}

interface ProposalCard {
  type: 'proposal';
  id: string;
  /** `apply`: a release's apply; `action`: an action a model asked for after reading Shipgate's data. */
  kind: Proposal['kind'] | 'action';
  releaseId: string | null;
  label: string;
  status: Proposal['status'];
}

interface TimelineCard {
  type: 'timeline';
  releaseId: string;
  events: Array<{ seq: number; type: TimelineEventType; actor: string; channel: Channel; at: string }>;
}

interface DiagnosticsCard {
  type: 'diagnostics';
  releaseId: string;
  summary: string;
  findings: Array<{ severity: Severity; code: string; resource: string; message: string }>;
  /** The log lines an investigation found relevant (masked by the diagnostics); none elsewhere. */
  logs: LogExcerpt[];
}

/** A parameter that differs between the last good release and the one investigated (values as the views mask them). */
export interface ParameterChange {
  name: string;
  from: string | null;
  to: string | null;
}

interface ChangesCard {
  type: 'changes';
  releaseId: string;
  /** The last succeeded release before it, compared with. */
  sinceReleaseId: string;
  parameters: ParameterChange[];
}

/** A next step offered as a button: what it says, and the message it sends (nothing runs without a confirmation). */
export interface NextStep {
  label: string;
  message: string;
}

interface NextStepsCard {
  type: 'next_steps';
  items: NextStep[];
}

interface ApprovalsCard {
  type: 'approvals';
  items: Array<{
    id: string;
    releaseId: string;
    application: string;
    environment: string;
    requestedBy: string;
    approvals: number;
    minApprovers: number;
  }>;
}

/** A card in a reply: what the chat panel renders besides the text. */
export type ActionCard =
  | ReleaseCard
  | PreviewCard
  | ProposalCard
  | TimelineCard
  | DiagnosticsCard
  | ApprovalsCard
  | ChangesCard
  | NextStepsCard;

/** A release's state, approval status and execution stage. */
export function releaseCard(r: Release): ActionCard {
  return {
    type: 'release',
    releaseId: r.id,
    application: r.application,
    environment: r.environment,
    state: r.state,
    approvalStatus: r.approval.status,
    stage: r.execution.stage,
  };
}

/** What a preview would change (the preview's token is never part of it). */
export function previewCard(p: Pick<PreviewRecord, 'releaseId' | 'summary' | 'changes' | 'expiresAt'>): ActionCard {
  return {
    type: 'preview',
    releaseId: p.releaseId,
    summary: p.summary,
    changes: p.changes.map((c) => ({ action: c.action, kind: c.kind, name: c.name })),
    expiresAt: p.expiresAt,
  };
}

/** A proposal the operator confirms by its id. */
export function proposalCard(p: Proposal, r: Pick<Release, 'application' | 'environment'>): ActionCard {
  return {
    type: 'proposal',
    id: p.id,
    kind: p.kind,
    releaseId: p.releaseId,
    label: `Apply ${r.application} to ${r.environment}`,
    status: p.status,
  };
}

/** Events of a release's timeline, without their data. */
export function timelineCard(releaseId: string, events: readonly TimelineEvent[]): ActionCard {
  return {
    type: 'timeline',
    releaseId,
    events: events.map((e) => ({ seq: e.seq, type: e.type, actor: e.actor.id, channel: e.channel, at: e.at })),
  };
}

/** A release's diagnostics: the summary, every finding, and the log lines given (an investigation's). */
export function diagnosticsCard(d: Pick<Diagnostics, 'releaseId' | 'summary' | 'findings'>, logs: readonly LogExcerpt[] = []): ActionCard {
  return {
    type: 'diagnostics',
    releaseId: d.releaseId,
    summary: d.summary,
    findings: d.findings.map((f) => ({
      severity: f.severity,
      code: f.code,
      resource: `${f.resource.kind}/${f.resource.name}`,
      message: f.message,
    })),
    logs: logs.map((l) => ({ resource: l.resource, lines: [...l.lines] })),
  };
}

/** An action held for the operator to confirm (a model asked for it after reading Shipgate's data). */
export function heldCard(h: HeldAction): ActionCard {
  const releaseId = typeof h.args['releaseId'] === 'string' ? h.args['releaseId'] : null;
  return { type: 'proposal', id: h.id, kind: 'action', releaseId, label: h.label, status: h.status };
}

/** What changed since the last good release: the parameters that differ. */
export function changesCard(releaseId: string, sinceReleaseId: string, parameters: readonly ParameterChange[]): ActionCard {
  return { type: 'changes', releaseId, sinceReleaseId, parameters: parameters.map((p) => ({ ...p })) };
}

/** The next steps offered as buttons. */
export function nextStepsCard(items: readonly NextStep[]): ActionCard {
  return { type: 'next_steps', items: items.map((i) => ({ ...i })) };
}

type QueuedTicket = Pick<ApprovalTicket, 'id' | 'releaseId' | 'application' | 'environment' | 'requestedBy' | 'decisions' | 'minApprovers'>;

/** The tickets of the approval queue, with how many approvals each has of how many it needs. */
export function approvalsCard(tickets: readonly QueuedTicket[]): ActionCard {
  return {
    type: 'approvals',
    items: tickets.map((t) => ({
      id: t.id,
      releaseId: t.releaseId,
      application: t.application,
      environment: t.environment,
      requestedBy: t.requestedBy,
      approvals: approvalsGiven(t.decisions),
      minApprovers: t.minApprovers,
    })),
  };
}
