import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesDriver } from '../../src/adapters/runtimes/kubernetes/kubernetes-driver.js';
import { KubeApiSimulator } from '../support/kube-sim/kube-api-simulator.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';

const deployment = (name: string, image: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  progressDeadlineSeconds: 2
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: main
          image: ${image}
${extra}`;

/** Kubernetes-specific behaviour against the API-server simulator, through the HTTP API. */
describe('the Kubernetes runtime (API-server simulator)', () => {
  const sim = new KubeApiSimulator({ tickMs: 100 });
  let srv: TestServer;

  beforeAll(async () => {
    await sim.start();
    sim.addNamespace('shop');
    const kc = new KubeConfig();
    kc.loadFromOptions(sim.kubeconfig());
    srv = await startTestServer({ dialect: 'sqlite', drivers: { kubernetes: KubernetesDriver.create({ kubeConfig: kc }) } });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
      name: 'prod',
      runtime: 'kubernetes',
      target: { namespace: 'shop' },
      applyTimeoutSeconds: 20,
    });
  });
  afterAll(async () => {
    await srv?.close();
    await sim.stop();
  });

  async function deploy(application: string, manifests: string) {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', { application, environment: 'prod', spec: { manifests } });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/apply`, { previewToken: p.body.preview.token });
    const done = await eventually(async () => {
      const r = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${rel.body.id}`);
      return ['succeeded', 'failed', 'interrupted'].includes(r.body.state) ? r.body : null;
    }, 30_000);
    const diagnostics = (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${rel.body.id}/diagnostics`)).body;
    return { id: rel.body.id as string, preview: p.body.preview, done, diagnostics };
  }

  it('labels what it owns, applies with field manager shipgate, and rolls out Deployments, StatefulSets, DaemonSets and Jobs', async () => {
    const manifests = [
      deployment('api', 'api:1'),
      `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  replicas: 1\n  serviceName: db\n  selector: {matchLabels: ` +
        `{app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers: [{name: db, image: "postgres:16"}]\n`,
      `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    ` +
        `metadata: {labels: {app: agent}}\n    spec:\n      containers: [{name: agent, image: "agent:1"}]\n`,
      `apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      ` +
        `containers: [{name: migrate, image: "migrate:1"}]\n`,
    ].join('---\n');
    const { done, preview } = await deploy('stack', manifests);
    expect(done.state, done.execution.message).toBe('succeeded');
    expect(preview.summary.create).toBe(4);
    const applied = sim.get('Deployment', 'shop', 'api')!;
    expect(applied['metadata']['labels']).toMatchObject({
      'app.kubernetes.io/managed-by': 'shipgate',
      'shipgate.io/application': 'stack',
      'shipgate.io/environment': 'prod',
    });
    expect(applied['metadata']['managedFields'][0]).toMatchObject({ manager: 'shipgate', operation: 'Apply' });
    expect(sim.get('Job', 'shop', 'migrate')!['status']['conditions'][0].type).toBe('Complete');
    const patches = sim.requests.filter((r) => r.method === 'PATCH');
    expect(patches.some((r) => r.path.includes('dryRun=All') && r.path.includes('fieldManager=shipgate'))).toBe(true);
    expect(patches.some((r) => !r.path.includes('dryRun') && r.path.includes('force=true'))).toBe(true);
    // The rollout is followed with watches, not only by polling.
    expect(
      sim.requests.some(
        (r) => r.method === 'GET' && r.path.startsWith('/apis/apps/v1/namespaces/shop/deployments?') && r.path.includes('watch=true'),
      ),
    ).toBe(true);
  });

  it.each([
    ['CrashLoopBackOff', 'app:crashloop', ['CRASH_LOOP_BACK_OFF']],
    // The kubelet alternates between the two while it backs off.
    ['ImagePullBackOff', 'app:missing', ['IMAGE_PULL_BACK_OFF', 'ERR_IMAGE_PULL']],
    ['CreateContainerConfigError', 'app:configerror', ['CREATE_CONTAINER_CONFIG_ERROR']],
    ['a progress deadline', 'app:slow', ['PROGRESS_DEADLINE_EXCEEDED']],
    ['OOMKilled', 'app:oom', ['CRASH_LOOP_BACK_OFF', 'OOM_KILLED']],
  ])(
    'fails a rollout stuck in %s with the right findings',
    async (_what, image, codes) => {
      const name = `w-${image.split(':')[1]}`;
      const { done, diagnostics } = await deploy(name, deployment(name, image));
      expect(done.state).toBe('failed');
      expect(diagnostics.findings[0].severity).toBe('error');
      expect(codes).toContain(diagnostics.findings[0].code);
      expect(diagnostics.resources.find((r: any) => r.kind === 'Deployment')).toMatchObject({ name, ready: false });
      if (image.endsWith(':crashloop')) {
        expect(diagnostics.logs[0].resource).toContain('previous');
        expect(diagnostics.logs[0].lines.join('\n')).toContain('panic: cannot reach database');
        expect(diagnostics.findings.some((f: any) => f.code === 'EVENT_BACK_OFF')).toBe(true);
      }
      if (image.endsWith(':oom')) expect(diagnostics.findings.map((f: any) => f.code)).toContain('OOM_KILLED');
      if (image.endsWith(':missing'))
        expect(diagnostics.findings.some((f: any) => f.code === 'EVENT_FAILED' && /Failed to pull image/.test(f.message))).toBe(true);
    },
    40_000,
  );

  it('fails a Job that exhausts its retries', async () => {
    const job =
      `apiVersion: batch/v1\nkind: Job\nmetadata: {name: bad-migrate}\nspec:\n  backoffLimit: 1\n  template:\n    spec:\n      ` +
      `restartPolicy: Never\n      containers: [{name: migrate, image: "migrate:fail"}]\n`;
    const { done, diagnostics } = await deploy('jobs', job);
    expect(done.state).toBe('failed');
    expect(diagnostics.findings.map((f: any) => f.code)).toEqual(expect.arrayContaining(['JOB_FAILED']));
  }, 40_000);

  it('compares Secret data by hash and shows it masked', async () => {
    const secret = (value: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData:\n  password: ${value}\n  user: admin\n`;
    const first = await deploy('secrets', secret('first-s3cret'));
    expect(first.done.state).toBe('succeeded');
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'secrets',
      environment: 'prod',
      spec: { manifests: secret('second-s3cret') },
    });
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    const change = p.body.preview.changes[0];
    expect(change.action).toBe('update');
    expect(change.diff).toContain('password: "******** (changed)"');
    expect(change.diff).not.toContain('user: "******** (changed)"');
    const body = JSON.stringify(p.body);
    for (const leak of [
      'first-s3cret',
      'second-s3cret',
      Buffer.from('first-s3cret').toString('base64'),
      Buffer.from('second-s3cret').toString('base64'),
    ])
      expect(body).not.toContain(leak);
    const same = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'secrets',
      environment: 'prod',
      spec: { manifests: secret('first-s3cret') },
    });
    const sp = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${same.body.id}/preview`);
    expect(sp.body.preview.changes[0].action).toBe('unchanged');
  });

  it('prunes owned objects a release drops', async () => {
    const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {a: "1"}\n`;
    const first = await deploy('prune', [deployment('prune', 'app:1'), cm].join('---\n'));
    expect(first.done.state).toBe('succeeded');
    expect(sim.get('ConfigMap', 'shop', 'extra')).toBeDefined();
    const second = await deploy('prune', deployment('prune', 'app:1'));
    expect(second.preview.changes.find((c: any) => c.kind === 'ConfigMap')).toMatchObject({ action: 'delete', name: 'extra' });
    expect(second.done.state).toBe('succeeded');
    expect(sim.get('ConfigMap', 'shop', 'extra')).toBeUndefined();
  });

  it('judges cluster-scoped kinds by API discovery: a baseline violation at preview, refused at submit and apply', async () => {
    const manifests = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n';
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'cluster',
      environment: 'prod',
      spec: { manifests },
    });
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    expect(p.status).toBe(201);
    expect(p.body.preview.policy).toMatchObject({
      passed: false,
      violations: [{ ruleId: 'cluster-scoped-kind', severity: 'deny', resource: { kind: 'Namespace', name: 'other' } }],
    });
    const applied = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/apply`, { previewToken: p.body.preview.token });
    expect([applied.status, applied.body.code]).toEqual([422, 'POLICY_DENIED']);
    expect(applied.body.violations[0].ruleId).toBe('cluster-scoped-kind');
    expect(sim.get('Namespace', '', 'other')).toBeUndefined();
  });

  it('rejects invalid manifests with the server message, and objects outside the namespace', async () => {
    const cases: Array<[string, RegExp]> = [
      [deployment('bad', 'app:1').replace('{app: bad}\n  template', '{app: other}\n  template'), /selector.*does not match template/],
      ['apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n', /serves no kind Widget/],
      ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: kube-system}\ndata: {}\n', /namespace "kube-system"/],
      ['kind: ConfigMap\nmetadata: {name: x}\n', /needs apiVersion, kind and metadata.name/],
    ];
    for (const [manifests, message] of cases) {
      const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
        application: 'invalid',
        environment: 'prod',
        spec: { manifests },
      });
      const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
      expect(p.status, manifests).toBe(400);
      expect(p.body.code).toBe('VALIDATION_FAILED');
      expect(p.body.detail).toMatch(message);
    }
  });

  it('reports the live digest from the resourceVersions of what it owns', async () => {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'stack',
      environment: 'prod',
      spec: { manifests: deployment('api', 'api:2') },
    });
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    sim.edit('Deployment', 'shop', 'api', (o) => {
      o['spec']['replicas'] = 5;
    });
    const res = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/apply`, { previewToken: p.body.preview.token });
    expect(res.body.reason).toBe('PREVIEW_STALE');
  });
});
