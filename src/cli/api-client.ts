import { CliError, EXIT, exitCodeForStatus } from './exit-codes.js';

/** Where the server is and who the CLI acts as. */
export interface Connection {
  url: string;
  token: string;
}

/** A problem body (RFC 9457) as the server writes it. */
interface Problem {
  code?: string;
  detail?: string;
  title?: string;
  reason?: string;
  [key: string]: unknown;
}

/**
 * The Shipgate API over HTTP: JSON in and out, problems turned into {@link CliError}s carrying the exit code the
 * contract gives them. The token goes in the Authorization header and nowhere else.
 */
export class ApiClient {
  readonly base: string;

  constructor(private readonly connection: Connection) {
    this.base = connection.url.replace(/\/+$/, '');
  }

  /** The web page of a release. */
  releaseLink(id: string): string {
    return `${this.base}/releases/${id}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.connection.token}`, 'x-shipgate-channel': 'cli', ...extra };
  }

  /** Sends a request; resolves with the response once it is 2xx, throws a {@link CliError} otherwise. */
  async raw(method: string, path: string, body?: unknown, init: { signal?: AbortSignal; headers?: Record<string, string> } = {}) {
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers: this.headers(body === undefined ? init.headers : { 'content-type': 'application/json', ...init.headers }),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: init.signal,
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach ${this.base}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, EXIT.unreachable);
    }
    if (response.ok) return response;
    const text = await response.text();
    let problem: Problem = {};
    try {
      problem = JSON.parse(text) as Problem;
    } catch {
      problem = { detail: text.slice(0, 200) };
    }
    const code = typeof problem.code === 'string' ? problem.code : null;
    const reason = typeof problem.reason === 'string' ? ` (${problem.reason})` : '';
    const detail = problem.detail ?? problem.title ?? `HTTP ${response.status}`;
    throw new CliError(`${code ?? `HTTP ${response.status}`}${reason}: ${detail}`, exitCodeForStatus(response.status, code), code, problem);
  }

  async get<T>(path: string): Promise<T> {
    return (await (await this.raw('GET', path)).json()) as T;
  }

  async post<T>(path: string, body: unknown = {}): Promise<T> {
    return (await (await this.raw('POST', path, body)).json()) as T;
  }
}
