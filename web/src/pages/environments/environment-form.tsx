import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, unwrap, type Environment } from '../../api/client';
import { queryKeys } from '../../api/queries';
import { useActions } from '../../api/use-actions';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { patchedAt, removedAt } from '../../components/edited-list';
import { FieldError, FormField } from '../../components/field-error';
import { fieldErrorsOf, type FieldErrors } from '../../components/field-errors';
import { ProblemNotice } from '../../components/problem-notice';
import {
  createBodyOf,
  settingsOf,
  type CustomRule,
  type EnvironmentDraft,
  type FreezeWindowDraft,
  type PolicyProfile,
  type Runtime,
} from './environment-draft';

type SetField = <K extends keyof EnvironmentDraft>(key: K, value: EnvironmentDraft[K]) => void;

/** A text or number input bound to one field of the draft, with the API's message for it. */
function Field(props: {
  label: string;
  draft: EnvironmentDraft;
  field: keyof EnvironmentDraft;
  set: SetField;
  errors: FieldErrors;
  path: string;
  type?: 'text' | 'number' | 'url';
  hint?: string;
  required?: boolean;
  placeholder?: string;
  grow?: boolean;
}) {
  return (
    <FormField label={props.label} hint={props.hint} errors={props.errors} path={props.path} className={props.grow ? 'grow' : undefined}>
      {(control) => (
        <input
          {...control}
          type={props.type ?? 'text'}
          value={props.draft[props.field] as string}
          required={props.required}
          placeholder={props.placeholder}
          onChange={(e) => props.set(props.field, e.target.value)}
        />
      )}
    </FormField>
  );
}

/** A checkbox bound to one boolean of the draft. */
function Check({ label, draft, field, set }: { label: ReactNode; draft: EnvironmentDraft; field: keyof EnvironmentDraft; set: SetField }) {
  return (
    <label>
      <input type="checkbox" checked={draft[field] as boolean} onChange={(e) => set(field, e.target.checked as never)} /> {label}
    </label>
  );
}

/** Create an environment, or change one: target, approval, TTLs, freeze windows, policy, promotion and verification. */
export function EnvironmentForm({
  initial,
  existing,
  environments,
  onSaved,
  onCancel,
}: {
  initial: EnvironmentDraft;
  /** The environment being changed, or null for a new one. */
  existing: Environment | null;
  environments: Environment[];
  onSaved: (env: Environment) => void;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState(initial);
  const [confirmPrivileged, setConfirmPrivileged] = useState(false);
  const set: SetField = (key, value) => setDraft((d) => ({ ...d, [key]: value }));
  const queryClient = useQueryClient();
  const actions = useActions({
    save: async () => {
      const saved = existing
        ? await unwrap(api.PATCH('/api/v1/environments/{name}', { params: { path: { name: existing.name } }, body: settingsOf(draft) }))
        : await unwrap(api.POST('/api/v1/environments', { body: createBodyOf(draft) }));
      await queryClient.invalidateQueries({ queryKey: queryKeys.environments });
      queryClient.setQueryData(queryKeys.environment(saved.name), saved);
      onSaved(saved);
    },
  });
  const errors = fieldErrorsOf(actions.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    actions.run('save');
  };
  const chooseProfile = (profile: PolicyProfile) => {
    if (profile === 'privileged') setConfirmPrivileged(true);
    else set('profile', profile);
  };
  const setWindow = (i: number, patch: Partial<FreezeWindowDraft>) => set('freezeWindows', patchedAt(draft.freezeWindows, i, patch));
  const setRule = (i: number, patch: Partial<CustomRule>) => set('rules', patchedAt(draft.rules, i, patch));
  const upstream = environments.filter((e) => e.name !== draft.name && e.runtime === draft.runtime);
  const title = existing ? `Edit ${existing.name}` : 'New environment';
  const fieldProps = { draft, set, errors };

  return (
    <section className="panel" aria-labelledby="environment-form-title">
      <h2 id="environment-form-title">{title}</h2>
      <form className="form" onSubmit={submit} noValidate>
        <fieldset>
          <legend>Runtime target</legend>
          <div className="form-row">
            {existing ? (
              <p>
                <span className="label">Name</span> <strong>{existing.name}</strong> ·{' '}
                {existing.runtime === 'compose' ? 'Docker Compose' : 'Kubernetes'}
              </p>
            ) : (
              <>
                <Field label="Name" field="name" path="/name" required hint="Lowercase letters, digits and dashes." {...fieldProps} />
                <FormField label="Runtime">
                  {(control) => (
                    <select {...control} value={draft.runtime} onChange={(e) => set('runtime', e.target.value as Runtime)}>
                      <option value="compose">Docker Compose</option>
                      <option value="kubernetes">Kubernetes</option>
                    </select>
                  )}
                </FormField>
              </>
            )}
            {draft.runtime === 'compose' ? (
              <Field label="Compose project" field="project" path="/target/project" required {...fieldProps} />
            ) : (
              <>
                <Field label="Namespace" field="namespace" path="/target/namespace" required {...fieldProps} />
                <Field
                  label="Kubernetes context"
                  field="context"
                  path="/target/context"
                  hint="Empty: the server's default."
                  {...fieldProps}
                />
              </>
            )}
          </div>
          <FieldError errors={errors} path="/target" />
          <div className="checks">
            <Check label="Production environment" field="production" {...fieldProps} />
          </div>
        </fieldset>

        <fieldset>
          <legend>Approval</legend>
          <div className="checks">
            <Check label="Approval required before apply" field="approvalRequired" {...fieldProps} />
            <Check label="Requesters may approve their own releases" field="allowSelfApproval" {...fieldProps} />
            <Check label="Rollbacks go ahead without approval" field="rollbackWithoutApproval" {...fieldProps} />
          </div>
          <div className="form-row">
            <Field label="Approvers needed" field="minApprovers" path="/approval/minApprovers" type="number" {...fieldProps} />
            <Field
              label="Ticket expires after (seconds)"
              field="ticketTtlSeconds"
              path="/approval/ticketTtlSeconds"
              type="number"
              {...fieldProps}
            />
          </div>
        </fieldset>

        <fieldset>
          <legend>Time limits</legend>
          <div className="form-row">
            <Field label="Preview valid for (seconds)" field="previewTtlSeconds" path="/previewTtlSeconds" type="number" {...fieldProps} />
            <Field label="Apply timeout (seconds)" field="applyTimeoutSeconds" path="/applyTimeoutSeconds" type="number" {...fieldProps} />
          </div>
          {!existing && <p className="hint">Empty: the server&apos;s default.</p>}
        </fieldset>

        <fieldset>
          <legend>Freeze windows</legend>
          <p className="hint">Nothing is applied inside a window, except by an admin with a recorded reason. Times are local.</p>
          {draft.freezeWindows.length === 0 && <p className="muted">No freeze windows.</p>}
          {draft.freezeWindows.map((w, i) => {
            const base = `/freezeWindows/${i}`;
            return (
              <div className="form-row row-item" key={i} role="group" aria-label={`Freeze window ${i + 1}`}>
                <FormField label="Start" errors={errors} path={`${base}/start`}>
                  {(control) => (
                    <input {...control} type="datetime-local" value={w.start} onChange={(e) => setWindow(i, { start: e.target.value })} />
                  )}
                </FormField>
                <FormField label="End" errors={errors} path={`${base}/end`}>
                  {(control) => (
                    <input {...control} type="datetime-local" value={w.end} onChange={(e) => setWindow(i, { end: e.target.value })} />
                  )}
                </FormField>
                <FormField label="Reason" errors={errors} path={`${base}/reason`} className="grow">
                  {(control) => <input {...control} value={w.reason} onChange={(e) => setWindow(i, { reason: e.target.value })} />}
                </FormField>
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => set('freezeWindows', removedAt(draft.freezeWindows, i))}
                >
                  Remove window {i + 1}
                </button>
              </div>
            );
          })}
          <button
            type="button"
            className="button button-small"
            onClick={() => set('freezeWindows', [...draft.freezeWindows, { start: '', end: '', reason: '' }])}
          >
            Add freeze window
          </button>
        </fieldset>

        <fieldset>
          <legend>Runtime policy</legend>
          <div className="form-row">
            <FormField label="Profile" errors={errors} path="/policy/profile">
              {(control) => (
                <select {...control} value={draft.profile} onChange={(e) => chooseProfile(e.target.value as PolicyProfile)}>
                  <option value="baseline">baseline: no host access</option>
                  <option value="privileged">privileged: built-in rules off</option>
                </select>
              )}
            </FormField>
            <FormField
              label="Allowed host paths"
              hint="One absolute path prefix a line; bind mounts and hostPath volumes may use these."
              errors={errors}
              path="/policy/allowHostPaths"
              className="grow"
            >
              {(control) => (
                <textarea {...control} rows={2} value={draft.allowHostPaths} onChange={(e) => set('allowHostPaths', e.target.value)} />
              )}
            </FormField>
          </div>
          <h3 className="small-title">Custom rules</h3>
          <p className="hint">
            A CEL expression over <code>release</code>, <code>images</code> and <code>resources</code> that is true when the release passes.
          </p>
          {draft.rules.map((rule, i) => {
            const base = `/policy/rules/${i}`;
            return (
              <div className="rule row-item" key={i} role="group" aria-label={`Rule ${i + 1}`}>
                <div className="form-row">
                  <FormField label="Rule id" errors={errors} path={`${base}/id`}>
                    {(control) => <input {...control} value={rule.id} onChange={(e) => setRule(i, { id: e.target.value })} />}
                  </FormField>
                  <FormField label="Severity">
                    {(control) => (
                      <select
                        {...control}
                        value={rule.severity}
                        onChange={(e) => setRule(i, { severity: e.target.value as CustomRule['severity'] })}
                      >
                        <option value="deny">deny: refuse the release</option>
                        <option value="warn">warn: show it at preview</option>
                      </select>
                    )}
                  </FormField>
                  <FormField label="Message" errors={errors} path={`${base}/message`} className="grow">
                    {(control) => <input {...control} value={rule.message} onChange={(e) => setRule(i, { message: e.target.value })} />}
                  </FormField>
                </div>
                <FormField label="Expression" errors={errors} path={`${base}/expression`}>
                  {(control) => (
                    <textarea
                      {...control}
                      rows={2}
                      className="code"
                      spellCheck={false}
                      value={rule.expression}
                      onChange={(e) => setRule(i, { expression: e.target.value })}
                    />
                  )}
                </FormField>
                <button type="button" className="button button-small" onClick={() => set('rules', removedAt(draft.rules, i))}>
                  Remove rule {i + 1}
                </button>
              </div>
            );
          })}
          <button
            type="button"
            className="button button-small"
            onClick={() => set('rules', [...draft.rules, { id: '', severity: 'deny', message: '', expression: '' }])}
          >
            Add rule
          </button>
        </fieldset>

        <fieldset>
          <legend>Promotion</legend>
          <div className="form-row">
            <FormField label="Promote from" errors={errors} path="/promotion/from">
              {(control) => (
                <select {...control} value={draft.promotionFrom} onChange={(e) => set('promotionFrom', e.target.value)}>
                  <option value="">no rule: any release may deploy</option>
                  {upstream.map((e) => (
                    <option key={e.name} value={e.name}>
                      {e.name}
                    </option>
                  ))}
                </select>
              )}
            </FormField>
            {draft.promotionFrom !== '' && (
              <Field label="Soak time upstream (seconds)" field="soakSeconds" path="/promotion/soakSeconds" type="number" {...fieldProps} />
            )}
          </div>
          <FieldError errors={errors} path="/promotion" />
        </fieldset>

        <fieldset>
          <legend>Verification after rollout</legend>
          <div className="checks">
            <Check label="Watch each release after its rollout" field="verify" {...fieldProps} />
          </div>
          {draft.verify && (
            <>
              <div className="form-row">
                <Field label="Window (seconds)" field="windowSeconds" path="/verification/windowSeconds" type="number" {...fieldProps} />
                <Field label="Restarts allowed" field="maxRestarts" path="/verification/maxRestarts" type="number" {...fieldProps} />
                <Field
                  label="HTTP probe URL"
                  field="probeUrl"
                  path="/verification/httpProbe/url"
                  type="url"
                  placeholder="https://shop.example/healthz"
                  hint="Empty: no probe."
                  grow
                  {...fieldProps}
                />
                {draft.probeUrl.trim() !== '' && (
                  <Field
                    label="Expected status"
                    field="expectStatus"
                    path="/verification/httpProbe/expectStatus"
                    type="number"
                    {...fieldProps}
                  />
                )}
              </div>
              <div className="checks">
                <Check label="Roll back automatically when verification fails" field="autoRollback" {...fieldProps} />
              </div>
            </>
          )}
        </fieldset>

        {actions.error && <ProblemNotice error={actions.error} />}
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={actions.pending !== null}>
            {actions.pending ? 'Saving…' : existing ? 'Save changes' : 'Create environment'}
          </button>
          <button type="button" className="button" onClick={onCancel}>
            Close
          </button>
        </div>
      </form>
      <ConfirmDialog
        open={confirmPrivileged}
        title="Turn the built-in rules off?"
        confirmLabel="Use privileged"
        onConfirm={() => {
          set('profile', 'privileged');
          setConfirmPrivileged(false);
        }}
        onCancel={() => setConfirmPrivileged(false)}
      >
        <p>
          With the <strong>privileged</strong> profile, releases here may mount any host path, use the Docker socket, run privileged
          containers and share the host&apos;s namespaces. Only custom rules still apply. The choice is logged with your name.
        </p>
      </ConfirmDialog>
    </section>
  );
}
