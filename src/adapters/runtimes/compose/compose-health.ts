import type { Finding, ResourceHealth } from '../../../core/diagnostics/diagnostics.js';
import type { ContainerState } from './docker-engine.js';

/** How one service stands: ready, still starting, or failed, with coded findings. */
export interface ServiceHealth {
  resource: ResourceHealth;
  findings: Finding[];
  phase: 'ready' | 'starting' | 'failed';
}

/**
 * Rolls a service's containers up into one health: the worst container decides.
 * Exited, OOM-killed, restarting (crash loop) and unhealthy containers are failures.
 */
export function serviceHealth(service: string, containers: readonly ContainerState[]): ServiceHealth {
  const resource = (ready: boolean, status: string, message: string): ResourceHealth => ({
    kind: 'Service',
    name: service,
    ready,
    status,
    message,
  });
  const ref = { kind: 'Service', name: service };
  if (containers.length === 0) {
    return { phase: 'failed', resource: resource(false, 'missing', 'no container runs for this service'), findings: [] };
  }
  const findings: Finding[] = [];
  let phase: ServiceHealth['phase'] = 'ready';
  const worse = (p: ServiceHealth['phase']) => {
    if (p === 'failed' || (p === 'starting' && phase === 'ready')) phase = p;
  };
  for (const c of containers) {
    const where = `container ${c.name}`;
    if (c.oomKilled) {
      findings.push({
        severity: 'error',
        code: 'OOM_KILLED',
        resource: ref,
        message: `${where} was killed for running out of memory`,
        evidence: `OOMKilled=true exitCode=${c.exitCode}`,
      });
      worse('failed');
    }
    if (c.status === 'exited' || c.status === 'dead') {
      if (!c.oomKilled) {
        findings.push({
          severity: 'error',
          code: 'CONTAINER_EXITED',
          resource: ref,
          message: `${where} exited with code ${c.exitCode}`,
          evidence: `status=${c.status} exitCode=${c.exitCode}${c.error ? ` error=${c.error}` : ''}`,
        });
      }
      worse('failed');
    } else if (c.status === 'restarting' || (c.restartCount > 0 && c.status !== 'running')) {
      findings.push({
        severity: 'error',
        code: 'CRASH_LOOP',
        resource: ref,
        message: `${where} keeps restarting (${c.restartCount} restarts)`,
        evidence: `status=${c.status} restartCount=${c.restartCount} lastExitCode=${c.exitCode}`,
      });
      worse('failed');
    } else if (c.status === 'created') {
      findings.push({
        severity: 'error',
        code: 'CONTAINER_NOT_STARTED',
        resource: ref,
        message: `${where} was created but never started`,
        evidence: c.error || 'status=created',
      });
      worse('failed');
    } else if (c.health === 'unhealthy') {
      findings.push({
        severity: 'error',
        code: 'UNHEALTHY',
        resource: ref,
        message: `${where} fails its health check`,
        evidence: c.healthLog.join('\n'),
      });
      worse('failed');
    } else if (c.health === 'starting') {
      findings.push({
        severity: 'warning',
        code: 'HEALTH_STARTING',
        resource: ref,
        message: `${where} has not passed its health check yet`,
        evidence: c.healthLog.join('\n'),
      });
      worse('starting');
    } else if (c.restartCount > 0) {
      findings.push({
        severity: 'warning',
        code: 'RESTARTED',
        resource: ref,
        message: `${where} restarted ${c.restartCount} times`,
        evidence: `restartCount=${c.restartCount} lastExitCode=${c.exitCode}`,
      });
    }
  }
  const first = containers[0]!;
  const status = first.health ? `${first.status} (${first.health})` : first.status;
  const message = findings.find((f) => f.severity === 'error')?.message ?? findings[0]?.message ?? '';
  return { phase, resource: resource(phase === 'ready', status, message), findings };
}
