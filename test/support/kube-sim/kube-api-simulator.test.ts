import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiSimulator } from './kube-api-simulator.js';

/** The simulator answers the real client library as the API server would. */
describe('the Kubernetes API-server simulator', () => {
  const sim = new KubeApiSimulator({ token: 't0k3n' });
  let api: KubernetesObjectApi;
  const cm = (data: Record<string, string>): KubernetesObject & { data: Record<string, string> } => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cfg', namespace: 'ns' },
    data,
  });

  beforeAll(async () => {
    await sim.start();
    sim.addNamespace('ns');
    const kc = new KubeConfig();
    kc.loadFromOptions({ ...sim.kubeconfig(), users: [{ name: 'shipgate', token: 't0k3n' }] });
    api = KubernetesObjectApi.makeApiClient(kc);
  });
  afterAll(() => sim.stop());

  const failure = async (work: Promise<unknown>) => {
    try {
      await work;
    } catch (error) {
      const e = error as { code: number; body: string };
      return { code: e.code, body: JSON.parse(e.body) as Record<string, unknown> };
    }
    throw new Error('expected a failure');
  };

  it('answers 404 NotFound as a Status', async () => {
    const f = await failure(api.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nope', namespace: 'ns' } }));
    expect(f.code).toBe(404);
    expect(f.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: 'configmaps "nope" not found',
    });
  });

  it('keeps resourceVersion for an unchanged apply and bumps it for a change; dry runs store nothing', async () => {
    const first = await api.patch(cm({ a: '1' }), undefined, undefined, 'shipgate', true, PatchStrategy.ServerSideApply);
    const same = await api.patch(cm({ a: '1' }), undefined, undefined, 'shipgate', true, PatchStrategy.ServerSideApply);
    expect(same.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    const dry = await api.patch(cm({ a: '2' }), undefined, 'All', 'shipgate', true, PatchStrategy.ServerSideApply);
    expect((dry as { data?: Record<string, string> }).data).toEqual({ a: '2' });
    expect(sim.get('ConfigMap', 'ns', 'cfg')!['data']).toEqual({ a: '1' });
    const changed = await api.patch(cm({ a: '2' }), undefined, undefined, 'shipgate', true, PatchStrategy.ServerSideApply);
    expect(Number(changed.metadata?.resourceVersion)).toBeGreaterThan(Number(first.metadata?.resourceVersion));
  });

  it('answers 409 Conflict to another field manager unless it forces, and 422 Invalid without a field manager', async () => {
    const conflict = await failure(api.patch(cm({ a: '3' }), undefined, undefined, 'kubectl', false, PatchStrategy.ServerSideApply));
    expect(conflict).toMatchObject({ code: 409, body: { reason: 'Conflict' } });
    const invalid = await failure(api.patch(cm({ a: '3' }), undefined, undefined, undefined, true, PatchStrategy.ServerSideApply));
    expect(invalid).toMatchObject({ code: 422, body: { reason: 'Invalid' } });
  });

  it('refuses a request without the bearer token', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({ ...sim.kubeconfig(), users: [{ name: 'shipgate', token: 'wrong' }] });
    const f = await failure(
      KubernetesObjectApi.makeApiClient(kc).read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns' } }),
    );
    expect(f.code).toBe(401);
  });
});
