// The runtime contract: the same scenarios for every RuntimeDriver, through the HTTP API, as Kysely's tests loop
// over dialects. Compose runs on the real Docker engine; Kubernetes on the API-server simulator, and on a real
// cluster when SHIPGATE_TEST_KUBECONFIG names one (otherwise those cases are reported as skipped).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { ComposeDriver } from '../../src/adapters/runtimes/compose/compose-driver.js';
import { createKubeClient } from '../../src/adapters/runtimes/kubernetes/kube-client.js';
import { KubernetesDriver } from '../../src/adapters/runtimes/kubernetes/kubernetes-driver.js';
import type { RuntimeDriver } from '../../src/ports/runtime-driver.js';
import { TEST_DOCKER_HOST, docker, ensureTestImages, removeProject } from '../support/docker-fixtures.js';
import { KubeApiSimulator } from '../support/kube-sim/kube-api-simulator.js';
import { ADMIN_TOKEN, eventually, startTestServer, type ApiResponse, type TestServer } from '../support/test-server.js';

const CANARY = `canary-${randomBytes(4).toString('hex')}`;

type Version = 'v1' | 'v2' | 'failing';

/** What a runtime needs to play the contract's scenarios. */
interface RuntimeFixture {
  name: string;
  skip?: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  driver(): RuntimeDriver;
  /** A driver whose runtime cannot be reached. */
  unreachable(): RuntimeDriver;
  environment: Record<string, unknown>;
  spec(version: Version): { manifests: string } | { compose: string };
  /** How many resources the spec has, and which one v2 changes. */
  resources: number;
  changedByV2: { kind: string; name: string };
  /** Codes a failing rollout's findings may lead with. */
  failureCodes: string[];
  /** Changes what runs behind Shipgate's back. */
  tamper(application: string): Promise<void>;
}

function composeFixture(): RuntimeFixture {
  const project = `contract${randomBytes(3).toString('hex')}`;
  return {
    name: 'compose (Docker engine)',
    setUp: () => ensureTestImages(),
    tearDown: async () => {
      for (const app of ['app', 'stale']) await removeProject(`${project}-${app}`).catch(() => undefined);
    },
    driver: () => ComposeDriver.create({ dockerHost: TEST_DOCKER_HOST, pull: 'never' }),
    unreachable: () => ComposeDriver.create({ dockerHost: 'unix:///nonexistent/docker.sock', pull: 'never' }),
    environment: { runtime: 'compose', target: { project }, applyTimeoutSeconds: 20 },
    spec: (version) => ({
      compose: `services:
  web:
    image: shipgate-test/app:${version === 'v2' ? '2' : '1'}
    init: true
    stop_grace_period: 1s
    environment:
      DB_PASSWORD: ${CANARY}
${version === 'failing' ? '    command: ["sh", "-c", "echo boom; exit 3"]\n' : ''}    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      retries: 3
  worker:
    image: shipgate-test/app:1
    init: true
    stop_grace_period: 1s
`,
    }),
    resources: 2,
    changedByV2: { kind: 'Service', name: 'web' },
    failureCodes: ['CONTAINER_EXITED', 'CRASH_LOOP'],
    tamper: async (application) => {
      await docker(['rm', '-f', `${project}-${application}-worker-1`]);
    },
  };
}

const manifests = (version: Version, image: (v: Version) => string, extra = '') => `apiVersion: v1
kind: Secret
metadata:
  name: web-secrets
stringData:
  DB_PASSWORD: ${CANARY}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  LOG_LEVEL: info
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  progressDeadlineSeconds: ${version === 'failing' ? 60 : 120}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: ${image(version)}
${extra}          envFrom:
            - secretRef:
                name: web-secrets
            - configMapRef:
                name: web-config
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
`;

function kubernetesSimulatorFixture(): RuntimeFixture {
  const sim = new KubeApiSimulator({ token: 'sim-token', tickMs: 100 });
  const config = () => {
    const kc = new KubeConfig();
    kc.loadFromOptions(sim.kubeconfig());
    return kc;
  };
  return {
    name: 'kubernetes (API-server simulator)',
    setUp: async () => {
      await sim.start();
      sim.addNamespace('shop');
    },
    tearDown: () => sim.stop(),
    driver: () => KubernetesDriver.create({ kubeConfig: config() }),
    unreachable: () => {
      const kc = new KubeConfig();
      kc.loadFromOptions({ ...sim.kubeconfig(), clusters: [{ name: 'sim', server: 'http://127.0.0.1:1', skipTLSVerify: true }] });
      return KubernetesDriver.create({ kubeConfig: kc });
    },
    environment: { runtime: 'kubernetes', target: { namespace: 'shop' }, applyTimeoutSeconds: 30 },
    spec: (version) => ({
      manifests: manifests(version, (v) =>
        v === 'failing' ? 'registry.example/web:crashloop' : `registry.example/web:${v === 'v2' ? '2' : '1'}`,
      ),
    }),
    resources: 4,
    changedByV2: { kind: 'Deployment', name: 'web' },
    failureCodes: ['CRASH_LOOP_BACK_OFF'],
    tamper: async (application) => {
      void application;
      sim.edit('ConfigMap', 'shop', 'web-config', (o) => {
        o['data']['LOG_LEVEL'] = 'trace';
      });
    },
  };
}

function kubernetesClusterFixture(): RuntimeFixture {
  const path = process.env['SHIPGATE_TEST_KUBECONFIG'];
  const namespace = process.env['SHIPGATE_TEST_NAMESPACE'] ?? 'shipgate-contract';
  const config = () => {
    const kc = new KubeConfig();
    if (path) kc.loadFromFile(path);
    return kc;
  };
  return {
    name: 'kubernetes (real cluster)',
    skip: path ? undefined : 'SHIPGATE_TEST_KUBECONFIG is not set',
    setUp: async () => {
      const client = createKubeClient(config());
      await client.ping(namespace);
    },
    tearDown: async () => undefined,
    driver: () => KubernetesDriver.create({ kubeConfig: config() }),
    unreachable: () => {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'x', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
        users: [{ name: 'x', token: 'x' }],
        contexts: [{ name: 'x', cluster: 'x', user: 'x' }],
        currentContext: 'x',
      });
      return KubernetesDriver.create({ kubeConfig: kc });
    },
    environment: { runtime: 'kubernetes', target: { namespace }, applyTimeoutSeconds: 180 },
    spec: (version) => ({
      manifests: manifests(
        version,
        (v) => (v === 'failing' ? 'busybox:1.36' : v === 'v2' ? 'registry.k8s.io/pause:3.10' : 'registry.k8s.io/pause:3.9'),
        version === 'failing' ? '          command: ["sh", "-c", "echo boom; exit 1"]\n' : '',
      ),
    }),
    resources: 4,
    changedByV2: { kind: 'Deployment', name: 'web' },
    failureCodes: ['CRASH_LOOP_BACK_OFF', 'PROGRESS_DEADLINE_EXCEEDED'],
    tamper: async () => {
      const kc = config();
      const client = createKubeClient(kc);
      const cm = await client.read('v1', 'ConfigMap', namespace, 'web-config');
      if (cm)
        await client.apply(
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace }, data: { TAMPERED: 'yes' } } as never,
          { dryRun: false },
        );
    },
  };
}

const FIXTURES: RuntimeFixture[] = [composeFixture(), kubernetesSimulatorFixture(), kubernetesClusterFixture()];

describe.each(FIXTURES)('runtime contract: $name', (fixture) => {
  let srv: TestServer;
  const seen: ApiResponse[] = [];
  const skip = Boolean(fixture.skip);

  async function api(method: string, path: string, body?: unknown, server = srv) {
    const res = await server.api(ADMIN_TOKEN, method, path, body);
    seen.push(res);
    return res;
  }
  async function draft(application: string, version: Version, server = srv) {
    const res = await api('POST', '/api/v1/releases', { application, environment: 'contract', spec: fixture.spec(version) }, server);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }
  async function preview(id: string) {
    const res = await api('POST', `/api/v1/releases/${id}/preview`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.preview;
  }
  async function apply(id: string, token: string) {
    const res = await api('POST', `/api/v1/releases/${id}/apply`, { previewToken: token });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return eventually(
      async () => {
        const r = await api('GET', `/api/v1/releases/${id}`);
        return ['succeeded', 'failed', 'interrupted'].includes(r.body.state) ? r.body : null;
      },
      120_000,
      `${fixture.name} release to finish`,
    );
  }

  beforeAll(async () => {
    if (skip) return;
    await fixture.setUp();
    srv = await startTestServer({ dialect: 'sqlite', drivers: { [fixture.environment['runtime'] as string]: fixture.driver() } });
    const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'contract', ...fixture.environment });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }, 120_000);

  afterAll(async () => {
    if (skip) return;
    await srv?.close();
    await fixture.tearDown();
  });

  it.skipIf(skip)(
    'creates what is new and rolls it out',
    async () => {
      const id = await draft('app', 'v1');
      const p = await preview(id);
      expect(p.summary).toEqual({ create: fixture.resources, update: 0, delete: 0, unchanged: 0 });
      const done = await apply(id, p.token);
      expect(done.state, done.execution.message).toBe('succeeded');
      expect(done.execution.stage).toBe('completed');
    },
    150_000,
  );

  it.skipIf(skip)(
    'updates only what changed, with a readable diff',
    async () => {
      const id = await draft('app', 'v2');
      const p = await preview(id);
      expect(p.summary.update).toBeGreaterThanOrEqual(1);
      expect(p.summary.create + p.summary.delete).toBe(0);
      expect(p.changes.filter((c: any) => c.action === 'update').map((c: any) => `${c.kind}/${c.name}`)).toEqual([
        `${fixture.changedByV2.kind}/${fixture.changedByV2.name}`,
      ]);
      const changed = p.changes.find((c: any) => c.name === fixture.changedByV2.name && c.kind === fixture.changedByV2.kind);
      expect(changed.diff).toMatch(/^-.*image: .*\n?/m);
      expect(changed.diff).toMatch(/^\+.*image: .*/m);
      const done = await apply(id, p.token);
      expect(done.state, done.execution.message).toBe('succeeded');
    },
    150_000,
  );

  it.skipIf(skip)(
    'sees nothing to do when nothing changed',
    async () => {
      const id = await draft('app', 'v2');
      const p = await preview(id);
      expect(p.summary).toEqual({ create: 0, update: 0, delete: 0, unchanged: fixture.resources });
      const done = await apply(id, p.token);
      expect(done.state).toBe('succeeded');
    },
    150_000,
  );

  it.skipIf(skip)(
    'fails a rollout that does not get healthy, with coded findings and logs',
    async () => {
      const id = await draft('app', 'failing');
      const p = await preview(id);
      const done = await apply(id, p.token);
      expect(done.state).toBe('failed');
      const diag = (await api('GET', `/api/v1/releases/${id}/diagnostics`)).body;
      expect(fixture.failureCodes).toContain(diag.findings[0].code);
      expect(diag.findings[0].severity).toBe('error');
      expect(diag.resources.some((r: any) => r.ready === false)).toBe(true);
      expect(diag.logs.length).toBeGreaterThan(0);
    },
    150_000,
  );

  it.skipIf(skip)(
    'rolls back to the last release that succeeded',
    async () => {
      const failed = (await api('GET', '/api/v1/releases?environment=contract&application=app&state=failed')).body.items[0];
      const rb = await api('POST', `/api/v1/releases/${failed.id}/rollback`, {});
      expect(rb.status).toBe(201);
      const p = await preview(rb.body.id);
      expect(p.changes.find((c: any) => c.name === fixture.changedByV2.name && c.kind === fixture.changedByV2.kind).action).toBe('update');
      const done = await apply(rb.body.id, p.token);
      expect(done.state, done.execution.message).toBe('succeeded');
      expect((await api('GET', `/api/v1/releases/${failed.id}`)).body.state).toBe('rolled_back');
      const again = await preview(await draft('app', 'v2'));
      expect(again.summary.unchanged).toBe(fixture.resources);
    },
    150_000,
  );

  it.skipIf(skip)(
    'refuses a preview made before the runtime changed behind its back (PREVIEW_STALE)',
    async () => {
      const application = fixture.environment['runtime'] === 'compose' ? 'stale' : 'app';
      if (application === 'stale') {
        const first = await draft('stale', 'v1');
        const fp = await preview(first);
        expect((await apply(first, fp.token)).state).toBe('succeeded');
      }
      const id = await draft(application, 'v1');
      const p = await preview(id);
      await fixture.tamper(application);
      const res = await api('POST', `/api/v1/releases/${id}/apply`, { previewToken: p.token });
      expect(res.status).toBe(428);
      expect(res.body.reason).toBe('PREVIEW_STALE');
    },
    150_000,
  );

  it.skipIf(skip)(
    'answers RUNTIME_UNAVAILABLE when the runtime cannot be reached',
    async () => {
      const down = await startTestServer({
        dialect: 'sqlite',
        drivers: { [fixture.environment['runtime'] as string]: fixture.unreachable() },
      });
      try {
        await down.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'contract', ...fixture.environment });
        const id = await draft('app', 'v1', down);
        const res = await down.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/preview`);
        expect(res.status).toBe(503);
        expect(res.body.code).toBe('RUNTIME_UNAVAILABLE');
        expect((await down.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`)).body.state).toBe('draft');
      } finally {
        await down.close();
      }
    },
    60_000,
  );

  it.skipIf(skip)('never shows a secret in any response or log', () => {
    expect(seen.length).toBeGreaterThan(20);
    for (const res of seen) expect(JSON.stringify(res.body)).not.toContain(CANARY);
    expect(JSON.stringify(seen)).toContain('********');
    expect(srv.logs.join('\n')).not.toContain(CANARY);
  });
});
