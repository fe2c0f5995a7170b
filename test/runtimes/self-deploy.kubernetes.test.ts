import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { baselineRules } from '../../src/core/policy/baseline-rules.js';
import { DEFAULT_POLICY, denials, evaluatePolicy } from '../../src/core/policy/policy.js';
import { KubeApiSimulator } from '../support/kube-sim/kube-api-simulator.js';
import { kustomize, manifestsOf, type RenderedObject } from '../support/kustomize-lite.js';
import { kubernetesTestServer } from '../support/runtime-servers.js';
import { ADMIN_TOKEN, eventually, type TestServer } from '../support/test-server.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const NAMESPACE = 'shipgate';
/** kubectl, when installed, carries kustomize: the test renderer is checked against it. */
const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';

function hasKubectl(): boolean {
  try {
    execFileSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What a team puts in the example overlay's git-ignored secrets.env. */
const SECRETS = {
  password: randomBytes(12).toString('hex'),
  adminToken: `admin-${randomBytes(16).toString('hex')}`,
  auditKey: randomBytes(32).toString('hex'),
};
const DATABASE_URL = `postgres://shipgate:${SECRETS.password}@postgres.shipgate.svc:5432/shipgate`;

/** deploy/kubernetes copied aside with secrets.env filled in, as a team's checkout would have it. */
function teamCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-deploy-'));
  cpSync(DEPLOY, dir, { recursive: true });
  writeFileSync(
    join(dir, 'overlays/example/secrets.env'),
    `SHIPGATE_DATABASE_URL=${DATABASE_URL}\nSHIPGATE_ADMIN_TOKEN=${SECRETS.adminToken}\nSHIPGATE_AUDIT_KEY=${SECRETS.auditKey}\n`,
  );
  return dir;
}

const one = (objects: RenderedObject[], kind: string) => {
  const found = objects.filter((o) => o.kind === kind);
  expect(
    found.map((o) => o.metadata.name),
    kind,
  ).toHaveLength(1);
  return found[0]!;
};

/** The environment a container of the Deployment starts with, as the kubelet builds it from env and envFrom. */
function containerEnvironment(objects: RenderedObject[]): NodeJS.ProcessEnv {
  const [container] = one(objects, 'Deployment')['spec']['template']['spec']['containers'];
  const env: NodeJS.ProcessEnv = {};
  for (const from of container['envFrom']) {
    const ref = from['configMapRef'] ?? from['secretRef'];
    const source = objects.find((o) => o.kind === (from['configMapRef'] ? 'ConfigMap' : 'Secret') && o.metadata.name === ref['name']);
    expect(source, `envFrom ${ref['name']}`).toBeDefined();
    for (const [k, v] of Object.entries<string>(source!['data'] ?? {}))
      env[k] = source!.kind === 'Secret' ? Buffer.from(v, 'base64').toString() : v;
    Object.assign(env, source!['stringData'] ?? {});
  }
  for (const e of container['env']) env[e['name']] = e['value'];
  return env;
}

describe("Shipgate's own Kubernetes manifests (deploy/kubernetes)", () => {
  const base = kustomize(join(DEPLOY, 'base'));
  const setup = kustomize(join(DEPLOY, 'setup'));

  it('run two replicas under the restricted Pod Security Standard, probed, bounded, with a disruption budget', () => {
    const deployment = one(base, 'Deployment');
    expect(deployment['spec']['replicas']).toBe(2);
    expect(deployment['spec']['strategy']).toMatchObject({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } });
    const pod = deployment['spec']['template']['spec'];
    expect(pod['terminationGracePeriodSeconds']).toBeGreaterThanOrEqual(30);
    expect(pod['serviceAccountName']).toBe(one(base, 'ServiceAccount').metadata.name);
    expect(pod['affinity']['podAntiAffinity']['preferredDuringSchedulingIgnoredDuringExecution'][0]['podAffinityTerm']['topologyKey']).toBe(
      'kubernetes.io/hostname',
    );
    // Only the volume types the restricted profile allows.
    for (const volume of pod['volumes'] ?? [])
      expect(Object.keys(volume).filter((k) => k !== 'name')).toEqual([expect.stringMatching(/^(emptyDir|configMap|secret|projected)$/)]);
    const containers = [...(pod['initContainers'] ?? []), ...pod['containers']];
    expect(containers.length).toBeGreaterThan(0);
    for (const c of containers) {
      const sc = c['securityContext'];
      expect(sc['runAsNonRoot'] ?? pod['securityContext']['runAsNonRoot'], c['name']).toBe(true);
      expect(sc['runAsUser'] ?? pod['securityContext']['runAsUser'], c['name']).toBeGreaterThan(0);
      expect(sc, c['name']).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect((sc['seccompProfile'] ?? pod['securityContext']['seccompProfile'])['type'], c['name']).toBe('RuntimeDefault');
      expect(c['resources']['requests'], c['name']).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c['resources']['limits'], c['name']).toMatchObject({ memory: expect.any(String) });
    }
    const [shipgate] = pod['containers'];
    expect(shipgate['imagePullPolicy']).toBe('IfNotPresent');
    expect(shipgate['command']).toEqual(['node', '--enable-source-maps', '--max-semi-space-size=4', 'dist/main.js']);
    expect(shipgate['ports']).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(shipgate['livenessProbe']['httpGet']).toEqual({ path: '/healthz', port: 'http' });
    expect(shipgate['readinessProbe']['httpGet']).toEqual({ path: '/readyz', port: 'http' });
    expect(shipgate['startupProbe']['httpGet']).toEqual({ path: '/healthz', port: 'http' });
    // Everything Shipgate writes goes to the emptyDir (the root filesystem is read-only).
    expect(shipgate['volumeMounts']).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);

    const podLabels = deployment['spec']['template']['metadata']['labels'];
    const pdb = one(base, 'PodDisruptionBudget');
    expect(pdb['spec']['minAvailable']).toBe(1);
    expect(podLabels).toMatchObject(pdb['spec']['selector']['matchLabels']);
    const service = one(base, 'Service');
    expect(service['spec']).toMatchObject({ type: 'ClusterIP', ports: [{ port: 80, targetPort: 'http' }] });
    expect(podLabels).toMatchObject(service['spec']['selector']);
    for (const o of base) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(NAMESPACE);
  });

  it('configure only settings the server reads, with a Secret template it refuses to start with', () => {
    const reads = readFileSync(fileURLToPath(new URL('../../src/config.ts', import.meta.url)), 'utf8');
    const env = containerEnvironment(base);
    for (const name of Object.keys(env).filter((n) => n !== 'HOME')) expect(reads, name).toContain(`'${name}'`);
    expect(Object.keys(one(base, 'Secret')['stringData']).sort()).toEqual([
      'SHIPGATE_ADMIN_TOKEN',
      'SHIPGATE_AUDIT_KEY',
      'SHIPGATE_DATABASE_URL',
    ]);
    // A template left as it is never starts: the placeholders are too short to be a token or an audit key.
    expect(() => loadConfig(env)).toThrow(/at least/);
    const config = loadConfig({ ...env, SHIPGATE_ADMIN_TOKEN: SECRETS.adminToken, SHIPGATE_AUDIT_KEY: SECRETS.auditKey });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 8080, runtimes: ['kubernetes'], auditKey: SECRETS.auditKey });
    expect(config.databaseUrl).toMatch(/^postgres:\/\//);
  });

  it('leave the namespace and the RBAC to a cluster admin: the baseline policy refuses them in a release', () => {
    const namespace = one(setup, 'Namespace');
    expect(namespace.metadata.name).toBe(NAMESPACE);
    expect(namespace.metadata['labels']).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    const role = one(setup, 'Role');
    expect(role.metadata.namespace).toBe(NAMESPACE);
    for (const rule of role['rules']) {
      expect(rule['verbs']).not.toContain('*');
      expect(rule['resources']).not.toContain('*');
    }
    expect(one(setup, 'RoleBinding')).toMatchObject({
      roleRef: { kind: 'Role', name: role.metadata.name },
      subjects: [{ kind: 'ServiceAccount', name: one(base, 'ServiceAccount').metadata.name, namespace: NAMESPACE }],
    });
    const judged = (objects: RenderedObject[]) =>
      evaluatePolicy(
        DEFAULT_POLICY,
        baselineRules('kubernetes'),
        objects.map((o) => ({ kind: o.kind, name: o.metadata.name, spec: o, clusterScoped: o.kind === 'Namespace' })),
      );
    expect(denials(judged(setup)).map((v) => `${v.ruleId} ${v.resource.kind}`)).toEqual([
      'cluster-scoped-kind Namespace',
      'namespace-guardrails Role',
      'namespace-guardrails RoleBinding',
    ]);
    expect(judged(base).violations).toEqual([]);
  });

  it.skipIf(!hasKubectl())('render with the test renderer as kubectl kustomize renders them', () => {
    const checkout = teamCheckout();
    try {
      // kustomize wraps Secret data at 70 columns, as MIME does; the API server decodes it with the line breaks ignored.
      const unwrapped = (o: RenderedObject) =>
        o.kind === 'Secret' && o['data']
          ? { ...o, data: Object.fromEntries(Object.entries<string>(o['data']).map(([k, v]) => [k, v.replace(/\n/g, '')])) }
          : o;
      const byKey = (objects: unknown[]) =>
        Object.fromEntries(
          (objects as RenderedObject[]).map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, unwrapped(o)]),
        );
      for (const dir of ['base', 'setup', 'overlays/example']) {
        const real = parseAllDocuments(execFileSync(KUBECTL, ['kustomize', join(checkout, dir)], { encoding: 'utf8' })) as Array<{
          toJS(): unknown;
        }>;
        expect(byKey(kustomize(join(checkout, dir))), dir).toEqual(byKey(real.map((d) => d.toJS())));
      }
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });

  it('stay within what the test renderer renders: it refuses any other kustomize feature by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipgate-kustomization-'));
    try {
      cpSync(join(DEPLOY, 'base'), dir, { recursive: true });
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [deployment.yaml]\npatches: [{path: p.yaml}]\n');
      expect(() => kustomize(dir)).toThrow(/"patches" is not supported/);
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [deployment.yaml]\ncommonLabels: {team: a}\n');
      expect(() => kustomize(dir)).toThrow(/"commonLabels" is not supported/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Kinds a cluster serves that the API-server simulator does not: they are checked above, not shipped below. */
const NOT_SIMULATED = new Set(['policy/v1 PodDisruptionBudget']);

/**
 * The requests to the API server a Role does not allow, each as the RBAC verb and resource it needs (discovery and
 * cluster-scoped paths left out). Server-side apply of an object that does not exist yet creates it, which RBAC
 * checks as `create` too.
 */
function notGranted(role: RenderedObject, requests: ReadonlyArray<{ method: string; path: string }>): string[] {
  const needed = new Set<string>();
  for (const { method, path } of requests) {
    const url = new URL(path, 'http://api');
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/namespaces\/[^/]+\/([^/]+)(?:\/([^/]+))?(?:\/(log))?$/.exec(url.pathname);
    if (!m) continue;
    const [, group = '', plural = '', name, sub] = m;
    const resource = sub ? `${plural}/${sub}` : plural;
    const verbs =
      method === 'PATCH'
        ? ['patch', 'create']
        : method === 'DELETE'
          ? ['delete']
          : url.searchParams.get('watch') === 'true'
            ? ['watch']
            : [name ? 'get' : 'list'];
    for (const verb of verbs) needed.add(`${verb} ${group}/${resource}`);
  }
  expect(needed.size).toBeGreaterThan(0);
  const allowed = (request: string) => {
    const [verb, groupResource] = request.split(' ') as [string, string];
    const [group, ...resource] = groupResource.split('/');
    return role['rules'].some(
      (rule: any) => rule['apiGroups'].includes(group) && rule['resources'].includes(resource.join('/')) && rule['verbs'].includes(verb),
    );
  };
  return [...needed].filter((request) => !allowed(request));
}

describe('Shipgate ships itself (API-server simulator)', () => {
  const sim = new KubeApiSimulator({ tickMs: 50 });
  let srv: TestServer;
  let checkout: string;
  let release: RenderedObject[];
  let notServed: string[];

  beforeAll(async () => {
    srv = await kubernetesTestServer(sim, 'shipgate', NAMESPACE);
    checkout = teamCheckout();
    const rendered = kustomize(join(checkout, 'overlays/example'));
    // What the API server's discovery serves, as Shipgate asks it.
    const serves = async (o: RenderedObject) => {
      const res = await fetch(`${sim.url}/${o.apiVersion.includes('/') ? 'apis' : 'api'}/${o.apiVersion}`, {
        headers: { authorization: 'Bearer sim-token' },
      });
      return res.ok && ((await res.json()) as { resources: Array<{ kind: string }> }).resources.some((r) => r.kind === o.kind);
    };
    const served = await Promise.all(rendered.map(serves));
    release = rendered.filter((_o, i) => served[i]);
    notServed = rendered.filter((_o, i) => !served[i]).map((o) => `${o.apiVersion} ${o.kind}`);
  });
  afterAll(async () => {
    await srv?.close();
    await sim.stop();
    if (checkout) rmSync(checkout, { recursive: true, force: true });
  });

  it('previews the rendered overlay under the baseline policy, secrets masked, and applies it within the Role of setup/', async () => {
    expect(
      notServed.every((t) => NOT_SIMULATED.has(t)),
      notServed.join(', '),
    ).toBe(true);
    const env = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/shipgate');
    expect(env.body.policy.profile).toBe('baseline');

    const manifests = manifestsOf(release);
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'shipgate',
      environment: 'shipgate',
      spec: { manifests },
    });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const { preview } = p.body;
    expect(preview.changes.map((c: any) => `${c.action} ${c.kind}/${c.name}`).sort()).toEqual(
      release.map((o) => `create ${o.kind}/${o.metadata.name}`).sort(),
    );
    expect(release.map((o) => o.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Secret', 'Service', 'ServiceAccount'].filter(
        (k) => !notServed.some((t) => t.endsWith(` ${k}`)),
      ),
    );
    expect(preview.policy.passed).toBe(true);
    expect(preview.policy.violations.filter((v: any) => v.severity === 'deny')).toEqual([]);
    expect(preview.changes.find((c: any) => c.kind === 'Secret').diff).toContain('********');

    const applied = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/apply`, { previewToken: preview.token });
    expect(applied.status, JSON.stringify(applied.body)).toBe(202);
    const done = await eventually(async () => {
      const r = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${rel.body.id}`);
      return ['succeeded', 'failed', 'interrupted'].includes(r.body.state) ? r.body : null;
    }, 30_000);
    expect(done.state, done.execution.message).toBe('succeeded');

    // Never a secret value, in the preview, the release or its timeline.
    const timeline = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${rel.body.id}/timeline`);
    for (const shown of [p.body, done, timeline.body]) {
      const text = JSON.stringify(shown);
      for (const secret of [...Object.values(SECRETS), DATABASE_URL]) expect(text).not.toContain(secret);
    }

    for (const o of release) {
      const [live] = sim.objectsOf(o.kind, NAMESPACE).filter((l) => l['metadata']['name'] === o.metadata.name);
      expect(live, `${o.kind}/${o.metadata.name}`).toBeDefined();
      expect(live!['metadata']['labels']).toMatchObject({
        'app.kubernetes.io/managed-by': 'shipgate',
        'shipgate.io/application': 'shipgate',
      });
    }
    const deployment = sim.get('Deployment', NAMESPACE, 'shipgate')!;
    expect(deployment['spec']['template']['spec']['containers'][0]['image']).toBe('registry.example.com/platform/shipgate:0.1.0');
    expect(deployment['status']).toMatchObject({ readyReplicas: 2, updatedReplicas: 2 });
    expect(sim.objectsOf('Pod', NAMESPACE)).toHaveLength(2);
    const secret = sim.get('Secret', NAMESPACE, 'shipgate')!;
    expect(Buffer.from(secret['data']['SHIPGATE_DATABASE_URL'], 'base64').toString()).toBe(DATABASE_URL);

    // All of it within the least-privilege Role that deploy/kubernetes/setup binds to Shipgate's service account.
    expect(notGranted(one(kustomize(join(DEPLOY, 'setup')), 'Role'), sim.requests)).toEqual([]);
  });

  it('refuses the Namespace in a release: it is cluster-scoped', async () => {
    const namespace = one(kustomize(join(DEPLOY, 'setup')), 'Namespace');
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'shipgate-namespace',
      environment: 'shipgate',
      spec: { manifests: manifestsOf([namespace]) },
    });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    expect(p.body.preview.policy.passed).toBe(false);
    expect(p.body.preview.policy.violations.map((v: any) => v.ruleId)).toEqual(['cluster-scoped-kind']);
  });
});
