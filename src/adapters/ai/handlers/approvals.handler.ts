import { approvalsCard } from '../cards.js';
import type { IntentHandler } from './intent-handler.js';

/** The releases waiting for approval where the caller can see them; approvers decide in the Approvals queue. */
export const listApprovals: IntentHandler<'list_approvals'> = async ({ shipgate, caller }) => {
  const { items } = await shipgate.approvals.list(caller, { status: 'pending' });
  const reply =
    items.length === 0
      ? 'Nothing waits for approval in the environments you can see.'
      : `${items.length} release${items.length > 1 ? 's wait' : ' waits'} for approval (approvers decide in the Approvals queue).`;
  return { reply, actions: [approvalsCard(items)] };
};
