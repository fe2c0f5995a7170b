import type { Change } from '../../../core/preview/preview.js';
import { redactText } from '../../../core/secrets/secret-masking.js';
import { readableYaml, resourceDiff } from '../resource-diff.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import type { DeployTarget } from '../../../ports/runtime-driver.js';
import { checkOwnership, comparable, displayObject, objectKey, sameObject } from './kubernetes-model.js';

/**
 * What applying `desired` would change: each object is server-side applied with `dryRun=All` and compared with the
 * live object (server-owned noise stripped, Secret data compared by fingerprint and shown masked); owned objects
 * the release no longer has are `delete`.
 */
export async function kubernetesChanges(
  client: KubeClient,
  target: DeployTarget,
  namespace: string,
  desired: readonly KubeObject[],
  owned: readonly KubeObject[],
  secrets: readonly string[],
): Promise<Change[]> {
  const show = (o: KubeObject | null) => (o ? redactText(readableYaml(o), secrets) : null);
  const changes: Change[] = [];
  for (const object of desired) {
    const name = object.metadata!.name!;
    const [dryRun, live] = await Promise.all([
      client.apply(object, { dryRun: true }),
      client.read(object.apiVersion!, object.kind!, namespace, name),
    ]);
    checkOwnership(live, target);
    const after = comparable(dryRun, namespace);
    if (!live) {
      changes.push({
        action: 'create',
        kind: object.kind!,
        name,
        diff: resourceDiff(objectKey(object), null, show(displayObject(after, null))),
      });
      continue;
    }
    const before = comparable(live, namespace);
    if (sameObject(before, after)) changes.push({ action: 'unchanged', kind: object.kind!, name, diff: '' });
    else
      changes.push({
        action: 'update',
        kind: object.kind!,
        name,
        diff: resourceDiff(objectKey(object), show(displayObject(before, null)), show(displayObject(after, before))),
      });
  }
  const wanted = new Set(desired.map(objectKey));
  for (const o of owned) {
    if (wanted.has(objectKey(o))) continue;
    changes.push({
      action: 'delete',
      kind: o.kind!,
      name: o.metadata!.name!,
      diff: resourceDiff(objectKey(o), show(displayObject(comparable(o, namespace), null)), null),
    });
  }
  return changes;
}
