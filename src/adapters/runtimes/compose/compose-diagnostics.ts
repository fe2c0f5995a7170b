import type { Finding, LogExcerpt, ResourceHealth, RuntimeDiagnosis } from '../../../core/diagnostics/diagnostics.js';
import { sortFindings, stillRunningPreviousImage } from '../../../core/diagnostics/diagnostics.js';
import { redactDeep } from '../../../core/secrets/secret-masking.js';
import type { ComposeModel } from './compose-model.js';
import { serviceHealth } from './compose-health.js';
import type { ContainerState, DockerEngine } from './docker-engine.js';

/** How many log lines of a failing container are kept. */
export const LOG_TAIL = 40;

/**
 * A service whose containers run another image than the release asked for (by reference, then by image id): after a
 * failed apply, the previous release's containers are what still serves, and a healthy line must not hide that.
 */
async function previousImage(
  engine: DockerEngine,
  service: string,
  image: string,
  live: readonly ContainerState[],
): Promise<{ finding: Finding; note: string } | null> {
  const other = live.filter((c) => c.image !== image);
  if (other.length === 0) return null;
  const wantedId = (await engine.image(image))?.id ?? null;
  const stale = other.filter((c) => c.imageId !== wantedId);
  if (stale.length === 0) return null;
  const evidence = [
    ...stale.map((c) => `container ${c.name}: image=${c.image} id=${c.imageId} status=${c.status}${c.health ? ` (${c.health})` : ''}`),
    `release: image=${image}${wantedId ? ` id=${wantedId}` : ' (not on the engine)'}`,
  ];
  const running = [...new Set(stale.map((c) => c.image))].join(', ');
  return stillRunningPreviousImage({ kind: 'Service', name: service }, running, image, evidence.join('\n'));
}

/**
 * Structured diagnostics of a Compose project: per service, container state, exit code, OOM kill, restarts, the
 * health-check log and the last log lines of failing containers; a service with no container is explained by its
 * image (`IMAGE_NOT_FOUND`) or reported missing, one whose containers run another image than the release's is
 * `STILL_RUNNING_PREVIOUS_IMAGE`. Secrets are masked.
 */
export async function composeDiagnostics(
  engine: DockerEngine,
  project: string,
  desired: ComposeModel | null,
  secrets: readonly string[],
): Promise<RuntimeDiagnosis> {
  const containers = await engine.projectContainers(project);
  const byService = new Map<string, ContainerState[]>();
  for (const c of containers) byService.set(c.service, [...(byService.get(c.service) ?? []), c]);
  const services = new Set<string>([...Object.keys(desired?.services ?? {}), ...byService.keys()]);
  const findings: Finding[] = [];
  const resources: ResourceHealth[] = [];
  const logs: LogExcerpt[] = [];
  for (const name of [...services].sort()) {
    const live = byService.get(name) ?? [];
    const wanted = desired?.services?.[name];
    if (live.length === 0 && wanted) {
      const image = wanted.image ?? '';
      const present = image ? await engine.image(image) : null;
      if (image && !present) {
        findings.push({
          severity: 'error',
          code: 'IMAGE_NOT_FOUND',
          resource: { kind: 'Service', name },
          message: `image ${image} is not on the engine and could not be pulled`,
          evidence: `image=${image}`,
        });
        resources.push({ kind: 'Service', name, ready: false, status: 'image missing', message: `image ${image} not found` });
      } else {
        findings.push({
          severity: 'error',
          code: 'SERVICE_MISSING',
          resource: { kind: 'Service', name },
          message: `no container runs for service ${name}`,
          evidence: `image=${image}`,
        });
        resources.push({ kind: 'Service', name, ready: false, status: 'missing', message: 'no container' });
      }
      continue;
    }
    if (!wanted && desired) {
      findings.push({
        severity: 'warning',
        code: 'ORPHAN_SERVICE',
        resource: { kind: 'Service', name },
        message: `service ${name} runs but is not in the release`,
        evidence: live.map((c) => c.name).join(', '),
      });
    }
    const health = serviceHealth(name, live);
    findings.push(...health.findings);
    const stale = wanted?.image ? await previousImage(engine, name, wanted.image, live) : null;
    if (stale) findings.push(stale.finding);
    resources.push(stale ? { ...health.resource, ready: false, message: stale.note } : health.resource);
    for (const c of live) {
      if (health.phase === 'ready' && c.restartCount === 0) continue;
      const lines = await engine.logs(c.id, LOG_TAIL).catch(() => [] as string[]);
      if (lines.length > 0) logs.push({ resource: `Service/${name} (${c.name})`, lines });
    }
  }
  const sorted = sortFindings(findings);
  const errors = sorted.filter((f) => f.severity === 'error');
  const summary =
    errors.length > 0
      ? `${errors.length} problem${errors.length > 1 ? 's' : ''}: ${errors.map((f) => `${f.resource.name}: ${f.message}`).join('; ')}`
      : `${resources.filter((r) => r.ready).length} of ${resources.length} services healthy`;
  return redactDeep({ summary, findings: sorted, resources, logs }, secrets);
}
