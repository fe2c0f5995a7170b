import { useEffect, useRef, useState, type ReactNode } from 'react';
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
export function problemOf(error: unknown): Problem {
  if (error instanceof ApiError) return error.problem;
  return { type: 'about:blank', title: 'Something went wrong', status: 0, detail: error instanceof Error ? error.message : String(error), code: 'CLIENT_ERROR' };
}

/** An API error in plain words, with buttons for what to do next. Never raw JSON. */
export function ProblemNotice({ error, onAction, available }: { error: unknown; onAction?: (action: NextAction) => void; available?: NextAction[] }) {
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

/** Seconds left until `until`, updating every second. */
export function Countdown({ until, label }: { until: string; label: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, Math.round((Date.parse(until) - now) / 1000));
  const text =
    left === 0
      ? 'expired'
      : left >= 3600
        ? `${Math.floor(left / 3600)} h ${Math.floor((left % 3600) / 60)} min`
        : `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  return (
    <span className={`countdown${left < 60 ? ' countdown-low' : ''}`} aria-label={`${label}: ${text}`} data-seconds-left={left}>
      {label}: {text}
    </span>
  );
}

/** A modal confirmation built on the native dialog element (focus trapping and Escape come with it). */
export function ConfirmDialog(props: { open: boolean; title: string; children: ReactNode; confirmLabel: string; onConfirm: () => void; onCancel: () => void; busy?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="dialog-title" onCancel={(e) => { e.preventDefault(); props.onCancel(); }}>
      <h2 id="dialog-title">{props.title}</h2>
      <div className="dialog-body">{props.children}</div>
      <div className="actions">
        <button type="button" className="button" onClick={props.onCancel}>Cancel</button>
        <button type="button" className="button button-primary" onClick={props.onConfirm} disabled={props.busy}>
          {props.busy ? 'Working…' : props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function Loading({ what }: { what: string }) {
  return <p className="loading" role="status" aria-live="polite">Loading {what}…</p>;
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children && <div>{children}</div>}
    </div>
  );
}

/** "3 min ago" from a timestamp. */
export function timeAgo(at: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function formatTime(at: string): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}
