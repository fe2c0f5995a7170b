import type { Preview, Release } from '../../api/client';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ChangeSummary } from '../../components/diff-view';
import { PolicyView } from '../../components/policy-view';
import type { NextAction } from '../../components/problem-advice';
import { ProblemNotice } from '../../components/problem-notice';
import { OverrideReason } from './override-reason';

/** A reason being entered, or null when no override is asked for. */
interface Reason {
  value: string | null;
  set: (reason: string) => void;
}

/**
 * Confirms an apply with what it changes; asks for override reasons when an admin chose to override, and shows a
 * refusal here, where the operator is looking.
 */
export function ApplyDialog(props: {
  open: boolean;
  release: Release;
  preview: Preview | null;
  policyReason: Reason;
  freezeReason: Reason;
  busy: boolean;
  error: Error | null;
  available: NextAction[];
  onAction: (action: NextAction) => void;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { release: r, preview, policyReason, freezeReason } = props;
  return (
    <ConfirmDialog
      open={props.open}
      title={`Apply ${r.application} to ${r.environment}?`}
      confirmLabel="Confirm apply"
      busy={props.busy}
      onConfirm={props.onConfirm}
      onCancel={props.onCancel}
    >
      {preview && <ChangeSummary summary={preview.summary} />}
      <ul className="plain">
        {preview?.changes
          .filter((c) => c.action !== 'unchanged')
          .map((c) => (
            <li key={`${c.kind}/${c.name}`}>
              {c.action} {c.kind}/{c.name}
            </li>
          ))}
      </ul>
      {preview && !preview.policy?.passed && <PolicyView policy={preview.policy} />}
      {policyReason.value !== null && (
        <OverrideReason label="Policy override reason (recorded on the timeline)" value={policyReason.value} onChange={policyReason.set} />
      )}
      {freezeReason.value !== null && (
        <OverrideReason label="Freeze override reason (recorded on the timeline)" value={freezeReason.value} onChange={freezeReason.set} />
      )}
      {props.error && props.open && (
        <ProblemNotice
          error={props.error}
          available={props.available}
          onAction={(action) => {
            if (action !== 'override-freeze' && action !== 'override-policy') props.onCancel();
            props.onAction(action);
          }}
        />
      )}
    </ConfirmDialog>
  );
}
