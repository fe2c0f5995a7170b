import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { ComposeDriver } from '../../src/adapters/runtimes/compose/compose-driver.js';
import { KubernetesDriver } from '../../src/adapters/runtimes/kubernetes/kubernetes-driver.js';
import { TEST_DOCKER_HOST, ensureTestImages } from './docker-fixtures.js';
import type { KubeApiSimulator } from './kube-sim/kube-api-simulator.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './test-server.js';

/** Creates an environment as the admin, with a 20 s apply time limit unless `settings` say otherwise. */
async function withEnvironment(srv: TestServer, settings: Record<string, unknown>): Promise<TestServer> {
  const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { applyTimeoutSeconds: 20, ...settings });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return srv;
}

/** A test server (SQLite) driving the test Docker engine without pulling, with one Compose environment. */
export async function composeTestServer(environment: string, project: string): Promise<TestServer> {
  await ensureTestImages();
  const srv = await startTestServer({
    dialect: 'sqlite',
    drivers: { compose: ComposeDriver.create({ dockerHost: TEST_DOCKER_HOST, pull: 'never' }) },
  });
  return withEnvironment(srv, { name: environment, runtime: 'compose', target: { project } });
}

/** Starts the simulator with `namespace`, and a test server (SQLite) driving it with one Kubernetes environment. */
export async function kubernetesTestServer(sim: KubeApiSimulator, environment: string, namespace: string): Promise<TestServer> {
  await sim.start();
  sim.addNamespace(namespace);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions(sim.kubeconfig());
  const srv = await startTestServer({ dialect: 'sqlite', drivers: { kubernetes: KubernetesDriver.create({ kubeConfig }) } });
  return withEnvironment(srv, { name: environment, runtime: 'kubernetes', target: { namespace } });
}
