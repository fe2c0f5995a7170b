import type { AuditVerification } from '../../api/client';

type Failure = NonNullable<AuditVerification['reason']>;

/** What each way the chain can break means: one entry per reason of the API (a reason added there stops the build). */
const FAILURE: Record<Failure, { title: string; explain: (seq: number | undefined) => string }> = {
  TRUNCATED: {
    title: 'The chain was cut short',
    explain: (seq) =>
      `The timeline ends before the checkpoint${seq !== undefined ? ` (event ${seq})` : ''}: events it vouched for were deleted since it ` +
      'was taken.',
  },
  TAMPERED: {
    title: 'The chain was altered',
    explain: (seq) =>
      `Event ${seq ?? '?'} is not what was written: its content, its link to the event before it or its HMAC does not match. ` +
      'Everything from it on cannot be trusted.',
  },
};

/** The result of a check of the audit chain, in words. */
export function VerificationResult({ result, against }: { result: AuditVerification; against: string | null }) {
  const legacy =
    result.legacyUnkeyed > 0
      ? ` ${result.legacyUnkeyed} older event${result.legacyUnkeyed === 1 ? ' was' : 's were'} written before the chain was keyed and ` +
        'checked by hash only.'
      : '';
  if (result.ok) {
    return (
      <div className="notice verdict-ok" data-verdict="ok">
        <strong>The chain is intact</strong>
        <p>
          {result.checked} event{result.checked === 1 ? '' : 's'} checked
          {against ? `, and it still reaches the checkpoint in ${against}` : ''}.{legacy}
        </p>
      </div>
    );
  }
  const failure = result.reason ? FAILURE[result.reason] : { title: 'The chain is broken', explain: () => '' };
  return (
    <div className="notice notice-error" data-verdict={result.reason ?? 'broken'}>
      <strong>
        {failure.title} ({result.reason ?? 'broken'})
      </strong>
      <p>{failure.explain(result.firstBrokenSeq)}</p>
      <p>
        {result.checked} event{result.checked === 1 ? '' : 's'} checked before the first broken one
        {result.firstBrokenSeq !== undefined ? ` (event ${result.firstBrokenSeq})` : ''}
        {against ? `; checked against ${against}` : ''}.{legacy}
      </p>
    </div>
  );
}
