import type { ApprovalStatus, ChangeAction, Channel, ExecutionStage, FindingSeverity, ReleaseState } from '../../api/client';

/** The cards a command-center reply can carry (see the server's command center). */
export type Card =
  | {
      type: 'release';
      releaseId: string;
      application: string;
      environment: string;
      state: ReleaseState;
      approvalStatus: ApprovalStatus;
      stage: ExecutionStage;
    }
  | {
      type: 'preview';
      releaseId: string;
      summary: { create: number; update: number; delete: number; unchanged: number };
      changes: Array<{ action: ChangeAction; kind: string; name: string }>;
      expiresAt: string;
    }
  | { type: 'proposal'; id: string; kind: 'apply' | 'action'; releaseId: string | null; label: string; status: string }
  | { type: 'timeline'; releaseId: string; events: Array<{ seq: number; type: string; actor: string; channel: Channel; at: string }> }
  | {
      type: 'diagnostics';
      releaseId: string;
      summary: string;
      findings: Array<{ severity: FindingSeverity; code: string; resource: string; message: string }>;
      /** The log lines an investigation found relevant (absent on cards stored before they were kept). */
      logs?: Array<{ resource: string; lines: string[] }>;
    }
  | {
      type: 'changes';
      releaseId: string;
      sinceReleaseId: string;
      parameters: Array<{ name: string; from: string | null; to: string | null }>;
    }
  | { type: 'next_steps'; items: Array<{ label: string; message: string }> }
  | {
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
    };

/** A proposed change to a runtime, waiting for the operator's confirmation. */
export type ProposalCard = Extract<Card, { type: 'proposal' }>;

/** One message of a conversation, as the server keeps it or as this tab just added it. */
export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  actions: Card[];
  at: string;
}
