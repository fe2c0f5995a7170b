import type { Preview } from '../../api/client';
import { Countdown } from '../../components/countdown';
import { ChangeSummary, DiffView } from '../../components/diff-view';
import { PolicyView } from '../../components/policy-view';

/** The preview this tab made: its expiry (or that the apply used it), the policy verdict and every resource's diff. */
export function PreviewPanel({ preview, usable }: { preview: Preview; usable: boolean }) {
  return (
    <section className="panel" aria-labelledby="preview-title">
      <div className="page-head">
        <h2 id="preview-title">Preview</h2>
        {usable ? (
          <Countdown until={preview.expiresAt} label="Expires in" />
        ) : (
          <span className="badge badge-neutral">used by the apply</span>
        )}
      </div>
      <ChangeSummary summary={preview.summary} />
      <PolicyView policy={preview.policy} />
      {preview.changes.map((c) => (
        <DiffView key={`${c.kind}/${c.name}`} change={c} />
      ))}
    </section>
  );
}
