import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeApiSimulator } from './kube-api-simulator.js';

/** A one-replica Deployment whose pods carry `app: <name>`, as YAML. */
export const deploymentYaml = (name: string, image: string): string =>
  stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
    },
  });

/** Writes the kubeconfig file a server process is given (SHIPGATE_KUBECONFIG), pointing at the simulator. */
export function kubeconfigFile(dir: string, sim: KubeApiSimulator): string {
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'sim', cluster: { server: sim.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'shipgate', user: { token: 'sim-token' } }],
      contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'shipgate' } }],
      'current-context': 'sim',
    }),
  );
  return path;
}

/** Runs `work` on every item, `limit` at a time. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

/** How many times the simulator saw each Deployment of `namespaces` really (not dry-run) applied, by name. */
export function deploymentApplies(sim: KubeApiSimulator, namespaces: RegExp): Map<string, number> {
  const applies = new Map<string, number>();
  for (const { method, path } of sim.requests) {
    const m = /\/namespaces\/([^/]+)\/deployments\/([^/?]+)\?/.exec(path);
    if (method === 'PATCH' && m && namespaces.test(m[1]!) && !path.includes('dryRun')) applies.set(m[2]!, (applies.get(m[2]!) ?? 0) + 1);
  }
  return applies;
}
