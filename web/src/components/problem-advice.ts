import type { Problem } from '../api/client';
import { fieldPathOf } from './field-errors';

export type NextAction = 'preview-again' | 'submit' | 'sign-in' | 'reload' | 'view-approvals' | 'override-freeze' | 'override-policy';

export interface Advice {
  title: string;
  message: string;
  actions: NextAction[];
}

/** An API problem in plain words, with what the operator can do next. */
export function adviceFor(problem: Problem): Advice {
  if (problem.code === 'PREVIEW_REQUIRED') {
    const byReason: Record<string, Advice> = {
      PREVIEW_MISSING: {
        title: 'Preview first',
        message: 'A release is applied only with the preview it was checked with. Preview it, then apply.',
        actions: ['preview-again'],
      },
      PREVIEW_INVALID: {
        title: 'This preview is not valid',
        message: 'The preview token was not recognised. Preview again to get a fresh one.',
        actions: ['preview-again'],
      },
      PREVIEW_EXPIRED: {
        title: 'The preview expired',
        message: 'Previews are valid for a limited time so that what you approve is what runs. Preview again.',
        actions: ['preview-again'],
      },
      PREVIEW_MISMATCH: {
        title: 'The draft changed since this preview',
        message: 'The preview was made for another revision of this release. Preview the current draft.',
        actions: ['preview-again'],
      },
      PREVIEW_CONSUMED: {
        title: 'This preview was already used',
        message: 'A preview can be applied once. Preview again to apply again.',
        actions: ['preview-again'],
      },
      PREVIEW_STALE: {
        title: 'What runs changed since the preview',
        message:
          'Someone or something changed the environment after this preview was made. Preview again to see the changes against what runs ' +
          'now.',
        actions: ['preview-again'],
      },
    };
    return byReason[problem.reason ?? ''] ?? { title: 'A fresh preview is needed', message: problem.detail, actions: ['preview-again'] };
  }
  switch (problem.code) {
    case 'APPROVAL_REQUIRED':
      return {
        title: 'Approval needed',
        message:
          'This environment requires approval before anything is applied. Submit the release for approval and wait for the approvers.',
        actions: ['submit', 'view-approvals'],
      };
    case 'FROZEN':
      return {
        title: 'The environment is frozen',
        message: `${problem.detail}. Only an admin can apply now, with a recorded reason.`,
        actions: ['override-freeze'],
      };
    case 'POLICY_DENIED': {
      const listed = problem.violations?.map((v) => `${v.resource.kind}/${v.resource.name}: ${v.message}`).join('\n');
      return {
        title: "The environment's runtime policy refuses this release",
        message: `${listed ?? problem.detail}\nChange the release, or an admin may go ahead with a recorded reason.`,
        actions: ['override-policy'],
      };
    }
    case 'PROMOTION_REQUIRED':
      return {
        title: 'This environment takes promotions only',
        message:
          `${problem.detail}. Promote a release that succeeded upstream from its own page (Promote…); it goes ahead once it has run ` +
          'there long enough and is still what runs there.',
        actions: ['reload'],
      };
    case 'TARGET_IN_USE':
      return {
        title: 'The target belongs to another environment',
        message: `${problem.detail}. Each environment needs a namespace or project of its own.`,
        actions: [],
      };
    case 'INVALID_STATE':
      return {
        title: 'Not possible in this state',
        message: `${problem.detail}. The page was refreshed with the current state.`,
        actions: ['reload'],
      };
    case 'FORBIDDEN':
      return {
        title: 'Not allowed',
        message: 'Your token does not grant this on this environment. Ask an admin for the role you need.',
        actions: [],
      };
    case 'SELF_APPROVAL_FORBIDDEN':
      return { title: 'You cannot approve your own release', message: 'Another approver has to decide on it.', actions: [] };
    case 'ALREADY_DECIDED':
      return { title: 'Already decided', message: problem.detail, actions: ['reload'] };
    case 'UNAUTHENTICATED':
      return { title: 'Signed out', message: 'Your token is missing, expired or revoked. Sign in again.', actions: ['sign-in'] };
    case 'RUNTIME_UNAVAILABLE':
      return {
        title: 'The runtime cannot be reached',
        message: `${problem.detail}. Nothing was changed; try again when it is back.`,
        actions: [],
      };
    case 'VALIDATION_FAILED':
      return {
        title: 'Please check the input',
        message: problem.errors?.map((e) => `${fieldPathOf(e.path)}: ${e.message}`).join('\n') || problem.detail,
        actions: [],
      };
    case 'RATE_LIMITED':
      return { title: 'Too many requests', message: 'Wait a moment and try again.', actions: [] };
    default:
      return { title: problem.title || 'Something went wrong', message: problem.detail, actions: [] };
  }
}
