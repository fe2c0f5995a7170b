import { ShipgateError } from '../errors.js';
import type { ApprovalDecision, ApprovalStatus, ReleaseKind, ReleaseRecord } from '../release/release.js';
import type { ApprovalPolicy, FreezeWindow } from '../environment/environment.js';

/** A ticket's status; `void` when an edit of the draft cancelled it. */
export type TicketStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'void';

/** An approval request in the global queue, bound to the draft digest it was asked for. */
export interface ApprovalTicket {
  id: string;
  releaseId: string;
  application: string;
  environment: string;
  status: TicketStatus;
  minApprovers: number;
  allowSelfApproval: boolean;
  draftDigest: string;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  closedAt: string | null;
  decisions: ApprovalDecision[];
}

/**
 * The approval ticket a submission opens: bound to the draft digest it asks about, under the environment's policy
 * as it stands now, open until its time to live runs out.
 */
export function openTicket(
  release: ReleaseRecord,
  policy: Pick<ApprovalPolicy, 'minApprovers' | 'allowSelfApproval' | 'ticketTtlSeconds'>,
  request: { id: string; requestedBy: string; now: Date },
): ApprovalTicket {
  return {
    id: request.id,
    releaseId: release.id,
    application: release.application,
    environment: release.environment,
    status: 'pending',
    minApprovers: policy.minApprovers,
    allowSelfApproval: policy.allowSelfApproval,
    draftDigest: release.draftDigest,
    requestedBy: request.requestedBy,
    requestedAt: request.now.toISOString(),
    expiresAt: new Date(request.now.getTime() + policy.ticketTtlSeconds * 1000).toISOString(),
    closedAt: null,
    decisions: [],
  };
}

/** How many approvers approved so far: the one count the API, the command center and the web UI show. */
/**
 * Whether a release of an environment goes through the approval queue: every release where the environment
 * requires approval, except rollbacks where it lets them skip the queue.
 */
export function approvalRequiredFor(policy: Pick<ApprovalPolicy, 'required' | 'rollbackWithoutApproval'>, kind: ReleaseKind): boolean {
  return policy.required && !(kind === 'rollback' && policy.rollbackWithoutApproval);
}

export function approvalsGiven(decisions: readonly Pick<ApprovalDecision, 'decision'>[]): number {
  return decisions.filter((d) => d.decision === 'approve').length;
}

/** The outcome of recording one decision. */
export interface DecisionOutcome {
  decision: ApprovalDecision;
  status: TicketStatus;
  approvals: number;
}

/** True when a still-pending ticket is past its expiry. */
export function isTicketExpired(ticket: ApprovalTicket, now: Date): boolean {
  return ticket.status === 'pending' && Date.parse(ticket.expiresAt) <= now.getTime();
}

/**
 * Applies one approver's decision to a ticket under its policy: distinct approvers, no self-approval unless allowed,
 * any rejection closes the ticket, `minApprovers` approvals approve it.
 */
export function decide(ticket: ApprovalTicket, release: ReleaseRecord, decision: ApprovalDecision, now: Date): DecisionOutcome {
  if (ticket.status !== 'pending') {
    throw new ShipgateError('ALREADY_DECIDED', `the approval ticket is ${ticket.status}`, { status: ticket.status });
  }
  if (isTicketExpired(ticket, now)) {
    throw new ShipgateError('ALREADY_DECIDED', `the approval ticket expired at ${ticket.expiresAt}`, { status: 'expired' });
  }
  if (!ticket.allowSelfApproval && authorsOf(ticket, release).has(decision.approver)) {
    throw new ShipgateError('SELF_APPROVAL_FORBIDDEN', 'whoever made, changed or requested a release cannot decide its approval');
  }
  if (ticket.decisions.some((d) => d.approver === decision.approver)) {
    throw new ShipgateError('ALREADY_DECIDED', `${decision.approver} already decided on this ticket`);
  }
  if (ticket.draftDigest !== release.draftDigest) {
    throw new ShipgateError('INVALID_STATE', 'the draft changed since approval was requested');
  }
  const approvals = approvalsGiven([...ticket.decisions, decision]);
  const status: TicketStatus = decision.decision === 'reject' ? 'rejected' : approvals >= ticket.minApprovers ? 'approved' : 'pending';
  return { decision, status, approvals };
}

/** Everyone four eyes keeps from deciding: the release's creator, every author of any revision, and the requester. */
export function authorsOf(ticket: ApprovalTicket, release: ReleaseRecord): Set<string> {
  return new Set([release.createdBy, ...release.authors, ticket.requestedBy]);
}

/** The approval status a release shows for its current ticket (or its absence). */
export function releaseApprovalStatus(approvalRequired: boolean, ticket: ApprovalTicket | null, now: Date): ApprovalStatus {
  if (!approvalRequired) return 'not_required';
  if (!ticket || ticket.status === 'void') return 'pending';
  if (isTicketExpired(ticket, now)) return 'expired';
  return ticket.status;
}

/** True when the release may run: approval is not required, or its ticket is approved for its current digest. */
export function isApprovalComplete(approvalRequired: boolean, release: ReleaseRecord, ticket: ApprovalTicket | null): boolean {
  if (!approvalRequired) return true;
  return ticket !== null && ticket.status === 'approved' && ticket.draftDigest === release.draftDigest;
}

/** The freeze window in force at `now`, if any. */
export function activeFreezeWindow(windows: readonly FreezeWindow[], now: Date): FreezeWindow | null {
  const t = now.getTime();
  return windows.find((w) => Date.parse(w.start) <= t && t < Date.parse(w.end)) ?? null;
}
