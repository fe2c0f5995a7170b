import type { Change } from '../../../core/preview/preview.js';
import { redactText } from '../../../core/secrets/secret-masking.js';
import { readableYaml, resourceDiff } from '../resource-diff.js';
import {
  LABELS,
  decodeServiceLabel,
  displayService,
  fingerprintedService,
  isUp,
  serviceDigest,
  type ComposeModel,
  type ComposeService,
} from './compose-model.js';
import type { ContainerState } from './docker-engine.js';

/** What applying `desired` would do to each service, compared with the running containers. */
export function composeChanges(
  desired: ComposeModel,
  containers: readonly ContainerState[],
  project: string,
  secrets: readonly string[],
  /** The image id each service's image reference resolves to locally now (absent when not pulled yet). */
  imageIds: ReadonlyMap<string, string>,
): Change[] {
  const byService = new Map<string, ContainerState[]>();
  for (const c of containers) byService.set(c.service, [...(byService.get(c.service) ?? []), c]);
  const changes: Change[] = [];
  const show = (s: ComposeService | null) => (s ? redactText(readableYaml(s), secrets) : null);
  for (const [name, service] of Object.entries(desired.services ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const live = byService.get(name) ?? [];
    const after = fingerprintedService(service, project);
    if (live.length === 0) {
      changes.push({ action: 'create', kind: 'Service', name, diff: resourceDiff(name, null, show(displayService(after, null))) });
      continue;
    }
    const current = live[0]!;
    const before = decodeServiceLabel(current.labels[LABELS.serviceConfig]);
    const resolved = imageIds.get(name);
    const imageMoved = current.image === service.image && resolved !== undefined && resolved !== current.imageId;
    // A container stopped, paused or dead behind Shipgate's back is started again by an apply: that is a change.
    const down = live.find((c) => !isUp(c));
    if (current.labels[LABELS.serviceDigest] === serviceDigest(service) && !imageMoved && !down) {
      changes.push({ action: 'unchanged', kind: 'Service', name, diff: '' });
      continue;
    }
    const beforeText = before ? show(displayService(before, null)) : `# running, not managed by Shipgate\nimage: ${current.image}\n`;
    let diff = resourceDiff(name, beforeText, show(displayService(after, before)));
    if (!diff && imageMoved) diff = `# image ${service.image} now resolves to another image id; the container will be recreated`;
    if (down) diff = [diff, `state: running → ${down.status} (container ${down.name})`].filter(Boolean).join('\n');
    changes.push({ action: 'update', kind: 'Service', name, diff });
  }
  for (const [name, live] of [...byService.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (desired.services?.[name]) continue;
    const before = decodeServiceLabel(live[0]!.labels[LABELS.serviceConfig]);
    const beforeText = before ? show(displayService(before, null)) : `image: ${live[0]!.image}\n`;
    changes.push({ action: 'delete', kind: 'Service', name, diff: resourceDiff(name, beforeText, null) });
  }
  return changes;
}
