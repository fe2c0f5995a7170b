import type { Step } from './lifecycle-steps';

const MARK: Record<Step['status'], string> = {
  done: '✓',
  current: '●',
  waiting: '…',
  upcoming: '○',
  failed: '✕',
  skipped: '–',
  cancelled: '✕',
};

/** The lifecycle stepper: draft → preview → submit approval → confirm apply → observe. */
export function Stepper({ steps }: { steps: Step[] }) {
  return (
    <ol className="stepper" aria-label="Release lifecycle">
      {steps.map((step) => (
        <li
          key={step.key}
          className={`step step-${step.status}`}
          aria-current={step.status === 'current' || step.status === 'waiting' ? 'step' : undefined}
        >
          <span className="step-mark" aria-hidden="true">
            {MARK[step.status]}
          </span>
          <span className="step-label">{step.label}</span>
          <span className="step-note">{step.note || step.status}</span>
        </li>
      ))}
    </ol>
  );
}
