import { useState } from 'react';
import type { Release } from '../../api/client';
import { useEnvironments, useMe } from '../../api/queries';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { can } from '../../session/permissions';

/**
 * Choosing where to promote a succeeded release: environments of the same runtime the user may deploy to, those
 * whose promotion rule names this release's environment first.
 */
export function PromoteDialog(props: {
  open: boolean;
  release: Release;
  busy: boolean;
  onConfirm: (environment: string) => void;
  onCancel: () => void;
}) {
  const { release: r } = props;
  const me = useMe();
  const environments = useEnvironments();
  const targets = (environments.data?.items ?? [])
    .filter((e) => e.name !== r.environment && e.runtime === r.runtime && can(me.data, 'deployment:write', e.name))
    .sort((a, b) => Number(b.promotion?.from === r.environment) - Number(a.promotion?.from === r.environment));
  const [chosen, setChosen] = useState<string | null>(null);
  const target = chosen ?? targets[0]?.name ?? '';
  const rule = targets.find((e) => e.name === target)?.promotion;
  return (
    <ConfirmDialog
      open={props.open}
      title="Promote this release?"
      confirmLabel="Draft the promotion"
      busy={props.busy || target === ''}
      onConfirm={() => props.onConfirm(target)}
      onCancel={props.onCancel}
    >
      {targets.length === 0 ? (
        <p>There is no other {r.runtime} environment you may deploy to.</p>
      ) : (
        <>
          <label className="inline-field">
            Promote to
            <select value={target} onChange={(e) => setChosen(e.target.value)} aria-label="Target environment">
              {targets.map((e) => (
                <option key={e.name} value={e.name}>
                  {e.name}
                  {e.promotion?.from === r.environment ? ` (takes promotions from ${r.environment})` : ''}
                </option>
              ))}
            </select>
          </label>
          <p>
            This drafts a release of {r.application} in {target} with the images that ran here pinned by digest. It then goes through
            preview, approval and apply like any release
            {rule ? `; ${target} accepts it once this release has run here for ${rule.soakSeconds}s` : ''}.
          </p>
        </>
      )}
    </ConfirmDialog>
  );
}
