import { useQueryClient } from '@tanstack/react-query';
import { Suspense, lazy, useState, type FormEvent } from 'react';
import { Loading } from '../../components/loading';
import { useLocation } from 'wouter';
import { api, unwrap, type Environment, type Release } from '../../api/client';
import { queryKeys } from '../../api/queries';
import { useActions } from '../../api/use-actions';
import { ProblemNotice } from '../../components/problem-notice';
import { yamlProblems } from '../../components/yaml-problems';
import { ParameterFields, parametersOf, rowsOf, type ParameterRow } from './parameter-fields';
import { DNS_LABEL, htmlPattern } from '../../../../src/core/names';

/** CodeMirror is loaded only when the editor shows. */
const YamlEditor = lazy(() => import('../../components/yaml-editor'));

/** Draft a release: a new spec in the YAML editor, or the last release of an application with new parameters. */
export function NewReleaseForm({
  environments,
  current,
  onClose,
  initial,
}: {
  environments: Environment[];
  current: Map<string, Release>;
  onClose: () => void;
  /** A draft to start from (the example a new user deploys first). */
  initial?: { application: string; spec: string; parameters: Record<string, string>; description: string };
}) {
  const [environment, setEnvironment] = useState(environments[0]?.name ?? '');
  const [mode, setMode] = useState<'spec' | 'last'>('spec');
  const [application, setApplication] = useState(initial?.application ?? '');
  const [spec, setSpec] = useState(initial?.spec ?? 'services:\n  web:\n    image: nginx:${TAG}\n');
  const [params, setParams] = useState<ParameterRow[]>(initial ? rowsOf(initial.parameters) : [{ key: 'TAG', value: '' }]);
  const [description, setDescription] = useState(initial?.description ?? '');
  const [, navigate] = useLocation();
  const queryClient = useQueryClient();
  const env = environments.find((e) => e.name === environment);
  const lastReleases = [...current.values()].filter((r) => r.environment === environment);
  const fromRelease = mode === 'last' ? lastReleases.find((r) => r.application === application) : undefined;

  const chooseLast = (app: string) => {
    setApplication(app);
    const last = lastReleases.find((r) => r.application === app);
    if (last) setParams(rowsOf(last.parameters));
  };

  const actions = useActions({
    draft: async () => {
      const specBody = env?.runtime === 'kubernetes' ? { manifests: spec } : { compose: spec };
      const body = {
        application,
        environment,
        channel: 'ui' as const,
        parameters: parametersOf(params),
        ...(description ? { description } : {}),
        ...(mode === 'last' && fromRelease ? { fromReleaseId: fromRelease.id } : { spec: specBody }),
      };
      const created = await unwrap(api.POST('/api/v1/releases', { body }));
      await queryClient.invalidateQueries({ queryKey: queryKeys.releases.all });
      onClose();
      navigate(`/releases/${created.id}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    actions.run('draft');
  };

  return (
    <section className="panel" aria-labelledby="new-release-title">
      <h2 id="new-release-title">New release</h2>
      <form className="form" onSubmit={submit}>
        <div className="form-row">
          <label>
            Environment
            <select value={environment} onChange={(e) => setEnvironment(e.target.value)} name="environment">
              {environments.map((e) => (
                <option key={e.name} value={e.name}>
                  {e.name} ({e.runtime})
                </option>
              ))}
            </select>
          </label>
          <fieldset className="segmented">
            <legend>Start from</legend>
            <label>
              <input type="radio" name="mode" checked={mode === 'spec'} onChange={() => setMode('spec')} /> A new spec
            </label>
            <label>
              <input
                type="radio"
                name="mode"
                checked={mode === 'last'}
                onChange={() => setMode('last')}
                disabled={lastReleases.length === 0}
              />{' '}
              The last release
            </label>
          </fieldset>
        </div>
        {mode === 'spec' ? (
          <>
            <label>
              Application
              <input
                name="application"
                value={application}
                onChange={(e) => setApplication(e.target.value)}
                required
                pattern={htmlPattern(DNS_LABEL)}
                maxLength={DNS_LABEL.maxLength}
                title={`Must be ${DNS_LABEL.description}`}
                placeholder="web"
              />
            </label>
            <span className="label" id="spec-label">
              {env?.runtime === 'kubernetes' ? 'Kubernetes manifests (YAML)' : 'Compose file (YAML)'} — use <code>{'${NAME}'}</code> for
              parameters
            </span>
            <Suspense fallback={<Loading what="the editor" />}>
              <YamlEditor id="spec" label="Spec (YAML)" value={spec} onChange={setSpec} />
            </Suspense>
          </>
        ) : (
          <label>
            Application
            <select value={application} onChange={(e) => chooseLast(e.target.value)} name="last-application" required>
              <option value="">Choose…</option>
              {lastReleases.map((r) => (
                <option key={r.id} value={r.application}>
                  {r.application}
                </option>
              ))}
            </select>
          </label>
        )}
        <ParameterFields rows={params} onChange={setParams} />
        <label>
          Description
          <input name="description" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="What and why" />
        </label>
        {actions.error && <ProblemNotice error={actions.error} />}
        <div className="actions">
          <button
            type="submit"
            className="button button-primary"
            disabled={actions.pending !== null || (mode === 'spec' && yamlProblems(spec).length > 0)}
          >
            {actions.pending ? 'Drafting…' : 'Draft release'}
          </button>
        </div>
      </form>
    </section>
  );
}
