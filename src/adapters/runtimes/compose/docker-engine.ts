import http from 'node:http';
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

/** The few engine operations the Compose driver needs. */
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

/** Where the engine listens: a Unix socket, or a TCP address (`tcp://host:port`, plain HTTP). */
type Endpoint = { socketPath: string } | { host: string; port: number };

/** Parses `DOCKER_HOST` (`unix:///path` or `tcp://host:port`). */
function endpointOf(host: string): Endpoint {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375) };
}

/** An engine answer other than 2xx: its status, and the engine's message. */
class EngineHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An image reference as the Compose model names it (`registry:5000/team/web:1.2@sha256:…`): only these characters, so
 * it is one path segment group of the engine's API and never a path of its own (no `..`, `?`, `#` or `%`).
 */
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;
/** A container id as the engine lists it. */
const CONTAINER_ID = /^[a-f0-9]{12,64}$/;

/**
 * The Docker Engine API over HTTP (a Unix socket or TCP), for the few reads the driver makes.
 * @example const engine = createDockerEngine('unix:///var/run/docker.sock')
 */
export function createDockerEngine(host: string, timeoutMs = 10_000): DockerEngine {
  const endpoint = endpointOf(host);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const get = (path: string): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const request = http.get({ ...endpoint, path, agent, timeout: timeoutMs, headers: { host: 'docker' } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(body);
          let message = body.toString('utf8').trim();
          try {
            message = (JSON.parse(message) as { message?: string }).message ?? message;
          } catch {
            // not JSON: the text as it is
          }
          reject(new EngineHttpError(status, `(HTTP code ${status}) ${message}`));
        });
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      request.on('error', reject);
    });
  const json = async <T>(path: string): Promise<T> => JSON.parse((await get(path)).toString('utf8')) as T;
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      return engineError(error, host);
    }
  };
  const container = (id: string): string => {
    if (!CONTAINER_ID.test(id)) throw new ShipgateError('VALIDATION_FAILED', 'not a container id the engine lists');
    return `/containers/${id}`;
  };
  return {
    ping: () => guard(async () => void (await get('/_ping'))),
    projectContainers: (project) =>
      guard(async () => {
        const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));
        const list = await json<Array<{ Id: string }>>(`/containers/json?all=1&filters=${filters}`);
        const states = await Promise.all(list.map((c) => json<ContainerInspectInfo>(`${container(c.Id)}/json`)));
        return states.map(toState).sort((a, b) => a.name.localeCompare(b.name));
      }),
    image: (ref) =>
      guard(async () => {
        if (!IMAGE_REF.test(ref) || ref.split('/').includes('..')) return null;
        try {
          const info = await json<{ Id: string; RepoDigests?: string[] | null }>(`/images/${ref}/json`);
          return { id: info.Id, repoDigests: info.RepoDigests ?? [] };
        } catch (error) {
          if (error instanceof EngineHttpError && error.statusCode === 404) return null;
          throw error;
        }
      }),
    logs: (containerId, tail) =>
      guard(async () => {
        const path = container(containerId);
        const info = await json<ContainerInspectInfo>(`${path}/json`);
        const raw = await get(`${path}/logs?stdout=1&stderr=1&follow=0&timestamps=0&tail=${Math.max(0, Math.floor(tail))}`);
        const text = info.Config.Tty ? raw.toString('utf8') : demux(raw);
        return text
          .split('\n')
          .filter((l) => l.length > 0)
          .slice(-tail);
      }),
  };
}

/** What the driver reads of a container's inspection (`GET /containers/{id}/json`). */
interface ContainerInspectInfo {
  Id: string;
  Name: string;
  Image: string;
  RestartCount: number;
  Config: {
    Image: string;
    Labels: Record<string, string> | null;
    Tty?: boolean;
    Healthcheck?: { Test?: string[] | null } | null;
  };
  State: {
    Status: string;
    Running: boolean;
    ExitCode: number;
    OOMKilled: boolean;
    Error?: string;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Status: string; Log?: Array<{ Output: string; ExitCode: number }> | null };
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

function toState(info: ContainerInspectInfo): ContainerState {
  const labels = info.Config.Labels ?? {};
  const health = info.State.Health;
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
