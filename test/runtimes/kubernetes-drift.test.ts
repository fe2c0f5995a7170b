import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiSimulator } from '../support/kube-sim/kube-api-simulator.js';
import { ADMIN_TOKEN, type TestServer } from '../support/test-server.js';
import { kubernetesTestServer } from '../support/runtime-servers.js';
import { deployed, driftEvents, previewed } from '../support/deploy.js';

const CANARY = 'kube-drift-s3cr3t';
const manifests = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: main
          image: ${image}
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  password: ${CANARY}
`;

// Drift of a Kubernetes application: objects edited or deleted through the API server behind Shipgate's back.
describe('drift of a Kubernetes application (API-server simulator)', () => {
  const sim = new KubeApiSimulator({ tickMs: 100 });
  let srv: TestServer;
  let releaseId: string;

  /** A request to the simulator's API as `kubectl` would make it. */
  async function kubectl(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(sim.url + path, {
      method,
      headers: { authorization: 'Bearer sim-token', 'content-type': 'application/apply-patch+yaml' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return res.json();
  }

  const draft = (image: string) => ({ application: 'shop', environment: 'prod', spec: { manifests: manifests(image) } });

  async function checkNow() {
    const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments/prod/drift/check');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(CANARY);
    return res.body.items[0];
  }

  beforeAll(async () => {
    srv = await kubernetesTestServer(sim, 'prod', 'shop');
    releaseId = await deployed(srv, draft('api:1'), 30_000);
  }, 60_000);

  afterAll(async () => {
    await srv?.close();
    await sim.stop();
  });

  it('is in sync after the deploy', async () => {
    expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/prod/drift')).body.items).toEqual([
      expect.objectContaining({ application: 'shop', releaseId, status: 'in_sync', changes: [] }),
    ]);
  });

  it('shows a Deployment scaled and given another image through the API, and a preview made before is stale', async () => {
    const next = await previewed(srv, draft('api:2'));
    const path = '/apis/apps/v1/namespaces/shop/deployments/api';
    const live = await kubectl('GET', path);
    const { status: _status, ...edited } = live;
    edited.spec.replicas = 5;
    edited.spec.template.spec.containers[0].image = 'api:hotfix';
    await kubectl('PATCH', `${path}?fieldManager=kubectl-edit&force=true`, edited);
    const drifted = await checkNow();
    expect(drifted).toMatchObject({ releaseId, status: 'drifted', changes: [{ action: 'update', kind: 'Deployment', name: 'api' }] });
    const diff: string = drifted.changes[0].diff;
    expect(diff).toMatch(/^-.*replicas: 5$/m);
    expect(diff).toMatch(/^\+.*replicas: 2$/m);
    expect(diff).toMatch(/^-.*image: api:hotfix$/m);
    const stale = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${next.id}/apply`, { previewToken: next.token });
    expect([stale.status, stale.body.reason]).toEqual([428, 'PREVIEW_STALE']);
  });

  it('shows objects deleted through the API: drifted while some remain, missing once none does', async () => {
    await kubectl('DELETE', '/apis/apps/v1/namespaces/shop/deployments/api');
    const partly = await checkNow();
    expect(partly).toMatchObject({ status: 'drifted', changes: [{ action: 'create', kind: 'Deployment', name: 'api' }] });
    await kubectl('DELETE', '/api/v1/namespaces/shop/secrets/creds');
    const gone = await checkNow();
    expect(gone.status).toBe('missing');
    expect(gone.changes.map((c: any) => `${c.action} ${c.kind}/${c.name}`).sort()).toEqual([
      'create Deployment/api',
      'create Secret/creds',
    ]);
    const detected = await driftEvents(srv, releaseId);
    expect(detected.map((e: any) => e.data.status)).toEqual(['drifted', 'drifted', 'missing']);
    expect(JSON.stringify(detected)).not.toContain(CANARY);
  });
});
