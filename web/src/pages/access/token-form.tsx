import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap, type CreatedToken, type Environment, type Role } from '../../api/client';
import { queryKeys } from '../../api/queries';
import { useActions } from '../../api/use-actions';
import { patchedAt, removedAt } from '../../components/edited-list';
import { FieldError, FormField } from '../../components/field-error';
import { fieldErrorsOf } from '../../components/field-errors';
import { ProblemNotice } from '../../components/problem-notice';
import { EnvironmentChoice, RoleField } from './grant-fields';

interface BindingDraft {
  role: Role;
  everywhere: boolean;
  environments: string[];
}

const SECONDS_PER_DAY = 86_400;

/** Issue a token: who it is for, which roles on which environments, and when it expires. */
export function TokenForm({ environments, onCreated }: { environments: Environment[]; onCreated: (created: CreatedToken) => void }) {
  const [subject, setSubject] = useState('');
  const [bindings, setBindings] = useState<BindingDraft[]>([{ role: 'deployer', everywhere: true, environments: [] }]);
  const [expiresInDays, setExpiresInDays] = useState('');
  const queryClient = useQueryClient();
  const actions = useActions({
    create: async () => {
      const days = expiresInDays.trim();
      const body = {
        subject: subject.trim(),
        bindings: bindings.map((b) => ({ role: b.role, environments: b.everywhere ? ['*'] : b.environments })),
        ...(days ? { expiresInSeconds: Math.round(Number(days) * SECONDS_PER_DAY) } : {}),
      };
      const created = await unwrap(api.POST('/api/v1/tokens', { body }));
      await queryClient.invalidateQueries({ queryKey: queryKeys.tokens });
      setSubject('');
      setExpiresInDays('');
      setBindings([{ role: 'deployer', everywhere: true, environments: [] }]);
      onCreated(created);
    },
  });
  const errors = fieldErrorsOf(actions.error);
  const incomplete = subject.trim() === '' || bindings.some((b) => !b.everywhere && b.environments.length === 0);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!incomplete) actions.run('create');
  };
  const change = (i: number, patch: Partial<BindingDraft>) => setBindings(patchedAt(bindings, i, patch));

  return (
    <section className="panel" aria-labelledby="new-token-title">
      <h2 id="new-token-title">Issue a token</h2>
      <form className="form" onSubmit={submit}>
        <div className="form-row">
          <FormField label="Subject" errors={errors} path="/subject" className="grow">
            {(control) => (
              <input
                {...control}
                value={subject}
                onChange={(e) => setSubject(e.target.value)}
                placeholder="ci-pipeline or alice@example.com"
                required
              />
            )}
          </FormField>
          <FormField label="Expires in (days)" hint="Empty: never expires." errors={errors} path="/expiresInSeconds">
            {(control) => (
              <input {...control} type="number" min={1} value={expiresInDays} onChange={(e) => setExpiresInDays(e.target.value)} />
            )}
          </FormField>
        </div>
        {bindings.map((binding, i) => (
          <fieldset key={i} className="row-item">
            <legend>Role binding {i + 1}</legend>
            <div className="form-row">
              <RoleField value={binding.role} onChange={(role) => change(i, { role })} />
              {bindings.length > 1 && (
                <button type="button" className="button button-small" onClick={() => setBindings(removedAt(bindings, i))}>
                  Remove binding {i + 1}
                </button>
              )}
            </div>
            <EnvironmentChoice
              label={`Environments of binding ${i + 1}`}
              value={binding}
              environments={environments}
              onChange={(patch) => change(i, patch)}
            />
            <FieldError errors={errors} path={`/bindings/${i}`} nested />
          </fieldset>
        ))}
        <div>
          <button
            type="button"
            className="button button-small"
            onClick={() => setBindings([...bindings, { role: 'viewer', everywhere: true, environments: [] }])}
          >
            Add role binding
          </button>
        </div>
        {actions.error && <ProblemNotice error={actions.error} />}
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={incomplete || actions.pending !== null}>
            {actions.pending ? 'Issuing…' : 'Issue token'}
          </button>
        </div>
      </form>
    </section>
  );
}
