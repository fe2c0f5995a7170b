import { useState, type FormEvent } from 'react';
import { api, unwrap, type AuditVerification } from '../api/client';
import type { paths } from '../api/generated/schema';
import { useActions } from '../api/use-actions';
import { useMe } from '../api/queries';
import { FormField } from '../components/field-error';
import { NotAllowed } from '../components/not-allowed';
import { ProblemNotice } from '../components/problem-notice';
import { saveFile } from '../components/save-file';
import { canEverywhere } from '../session/permissions';
import { VerificationResult } from './audit/verification-result';

type VerifyBody = NonNullable<paths['/api/v1/audit/verify']['post']['requestBody']>['content']['application/json'];

/** A checkpoint file as the user picked it, parsed; a file that is not JSON is refused here, anything else by the API. */
async function checkpointIn(file: File): Promise<VerifyBody['checkpoint']> {
  try {
    return JSON.parse(await file.text()) as VerifyBody['checkpoint'];
  } catch {
    throw new Error(`${file.name} is not a checkpoint: it is not JSON. Pick a file downloaded with "Download checkpoint".`);
  }
}

/** The audit trail (admin): check the keyed hash chain, keep a signed checkpoint outside the database, export the events. */
export function AuditPage() {
  const me = useMe();
  const [result, setResult] = useState<{ verification: AuditVerification; against: string | null } | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [after, setAfter] = useState('');
  const [saved, setSaved] = useState('');
  const actions = useActions({
    verify: async () => {
      setResult(null);
      setResult({ verification: await unwrap(api.GET('/api/v1/audit/verify')), against: null });
    },
    verifyCheckpoint: async (picked: File) => {
      setResult(null);
      const body: VerifyBody = { checkpoint: await checkpointIn(picked) };
      setResult({ verification: await unwrap(api.POST('/api/v1/audit/verify', { body })), against: picked.name });
    },
    checkpoint: async () => {
      const checkpoint = await unwrap(api.GET('/api/v1/audit/checkpoint'));
      const name = `shipgate-checkpoint-${checkpoint.seq}.json`;
      saveFile(name, new Blob([`${JSON.stringify(checkpoint, null, 2)}\n`], { type: 'application/json' }));
      setSaved(`Saved ${name}: the head of the chain at event ${checkpoint.seq}, signed by this server.`);
    },
    export: async (afterSeq: number | undefined) => {
      const query = afterSeq === undefined ? {} : { after: afterSeq };
      const blob = await unwrap(api.GET('/api/v1/audit/export', { params: { query }, parseAs: 'blob' }));
      const name = `shipgate-audit${afterSeq === undefined ? '' : `-after-${afterSeq}`}.ndjson`;
      saveFile(name, blob);
      setSaved(`Saved ${name}.`);
    },
  });
  if (!canEverywhere(me.data, 'admin')) return <NotAllowed what="The audit trail is for admins of every environment." />;
  const busy = actions.pending !== null;
  const verifyAgainstFile = (e: FormEvent) => {
    e.preventDefault();
    if (file) actions.run('verifyCheckpoint', file);
  };
  const exportEvents = (e: FormEvent) => {
    e.preventDefault();
    actions.run('export', after.trim() === '' ? undefined : Number(after));
  };
  return (
    <div className="page">
      <h1>Audit</h1>
      <p className="muted">
        Every event of every release is chained to the one before it with an HMAC keyed outside the database. A signed checkpoint kept
        elsewhere shows later whether events were deleted or changed since.
      </p>
      {actions.error && <ProblemNotice error={actions.error} />}
      <div role="status" aria-live="polite">
        {result && <VerificationResult result={result.verification} against={result.against} />}
        {saved && <p className="muted">{saved}</p>}
      </div>

      <section className="panel" aria-labelledby="verify-title">
        <h2 id="verify-title">Verify the chain</h2>
        <p>Checks every event&apos;s link and HMAC, in order, up to the newest.</p>
        <div className="actions">
          <button type="button" className="button button-primary" onClick={() => actions.run('verify')} disabled={busy}>
            {actions.pending === 'verify' ? 'Verifying…' : 'Verify the chain'}
          </button>
        </div>
      </section>

      <section className="panel" aria-labelledby="checkpoint-title">
        <h2 id="checkpoint-title">Checkpoints</h2>
        <p>
          A checkpoint is the newest event&apos;s number and hash, signed with this server&apos;s Ed25519 key. Keep it somewhere the
          database writers cannot reach; verifying against it later fails as <strong>TRUNCATED</strong> when the chain no longer reaches it,
          or <strong>TAMPERED</strong> when an event up to it was changed.
        </p>
        <div className="actions">
          <button type="button" className="button" onClick={() => actions.run('checkpoint')} disabled={busy}>
            Download checkpoint
          </button>
        </div>
        <form className="form" onSubmit={verifyAgainstFile}>
          <div className="form-row">
            <FormField label="Checkpoint file" className="grow">
              {(control) => (
                <input {...control} type="file" accept="application/json,.json" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
              )}
            </FormField>
            <button type="submit" className="button" disabled={!file || busy}>
              {actions.pending === 'verifyCheckpoint' ? 'Verifying…' : 'Verify against this checkpoint'}
            </button>
          </div>
        </form>
      </section>

      <section className="panel" aria-labelledby="export-title">
        <h2 id="export-title">Export</h2>
        <p>The events as NDJSON, one per line in order, for a SIEM or an archive.</p>
        <form className="form" onSubmit={exportEvents}>
          <div className="form-row">
            <FormField label="After event" hint="Empty: from the first event.">
              {(control) => <input {...control} type="number" min={0} value={after} onChange={(e) => setAfter(e.target.value)} />}
            </FormField>
            <button type="submit" className="button" disabled={busy}>
              {actions.pending === 'export' ? 'Exporting…' : 'Download export'}
            </button>
          </div>
        </form>
      </section>
    </div>
  );
}
