import { ApiError, type Problem } from '../api/client';
import { adviceFor, type NextAction } from './problem-advice';

const ACTION_LABEL: Record<NextAction, string> = {
  'preview-again': 'Preview again',
  submit: 'Submit for approval',
  'sign-in': 'Sign in',
  reload: 'Refresh',
  'view-approvals': 'Open approvals',
  'override-freeze': 'Override the freeze (admin)',
  'override-policy': 'Override the policy (admin)',
};

/** The problem carried by an error, whatever threw it. */
function problemOf(error: unknown): Problem {
  if (error instanceof ApiError) return error.problem;
  return {
    type: 'about:blank',
    title: 'Something went wrong',
    status: 0,
    detail: error instanceof Error ? error.message : String(error),
    code: 'CLIENT_ERROR',
  };
}

/** An API error in plain words, with buttons for what to do next. Never raw JSON. */
export function ProblemNotice({
  error,
  onAction,
  available,
}: {
  error: unknown;
  onAction?: (action: NextAction) => void;
  available?: NextAction[];
}) {
  const problem = problemOf(error);
  const advice = adviceFor(problem);
  const actions = advice.actions.filter((a) => !available || available.includes(a));
  return (
    <div className="notice notice-error" role="alert" data-code={problem.code} data-reason={problem.reason}>
      <strong>{advice.title}</strong>
      <p className="pre-line">{advice.message}</p>
      {actions.length > 0 && onAction && (
        <div className="actions">
          {actions.map((a) => (
            <button key={a} type="button" className="button" onClick={() => onAction(a)}>
              {ACTION_LABEL[a]}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
