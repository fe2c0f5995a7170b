import type { ApprovalTicket } from '../../core/approval/approval.js';
import type { TimelineEvent, TimelineEventType } from '../../core/audit/timeline-event.js';
import type { Diagnostics, Severity } from '../../core/diagnostics/diagnostics.js';
import type { ChangeAction, ChangeSummary, PreviewRecord } from '../../core/preview/preview.js';
import { approvalsGiven } from '../../core/approval/approval.js';
import type { ApprovalStatus, Channel, ExecutionStage, Release, ReleaseState } from '../../core/release/release.js';
import type { Proposal } from './conversation-state.js';

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
  kind: Proposal['kind'];
  releaseId: string;
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
export type ActionCard = ReleaseCard | PreviewCard | ProposalCard | TimelineCard | DiagnosticsCard | ApprovalsCard;

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

/** A release's diagnostics: the summary and every finding. */
export function diagnosticsCard(d: Pick<Diagnostics, 'releaseId' | 'summary' | 'findings'>): ActionCard {
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
  };
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
