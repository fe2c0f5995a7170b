import type { Caller } from '../../../app/caller.js';
import type { Shipgate } from '../../../app/shipgate.js';
import type { ActionArgs, ActionName } from '../ai-actions.js';
import type { ActionCard } from '../cards.js';
import type { Turn } from '../conversation-state.js';

/** What a turn answers: Shipgate's own words, composed from what the use cases returned. */
export interface Outcome {
  reply: string;
  actions: ActionCard[];
}

/** What a handler acts with: the use cases, the operator (on the `ai` channel, in this conversation) and the turn. */
export interface TurnScope {
  shipgate: Shipgate;
  caller: Caller;
  turn: Turn;
}

/** Carries out one action of the fixed set through the use cases, and says what they returned. */
export type IntentHandler<A extends ActionName> = (scope: TurnScope, args: ActionArgs<A>) => Promise<Outcome>;

/** One handler for every action of the set: an action without its handler does not compile. */
export type IntentHandlers = { readonly [A in ActionName]: IntentHandler<A> };

/** An answer that asks the operator instead of acting. */
export function ask(text: string): Outcome {
  return { reply: text, actions: [] };
}
