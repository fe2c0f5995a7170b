/**
 * A change to a runtime the command center proposes; it runs only when the operator confirms it by id, with the
 * preview it was proposed with.
 */
export interface Proposal {
  id: string;
  kind: 'apply';
  releaseId: string;
  previewId: string;
  status: 'proposed' | 'confirmed' | 'superseded';
}

/**
 * An action a model asked for after it had read Shipgate's data (tool results may carry text written by others:
 * logs, descriptions): it is held until the operator confirms it by id, then carried out as if asked directly.
 */
export interface HeldAction {
  id: string;
  /** The action and its arguments, validated against the action set when held and again when confirmed. */
  action: string;
  args: Record<string, unknown>;
  label: string;
  status: 'proposed' | 'confirmed';
}

/**
 * What the command center remembers of a conversation (server side only). It never holds a preview token: only
 * preview ids, which the submit and apply use cases accept solely from the same caller in the same conversation
 * that made the preview (a token is a bearer credential; an id bound to its maker is not).
 */
export interface ConversationState {
  /** The release "it" refers to; it becomes the subject only after the caller's read on its environment held. */
  releaseId: string | null;
  /** The newest preview made in this conversation, by release. */
  previews: Record<string, string>;
  proposals: Proposal[];
  held: HeldAction[];
}

/**
 * One change a turn makes to the state. A turn records its changes and they are applied by compare-and-set to the
 * newest state, so that two turns racing on one conversation both keep theirs; a turn that ends in a refusal
 * records nothing.
 */
type StateChange =
  | { type: 'subject'; releaseId: string }
  | { type: 'previewed'; releaseId: string; previewId: string }
  | { type: 'proposed'; proposal: Proposal }
  | { type: 'confirmed'; proposalId: string }
  | { type: 'held'; action: HeldAction }
  | { type: 'heldConfirmed'; id: string };

/** The state a conversation starts with. */
export function emptyState(): ConversationState {
  return { releaseId: null, previews: {}, proposals: [], held: [] };
}

/** The state as stored, reduced to what is known (fields of older versions, such as preview tokens, are dropped). */
export function stateOf(stored: Record<string, unknown>): ConversationState {
  const s = stored as Partial<ConversationState>;
  const proposals = (s.proposals ?? []).filter((p) => typeof p.previewId === 'string');
  return {
    releaseId: s.releaseId ?? null,
    previews: { ...(s.previews ?? {}) },
    proposals: proposals.map((p) => ({ ...p })),
    held: (s.held ?? []).map((h) => ({ ...h, args: { ...h.args } })),
  };
}

/** Applies one change (pure). */
function applyChange(state: ConversationState, change: StateChange): ConversationState {
  switch (change.type) {
    case 'subject':
      return { ...state, releaseId: change.releaseId };
    case 'previewed':
      return { ...state, previews: { ...state.previews, [change.releaseId]: change.previewId } };
    case 'proposed': {
      // A newer proposal for the same release supersedes the open one.
      const proposals = state.proposals.map((p) =>
        p.releaseId === change.proposal.releaseId && p.status === 'proposed' ? { ...p, status: 'superseded' as const } : p,
      );
      return { ...state, proposals: [...proposals, change.proposal] };
    }
    case 'confirmed':
      return {
        ...state,
        proposals: state.proposals.map((p) => (p.id === change.proposalId ? { ...p, status: 'confirmed' as const } : p)),
      };
    case 'held':
      return { ...state, held: [...state.held, change.action] };
    case 'heldConfirmed':
      return { ...state, held: state.held.map((h) => (h.id === change.id ? { ...h, status: 'confirmed' as const } : h)) };
  }
}

/** The changes one turn makes, applied as they happen so that later steps of the turn see them. */
export class Turn {
  private readonly changes: StateChange[] = [];
  private current: ConversationState;

  constructor(readonly start: ConversationState) {
    this.current = start;
  }

  /** The state with this turn's changes so far. */
  get state(): ConversationState {
    return this.current;
  }

  private subjectPinned = false;

  /** From now on this turn keeps what "it" refers to: a change of subject is ignored. */
  pinSubject(): void {
    this.subjectPinned = true;
  }

  /** Records a change and applies it to {@link Turn.state}. */
  record(change: StateChange): void {
    if (change.type === 'subject' && this.subjectPinned) return;
    this.changes.push(change);
    this.current = applyChange(this.current, change);
  }

  /** This turn's changes applied to a newer stored state (what a compare-and-set retry writes). */
  onto(stored: Record<string, unknown>): ConversationState {
    return this.changes.reduce(applyChange, stateOf(stored));
  }
}
