import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap, type Environment, type Role, type RoleMapping } from '../../api/client';
import { queryKeys } from '../../api/queries';
import { useActions } from '../../api/use-actions';
import { patchedAt, removedAt } from '../../components/edited-list';
import { FieldError, FormField } from '../../components/field-error';
import { fieldErrorsOf } from '../../components/field-errors';
import { ProblemNotice } from '../../components/problem-notice';
import { EnvironmentChoice, RoleField } from './grant-fields';

interface MappingDraft {
  /** Empty: the sign-in provider's ID tokens; otherwise the URL of a trusted issuer (a CI system). */
  issuer: string;
  claim: string;
  value: string;
  role: Role;
  everywhere: boolean;
  environments: string[];
}

function draftOf(m: RoleMapping): MappingDraft {
  const everywhere = m.environments.includes('*');
  return {
    issuer: m.issuer ?? '',
    claim: m.claim,
    value: m.value,
    role: m.role,
    everywhere,
    environments: everywhere ? [] : m.environments,
  };
}

function bodyOf(d: MappingDraft) {
  return {
    issuer: d.issuer.trim() === '' ? null : d.issuer.trim(),
    claim: d.claim.trim(),
    value: d.value,
    role: d.role,
    environments: d.everywhere ? ['*'] : d.environments,
  };
}

const BLANK: MappingDraft = { issuer: '', claim: 'groups', value: '', role: 'viewer', everywhere: true, environments: [] };

/**
 * The claim → role mappings, edited as a whole and saved at once (the API replaces them all): who signs in through
 * the provider, or calls with a CI job's token, gets which roles on which environments.
 */
export function RoleMappingsEditor({ mappings, environments }: { mappings: RoleMapping[]; environments: Environment[] }) {
  const saved = mappings.map(draftOf);
  const [drafts, setDrafts] = useState<MappingDraft[]>(saved);
  const [savedNote, setSavedNote] = useState(false);
  const queryClient = useQueryClient();
  const actions = useActions({
    save: async () => {
      const result = await unwrap(api.PUT('/api/v1/role-mappings', { body: drafts.map(bodyOf) }));
      queryClient.setQueryData(queryKeys.roleMappings, result);
      setDrafts(result.items.map(draftOf));
      setSavedNote(true);
    },
  });
  const errors = fieldErrorsOf(actions.error);
  const changed = JSON.stringify(drafts.map(bodyOf)) !== JSON.stringify(saved.map(bodyOf));
  const incomplete = drafts.some((d) => d.claim.trim() === '' || d.value === '' || (!d.everywhere && d.environments.length === 0));
  const change = (i: number, patch: Partial<MappingDraft>) => {
    setSavedNote(false);
    setDrafts(patchedAt(drafts, i, patch));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (changed && !incomplete) actions.run('save');
  };

  return (
    <section className="panel" aria-labelledby="role-mappings-title">
      <h2 id="role-mappings-title">Role mappings</h2>
      <p className="muted">
        People who sign in with the identity provider, and CI jobs that call with their own signed token, get the roles of every mapping
        whose claim holds the value. Someone no mapping matches may sign in but do nothing.
      </p>
      <form className="form" onSubmit={submit}>
        {drafts.length === 0 && <p className="muted">No mappings: only API tokens grant roles.</p>}
        {drafts.map((d, i) => (
          <fieldset key={i} className="row-item" data-testid="role-mapping">
            <legend>Mapping {i + 1}</legend>
            <div className="form-row">
              <FormField
                label="Issuer"
                hint="Empty: the sign-in provider. A CI system's issuer URL for its job tokens."
                errors={errors}
                path={`/${i}/issuer`}
                className="grow"
              >
                {(control) => (
                  <input
                    {...control}
                    value={d.issuer}
                    onChange={(e) => change(i, { issuer: e.target.value })}
                    placeholder="https://token.actions.githubusercontent.com"
                  />
                )}
              </FormField>
              <FormField label="Claim" errors={errors} path={`/${i}/claim`}>
                {(control) => <input {...control} value={d.claim} onChange={(e) => change(i, { claim: e.target.value })} required />}
              </FormField>
              <FormField label="Value" hint="Exactly, or one of the claim's values when it is a list." errors={errors} path={`/${i}/value`}>
                {(control) => <input {...control} value={d.value} onChange={(e) => change(i, { value: e.target.value })} required />}
              </FormField>
              <RoleField value={d.role} onChange={(role) => change(i, { role })} errors={errors} path={`/${i}/role`} />
            </div>
            <EnvironmentChoice
              label={`Environments of mapping ${i + 1}`}
              value={d}
              environments={environments}
              onChange={(patch) => change(i, patch)}
            />
            <FieldError errors={errors} path={`/${i}/environments`} nested />
            <div className="actions">
              <button
                type="button"
                className="button button-small"
                onClick={() => {
                  setSavedNote(false);
                  setDrafts(removedAt(drafts, i));
                }}
              >
                Remove mapping {i + 1}
              </button>
            </div>
          </fieldset>
        ))}
        <div>
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              setSavedNote(false);
              setDrafts([...drafts, { ...BLANK }]);
            }}
          >
            Add mapping
          </button>
        </div>
        {actions.error && <ProblemNotice error={actions.error} />}
        {savedNote && !changed && (
          <p className="notice" role="status">
            Saved. Signed-in users and CI tokens get these roles at their next request.
          </p>
        )}
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={!changed || incomplete || actions.pending !== null}>
            {actions.pending ? 'Saving…' : 'Save mappings'}
          </button>
          <button
            type="button"
            className="button"
            disabled={!changed || actions.pending !== null}
            onClick={() => {
              setSavedNote(false);
              setDrafts(saved);
            }}
          >
            Discard changes
          </button>
        </div>
      </form>
    </section>
  );
}
