import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesDriver } from '../../src/adapters/runtimes/kubernetes/kubernetes-driver.js';
import { KubeApiSimulator } from '../support/kube-sim/kube-api-simulator.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';
import { DIALECTS } from '../support/dialects.js';

// The Kubernetes runtime's side of governance, through the HTTP API against the API-server simulator: the baseline
// judges every pod spec, and objects Shipgate labelled for another environment or application are never touched.

const pod = (spec: string, kind = 'Deployment', name = 'web') => {
  const template = `    metadata:\n      labels: {app: ${name}}\n    spec:\n${spec}`;
  if (kind === 'Job') return `apiVersion: batch/v1\nkind: Job\nmetadata: {name: ${name}}\nspec:\n  template:\n${template}`;
  return (
    `apiVersion: apps/v1\nkind: ${kind}\nmetadata: {name: ${name}}\nspec:\n  selector:\n    matchLabels: {app: ${name}}\n  ` +
    `template:\n${template}`
  );
};
const containers = (securityContext = '') => `      containers:\n        - name: main\n          image: app:1\n${securityContext}`;
const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {v: "${value}"}\n`;

describe.each(DIALECTS)('the Kubernetes runtime cannot be turned against the cluster (%s)', (dialect) => {
  const sim = new KubeApiSimulator({ tickMs: 100 });
  let srv: TestServer;

  async function draft(application: string, manifests: string) {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', { application, environment: 'prod', spec: { manifests } });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    return rel.body.id as string;
  }

  async function deploy(application: string, manifests: string) {
    const id = await draft(application, manifests);
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/preview`);
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    expect((await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: p.body.preview.token })).status).toBe(202);
    return eventually(async () => {
      const r = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`);
      return ['succeeded', 'failed', 'interrupted'].includes(r.body.state) ? r.body : null;
    }, 20_000);
  }

  beforeAll(async () => {
    await sim.start();
    sim.addNamespace('shop');
    const kc = new KubeConfig();
    kc.loadFromOptions(sim.kubeconfig());
    srv = await startTestServer({ dialect, drivers: { kubernetes: KubernetesDriver.create({ kubeConfig: kc }) } });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
      name: 'prod',
      runtime: 'kubernetes',
      target: { namespace: 'shop' },
      applyTimeoutSeconds: 10,
      policy: { allowHostPaths: ['/srv/data'] },
    });
  });

  afterAll(async () => {
    await srv?.close();
    await sim.stop();
  });

  it.each([
    ['host-path', pod(`      volumes:\n        - name: h\n          hostPath: {path: /etc}\n${containers()}`)],
    [
      'host-path',
      pod(`      volumes:\n        - name: h\n          hostPath: {path: /srv/data/../../root}\n${containers()}`, 'StatefulSet'),
    ],
    [
      'engine-socket',
      pod(`      volumes:\n        - name: h\n          hostPath: {path: /var/run/docker.sock}\n${containers()}`, 'DaemonSet'),
    ],
    ['privileged', pod(containers('          securityContext: {privileged: true}\n'), 'Job')],
    ['host-namespaces', pod(`      hostNetwork: true\n${containers()}`)],
    ['host-namespaces', pod(`      hostPID: true\n${containers()}`)],
    ['added-capabilities', pod(containers('          securityContext: {capabilities: {add: [SYS_ADMIN]}}\n'))],
    ['privilege-escalation', pod(containers('          securityContext: {allowPrivilegeEscalation: true}\n'))],
    ['unconfined-profiles', pod(`      securityContext: {seccompProfile: {type: Unconfined}}\n${containers()}`)],
  ])('shows %s at preview and applies nothing', async (ruleId, manifests) => {
    const id = await draft('escape', manifests);
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/preview`);
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    expect(p.body.preview.policy.violations.map((v: { ruleId: string }) => v.ruleId)).toContain(ruleId);
    const apply = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: p.body.preview.token });
    expect([apply.status, apply.body.code]).toEqual([422, 'POLICY_DENIED']);
    const applied = sim.requests.filter((r) => r.method === 'PATCH' && !r.path.includes('dryRun') && r.path.includes('/escape'));
    expect(applied).toEqual([]);
  });

  it('never previews or changes an object Shipgate labelled for another application or environment', async () => {
    expect((await deploy('web', configMap('shared', 'from-web'))).state).toBe('succeeded');
    // Another application of the same environment reaching for web's object is refused at preview…
    const grab = await draft('api', configMap('shared', 'from-api'));
    const refused = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${grab}/preview`);
    expect([refused.status, refused.body.code]).toEqual([409, 'TARGET_IN_USE']);
    // …and at apply, when the object appeared after the preview.
    const later = await draft('api', configMap('later', 'from-api'));
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${later}/preview`);
    expect(p.status).toBe(201);
    expect((await deploy('web', configMap('shared', 'from-web') + '---\n' + configMap('later', 'from-web'))).state).toBe('succeeded');
    expect((await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${later}/apply`, { previewToken: p.body.preview.token })).status).toBe(
      202,
    );
    const done = await eventually(async () => {
      const r = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${later}`);
      return ['succeeded', 'failed', 'interrupted'].includes(r.body.state) ? r.body : null;
    }, 20_000);
    expect(done.state).toBe('interrupted');
    expect(done.execution.message).toMatch(/another environment or application/);
    expect(sim.get('ConfigMap', 'shop', 'later')?.['data']).toEqual({ v: 'from-web' });
    // An object relabelled for another environment is no longer web's either.
    sim.edit('ConfigMap', 'shop', 'shared', (o) => (o['metadata']['labels']['shipgate.io/environment'] = 'staging'));
    const again = await draft('web', configMap('shared', 'from-web-2'));
    const res = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${again}/preview`);
    expect([res.status, res.body.code]).toEqual([409, 'TARGET_IN_USE']);
    expect(sim.get('ConfigMap', 'shop', 'shared')?.['data']).toEqual({ v: 'from-web' });
  });
});
