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

  async function deploy(application: string, manifests: string, environment = 'prod') {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', { application, environment, spec: { manifests } });
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

  it('keeps its connections to the API server: a release and its rollout watches over a handful, not one per request', async () => {
    const [connections, requests] = [sim.connections, sim.requests.length];
    const { done } = await deploy('pooled', deployment('pooled', 'app:1'));
    expect(done.state).toBe('succeeded');
    const made = sim.requests.length - requests;
    const opened = sim.connections - connections;
    // Watches hold a connection each while open, parallel lists one each; the rest reuse idle ones.
    expect(made).toBeGreaterThan(30);
    expect(opened, `${opened} connections for ${made} requests`).toBeLessThanOrEqual(20);
  });

  it.each([
    ['CrashLoopBackOff', 'app:crashloop', ['CRASH_LOOP_BACK_OFF']],
    // The apply's own finding leads; the kubelet's states (it alternates between the two while it backs off) follow.
    ['ImagePullBackOff', 'app:missing', ['IMAGE_PULL_FAILED']],
    ['CreateContainerConfigError', 'app:configerror', ['CREATE_CONTAINER_CONFIG_ERROR']],
    ['a progress deadline', 'app:slow', ['ROLLOUT_TIMEOUT']],
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
      if (image.endsWith(':missing')) {
        expect(diagnostics.findings.some((f: any) => f.code === 'EVENT_FAILED' && /Failed to pull image/.test(f.message))).toBe(true);
        expect(diagnostics.findings.some((f: any) => ['IMAGE_PULL_BACK_OFF', 'ERR_IMAGE_PULL'].includes(f.code))).toBe(true);
      }
      if (image.endsWith(':slow')) {
        expect(diagnostics.findings[0]).toMatchObject({
          resource: { kind: 'Deployment', name },
          message: expect.stringMatching(/progress deadline/),
        });
        expect(diagnostics.findings[0].evidence).toContain('ProgressDeadlineExceeded');
        expect(diagnostics.findings.map((f: any) => f.code)).toContain('PROGRESS_DEADLINE_EXCEEDED');
      }
    },
    40_000,
  );

  it('fails an image that cannot be pulled with IMAGE_PULL_FAILED, and says the previous pods still run', async () => {
    const first = await deploy('puller', deployment('puller', 'app:1'));
    expect(first.done.state).toBe('succeeded');
    const { done, diagnostics } = await deploy('puller', deployment('puller', 'app:missing'));
    expect(done.state).toBe('failed');
    const [lead] = diagnostics.findings;
    expect(lead).toMatchObject({
      severity: 'error',
      code: 'IMAGE_PULL_FAILED',
      resource: { kind: 'Deployment', name: 'puller' },
      message: 'the image app:missing of Deployment puller could not be pulled',
    });
    expect(lead.evidence).toMatch(/Pod\/puller-\S+\/main: (ErrImagePull|ImagePullBackOff) — Back-off pulling image "app:missing"/);
    expect(diagnostics.summary.startsWith(lead.message)).toBe(true);
    const stale = diagnostics.findings.find((f: any) => f.code === 'STILL_RUNNING_PREVIOUS_IMAGE');
    expect(stale).toMatchObject({
      severity: 'error',
      resource: { kind: 'Deployment', name: 'puller' },
      message: 'puller still runs app:1 — the release asked for app:missing',
    });
    expect(stale.evidence).toMatch(/image=app:1 ready=true/);
    const oldPods = diagnostics.resources.filter(
      (r: any) => r.kind === 'Pod' && /runs the previous image app:1, not app:missing/.test(r.message),
    );
    expect(oldPods).toHaveLength(2);
    expect(oldPods.every((r: any) => r.ready)).toBe(true);
  }, 40_000);

  it('fails, not interrupts, an apply the API server refuses: APPLY_REJECTED with its Status, secrets masked', async () => {
    const canary = 'k8s-canary-3e1d';
    const manifests = (image: string, password: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata: {name: guarded-creds}\nstringData:\n  password: ${password}\n---\n` +
      deployment('guarded', image);
    const first = await deploy('guarded', manifests('app:1', 'first-password'));
    expect(first.done.state).toBe('succeeded');
    // An admission webhook that lets dry runs through (so the preview passes) and refuses the real write, quoting it.
    sim.admission = (o, { dryRun }) =>
      !dryRun && o['kind'] === 'Secret'
        ? {
            code: 422,
            reason: 'Invalid',
            message:
              `Secret "guarded-creds" is invalid: data[password]: Invalid value: "${o['stringData']['password']}": ` +
              'rotated too recently',
          }
        : null;
    try {
      const { done, diagnostics } = await deploy('guarded', manifests('app:2', canary));
      expect(done.state).toBe('failed');
      expect(done.execution.stage).toBe('failed');
      const [lead] = diagnostics.findings;
      expect(lead).toMatchObject({
        severity: 'error',
        code: 'APPLY_REJECTED',
        resource: { kind: 'Secret', name: 'guarded-creds' },
        message: 'the API server refused Secret/guarded-creds (Invalid)',
      });
      expect(lead.evidence).toContain(
        '422 Invalid: Secret "guarded-creds" is invalid: data[password]: Invalid value: "********": rotated too recently',
      );
      expect(diagnostics.summary.startsWith(lead.message)).toBe(true);
      // The Deployment after it was never written: the previous image still runs.
      expect(diagnostics.findings.map((f: any) => f.code)).toContain('STILL_RUNNING_PREVIOUS_IMAGE');
      expect(JSON.stringify([done, diagnostics])).not.toContain(canary);
      expect(srv.logs.join('\n')).not.toContain(canary);
    } finally {
      sim.admission = null;
    }
  }, 40_000);

  it("interrupts an apply refused for Shipgate's own credentials (RBAC), which is not the release's fault", async () => {
    sim.admission = (o, { dryRun }) =>
      !dryRun
        ? {
            code: 403,
            reason: 'Forbidden',
            message:
              `deployments.apps "${o['metadata']['name']}" is forbidden: User "system:serviceaccount:shipgate:shipgate" cannot patch ` +
              'resource "deployments" in API group "apps" in the namespace "shop"',
          }
        : null;
    try {
      const { done } = await deploy('rbac', deployment('rbac', 'app:1'));
      expect(done.state).toBe('interrupted');
      expect(done.execution.message).toMatch(/refused Shipgate's credentials/);
    } finally {
      sim.admission = null;
    }
  }, 40_000);

  it('fails a rollout still going at the time limit with ROLLOUT_TIMEOUT naming what it waited for', async () => {
    sim.addNamespace('short');
    const env = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
      name: 'short',
      runtime: 'kubernetes',
      target: { namespace: 'short' },
      applyTimeoutSeconds: 3,
    });
    expect(env.status, JSON.stringify(env.body)).toBe(201);
    const { done, diagnostics } = await deploy(
      'patient',
      deployment('patient', 'app:slow').replace('progressDeadlineSeconds: 2', 'progressDeadlineSeconds: 600'),
      'short',
    );
    expect(done.state).toBe('failed');
    expect(diagnostics.findings[0]).toMatchObject({
      code: 'ROLLOUT_TIMEOUT',
      resource: { kind: 'Deployment', name: 'patient' },
      message: 'the rollout did not finish within the time limit',
    });
    expect(diagnostics.findings[0].evidence).toMatch(/^Deployment\/patient: 0\/2 ready/);
  }, 40_000);

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
