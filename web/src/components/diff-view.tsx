import type { Change } from '../api/client';
import { ChangeActionBadge } from './badges';
import { diffLines } from './diff-lines';

/** One resource's change: its action and a readable, coloured unified diff (secrets arrive masked). */
export function DiffView({ change }: { change: Change }) {
  const lines = diffLines(change.diff);
  return (
    <details className={`change change-${change.action}`} open={change.action !== 'unchanged'}>
      <summary>
        <ChangeActionBadge action={change.action} />
        <span className="change-name">
          {change.kind}/{change.name}
        </span>
      </summary>
      {lines.length === 0 ? (
        <p className="muted">No differences.</p>
      ) : (
        // Focusable: a diff wider than its box scrolls, and the keyboard must reach it.
        <pre className="diff" aria-label={`Diff of ${change.kind} ${change.name}`} tabIndex={0}>
          {lines.map((line, i) => (
            <span key={i} className={`diff-line diff-${line.kind}`}>
              <span className="diff-sign" aria-hidden="true">
                {line.kind === 'add' ? '+' : line.kind === 'remove' ? '−' : ' '}
              </span>
              {line.text}
              {'\n'}
            </span>
          ))}
        </pre>
      )}
    </details>
  );
}

/** How many resources a preview creates, updates, deletes and leaves unchanged. */
export function ChangeSummary({ summary }: { summary: { create: number; update: number; delete: number; unchanged: number } }) {
  return (
    <p className="summary" aria-label="Change summary">
      <span className="count count-create">{summary.create} to create</span>
      <span className="count count-update">{summary.update} to update</span>
      <span className="count count-delete">{summary.delete} to delete</span>
      <span className="count count-unchanged">{summary.unchanged} unchanged</span>
    </p>
  );
}
