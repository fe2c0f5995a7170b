import type { RuntimeDiagnosis } from '../../../core/diagnostics/diagnostics.js';
import type {
  ApplyOptions,
  ApplyOutcome,
  DeployTarget,
  DeployUnit,
  DriverPreview,
  RuntimeDriver,
  WorkloadUnit,
} from '../../../ports/runtime-driver.js';
import { composeApply } from './compose-apply.js';
import { ComposeCli } from './compose-cli.js';
import { composeDiagnostics } from './compose-diagnostics.js';
import { composeDocument } from '../../../core/compose/compose-spec.js';
import {
  checkProjectOwnership,
  composeProjectName,
  labelledModel,
  liveDigestOf,
  sameLive,
  policyResourcesOf,
  type ComposeModel,
} from './compose-model.js';
import { composeChanges } from './compose-preview.js';
import { createDockerEngine, type DockerEngine } from './docker-engine.js';

export interface ComposeDriverOptions {
  /** The engine, as `DOCKER_HOST` names it (default the local socket). */
  dockerHost?: string;
  dockerBinary?: string;
  dockerConfig?: string;
  pull?: 'missing' | 'always' | 'never';
  /** Where the CLI's scratch directories go (swept of dead processes' leftovers on start). */
  scratchRoot?: string;
}

/** Image facts recorded when a release ran, by service. */
type RestoredImages = Record<string, { ref: string; id: string; repoDigest: string | null }>;

/**
 * The Docker Compose runtime: each application of an environment is the Compose project
 * `<target.project>-<application>` on one Docker engine, driven by the real `docker compose` v2 CLI and inspected
 * through the Engine API.
 * @example const driver = ComposeDriver.create({ dockerHost: process.env.DOCKER_HOST })
 */
export class ComposeDriver implements RuntimeDriver {
  readonly runtime = 'compose' as const;

  private constructor(
    private readonly engine: DockerEngine,
    private readonly cli: ComposeCli,
  ) {}

  static create(options: ComposeDriverOptions = {}): ComposeDriver {
    const dockerHost = options.dockerHost || 'unix:///var/run/docker.sock';
    return new ComposeDriver(
      createDockerEngine(dockerHost),
      new ComposeCli({
        dockerHost,
        dockerBinary: options.dockerBinary,
        dockerConfig: options.dockerConfig,
        pull: options.pull,
        scratchRoot: options.scratchRoot,
      }),
    );
  }

  ping(): Promise<void> {
    return this.engine.ping();
  }

  sameLive(before: string, now: string): boolean {
    return sameLive(before, now);
  }

  async liveDigest(target: DeployTarget): Promise<string> {
    return liveDigestOf(await this.engine.projectContainers(composeProjectName(target)));
  }

  /** The model to apply: normalized by Compose, images pinned when restoring, labelled with ownership and digests. */
  private async desired(target: DeployTarget, unit: DeployUnit): Promise<ComposeModel> {
    const project = composeProjectName(target);
    const model = await this.cli.config(project, composeDocument(unit.rendered), unit.secrets);
    const restored = (unit.restore?.['images'] ?? null) as RestoredImages | null;
    if (restored) {
      for (const [name, service] of Object.entries(model.services ?? {})) {
        const recorded = restored[name];
        if (!recorded || !service.image) continue;
        const now = await this.engine.image(service.image);
        // The tag moved since the restored release ran: run the exact image it ran, by digest or id.
        if (now?.id !== recorded.id && (await this.engine.image(recorded.id))) service.image = recorded.repoDigest ?? recorded.id;
      }
    }
    return labelledModel(model, target, project);
  }

  async preview(target: DeployTarget, unit: DeployUnit): Promise<DriverPreview> {
    const project = composeProjectName(target);
    const containers = await this.engine.projectContainers(project);
    checkProjectOwnership(containers, target);
    const desired = await this.desired(target, unit);
    const imageIds = new Map<string, string>();
    for (const [name, service] of Object.entries(desired.services)) {
      const image = service.image ? await this.engine.image(service.image) : null;
      if (image) imageIds.set(name, image.id);
    }
    return {
      changes: composeChanges(desired, containers, project, unit.secrets, imageIds),
      liveDigest: liveDigestOf(containers),
      resources: policyResourcesOf(desired),
    };
  }

  async apply(target: DeployTarget, unit: DeployUnit, options: ApplyOptions): Promise<ApplyOutcome> {
    await this.engine.ping();
    checkProjectOwnership(await this.engine.projectContainers(composeProjectName(target)), target);
    const desired = await this.desired(target, unit);
    return composeApply(this.engine, this.cli, composeProjectName(target), desired, unit.secrets, options);
  }

  async observe(target: DeployTarget): Promise<WorkloadUnit[]> {
    const containers = await this.engine.projectContainers(composeProjectName(target));
    return containers.map((c) => ({
      name: c.name,
      ready: c.running && c.health !== 'unhealthy',
      restarts: c.restartCount,
      status: c.health ? `${c.status} (${c.health})` : c.status,
    }));
  }

  async diagnose(target: DeployTarget, unit: DeployUnit): Promise<RuntimeDiagnosis> {
    const desired = await this.desired(target, unit).catch(() => null);
    return composeDiagnostics(this.engine, composeProjectName(target), desired, unit.secrets);
  }
}
