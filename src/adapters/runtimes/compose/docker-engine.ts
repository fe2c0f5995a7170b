import Docker from 'dockerode';
import { ShipgateError } from '../../../core/errors.js';

/** One container of a Compose project, as the engine reports it. */
export interface ContainerState {
  id: string;
  name: string;
  service: string;
  /** The image reference of the container's config (e.g. `web:1.2`). */
  image: string;
  /** The resolved image id (`sha256:…`). */
  imageId: string;
  labels: Record<string, string>;
  status: string;
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  restartCount: number;
  error: string;
  health: 'healthy' | 'unhealthy' | 'starting' | null;
  healthLog: string[];
  hasHealthcheck: boolean;
  startedAt: string | null;
  finishedAt: string | null;
}

/** The few engine operations the Compose driver needs (the smallest structural interface over dockerode). */
export interface DockerEngine {
  ping(): Promise<void>;
  projectContainers(project: string): Promise<ContainerState[]>;
  /** The id and repo digests of a local image, or null when it is not present. */
  image(ref: string): Promise<{ id: string; repoDigests: string[] } | null>;
  /** The last `tail` log lines of a container (stdout and stderr). */
  logs(containerId: string, tail: number): Promise<string[]>;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EPIPE']);

/** Maps a connection failure to `RUNTIME_UNAVAILABLE`; anything else is rethrown as is. */
export function engineError(error: unknown, host: string): never {
  const code = (error as { code?: string } | null)?.code;
  if (code && UNREACHABLE.has(code)) {
    throw new ShipgateError('RUNTIME_UNAVAILABLE', `the Docker engine at ${host} cannot be reached (${code})`, { runtime: 'compose' });
  }
  const statusCode = (error as { statusCode?: number } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 500) {
    throw new ShipgateError('RUNTIME_UNAVAILABLE', `the Docker engine at ${host} failed (${statusCode}): ${(error as Error).message}`, {
      runtime: 'compose',
    });
  }
  throw error;
}

/** Parses `DOCKER_HOST` into dockerode options. */
function connection(host: string): Docker.DockerOptions {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
}

/**
 * The Docker Engine API through dockerode.
 * @example const engine = createDockerEngine('unix:///var/run/docker.sock')
 */
export function createDockerEngine(host: string, timeoutMs = 10_000): DockerEngine {
  const docker = new Docker({ ...connection(host), timeout: timeoutMs });
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      return engineError(error, host);
    }
  };
  return {
    ping: () => guard(async () => void (await docker.ping())),
    projectContainers: (project) =>
      guard(async () => {
        const list = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
        const states = await Promise.all(list.map((c) => docker.getContainer(c.Id).inspect()));
        return states.map(toState).sort((a, b) => a.name.localeCompare(b.name));
      }),
    image: (ref) =>
      guard(async () => {
        try {
          const info = await docker.getImage(ref).inspect();
          return { id: info.Id, repoDigests: info.RepoDigests ?? [] };
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode === 404) return null;
          throw error;
        }
      }),
    logs: (containerId, tail) =>
      guard(async () => {
        const container = docker.getContainer(containerId);
        const info = await container.inspect();
        const raw = await container.logs({ stdout: true, stderr: true, tail, follow: false, timestamps: false });
        const text = info.Config.Tty ? raw.toString('utf8') : demux(raw);
        return text
          .split('\n')
          .filter((l) => l.length > 0)
          .slice(-tail);
      }),
  };
}

/** Splits the engine's multiplexed stdout/stderr frames (8-byte header, then the payload) into plain text. */
function demux(raw: Buffer): string {
  const chunks: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4);
    chunks.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function toState(info: Docker.ContainerInspectInfo): ContainerState {
  const labels = info.Config.Labels ?? {};
  const health = (info.State as { Health?: { Status: string; Log?: Array<{ Output: string; ExitCode: number }> } }).Health;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    service: labels['com.docker.compose.service'] ?? info.Name,
    image: info.Config.Image,
    imageId: info.Image,
    labels,
    status: info.State.Status,
    running: info.State.Running,
    exitCode: info.State.ExitCode,
    oomKilled: info.State.OOMKilled,
    restartCount: info.RestartCount,
    error: info.State.Error ?? '',
    health: health ? (health.Status as ContainerState['health']) : null,
    healthLog: (health?.Log ?? []).slice(-5).map((l) => `exit ${l.ExitCode}: ${l.Output.trim()}`),
    hasHealthcheck: Boolean(info.Config.Healthcheck?.Test && info.Config.Healthcheck.Test[0] !== 'NONE'),
    startedAt: info.State.StartedAt && !info.State.StartedAt.startsWith('0001') ? info.State.StartedAt : null,
    finishedAt: info.State.FinishedAt && !info.State.FinishedAt.startsWith('0001') ? info.State.FinishedAt : null,
  };
}
