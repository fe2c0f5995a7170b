import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeCliText, fromComposeCli, type ComposeDocument } from '../../../core/compose/compose-spec.js';
import { ShipgateError } from '../../../core/errors.js';
import { redactText } from '../../../core/secrets/secret-masking.js';
import type { ComposeModel } from './compose-model.js';

export interface ComposeCliOptions {
  /** `DOCKER_HOST` for the CLI (the same engine the driver inspects). */
  dockerHost: string;
  /** The docker CLI binary (with the Compose v2 plugin). */
  dockerBinary?: string;
  /** `DOCKER_CONFIG`, where the CLI finds its plugins. */
  dockerConfig?: string;
  /** When `up` pulls images: `missing` (default), `always` or `never`. */
  pull?: 'missing' | 'always' | 'never';
  /** Where scratch directories go (default `<tmpdir>/shipgate-compose`). */
  scratchRoot?: string;
}

/** True while a process of that id runs (on this host). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the scratch directories that processes which are gone left behind (a crash skips the cleanup after a
 * command): each directory is named after the process that made it, so a live process's directory is never touched.
 * Returns how many it removed.
 */
export function sweepScratch(root: string): number {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  // The rendered files hold secrets: the root must be this user's own private directory, not a link or a shared one.
  const stat = lstatSync(root);
  if (!stat.isDirectory() || stat.isSymbolicLink() || (process.getuid && stat.uid !== process.getuid()) || (stat.mode & 0o077) !== 0) {
    throw new Error(`the Compose scratch directory ${root} must be a private directory (mode 0700) owned by this user`);
  }
  let removed = 0;
  for (const name of readdirSync(root)) {
    const pid = Number.parseInt(name.split('-')[0] ?? '', 10);
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}

/** How many normalized Compose files the CLI remembers (they hold the rendered file's secrets, in memory only). */
const NORMALIZED_CACHE_SIZE = 64;

export interface CommandResult {
  code: number;
  output: string[];
}

/**
 * The real `docker compose` v2 CLI, run in a scratch directory with a minimal environment so that nothing of the
 * server's own environment (or a stray `.env`) is interpolated into a release.
 */
export class ComposeCli {
  /** Normalized models (as JSON) by the hash of the project and file they came from, oldest first. */
  private readonly normalized = new Map<string, string>();
  private readonly binary: string;
  private readonly scratchRoot: string;

  constructor(private readonly options: ComposeCliOptions) {
    this.binary = options.dockerBinary ?? 'docker';
    this.scratchRoot = options.scratchRoot ?? join(tmpdir(), 'shipgate-compose');
    sweepScratch(this.scratchRoot);
  }

  private env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env['HOME'] ?? '/tmp',
      DOCKER_HOST: this.options.dockerHost,
      ...((this.options.dockerConfig ?? process.env['DOCKER_CONFIG'])
        ? { DOCKER_CONFIG: this.options.dockerConfig ?? process.env['DOCKER_CONFIG'] }
        : {}),
      COMPOSE_ANSI: 'never',
    };
  }

  /** Runs `docker <args>` in `cwd`, streaming each output line to `onLine`. */
  run(args: string[], cwd: string, options: { onLine?: (line: string) => void; signal?: AbortSignal } = {}): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, args, { cwd, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
      const output: string[] = [];
      const onData = (buffer: { rest: string }) => (chunk: Buffer) => {
        const text = buffer.rest + chunk.toString('utf8');
        const lines = text.split('\n');
        buffer.rest = lines.pop() ?? '';
        for (const line of lines) {
          output.push(line);
          options.onLine?.(line);
        }
      };
      const out = { rest: '' };
      const err = { rest: '' };
      child.stdout.on('data', onData(out));
      child.stderr.on('data', onData(err));
      const abort = () => child.kill('SIGTERM');
      options.signal?.addEventListener('abort', abort, { once: true });
      child.once('error', (error: NodeJS.ErrnoException) => {
        options.signal?.removeEventListener('abort', abort);
        if (error.code === 'ENOENT')
          reject(new ShipgateError('RUNTIME_UNAVAILABLE', `the docker CLI "${this.binary}" is not installed`, { runtime: 'compose' }));
        else reject(error);
      });
      child.once('close', (code) => {
        options.signal?.removeEventListener('abort', abort);
        for (const rest of [out.rest, err.rest]) if (rest) output.push(rest);
        resolve({ code: code ?? 1, output });
      });
    });
  }

  /** Runs `work` with a scratch directory holding `compose.yaml`, removed when the command ends. */
  private async withFile<T>(text: string, work: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(this.scratchRoot, `${process.pid}-`));
    try {
      await writeFile(join(dir, 'compose.yaml'), text, { mode: 0o600 });
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Normalizes a Compose file with `docker compose config`; an invalid file is `VALIDATION_FAILED` with Compose's
   * own message (secrets masked).
   */
  async config(project: string, doc: ComposeDocument, secrets: readonly string[]): Promise<ComposeModel> {
    const text = composeCliText(doc);
    // The same file gives the same model (the CLI runs with a fixed, minimal environment): an apply reuses what its
    // preview normalized instead of running the CLI again. Each caller gets its own copy to change.
    const key = createHash('sha256').update(project).update('\0').update(text).digest('hex');
    const known = this.normalized.get(key);
    if (known !== undefined) return JSON.parse(known) as ComposeModel;
    const model = await this.normalize(project, text, secrets);
    if (this.normalized.size >= NORMALIZED_CACHE_SIZE) this.normalized.delete(this.normalized.keys().next().value!);
    this.normalized.set(key, JSON.stringify(model));
    return model;
  }

  private normalize(project: string, text: string, secrets: readonly string[]): Promise<ComposeModel> {
    return this.withFile(text, async (dir) => {
      const result = await this.run(['compose', '-p', project, '-f', 'compose.yaml', 'config', '--format', 'json'], dir);
      if (result.code !== 0) {
        const message = redactText(
          result.output
            .filter((l) => l.trim() && !l.startsWith('{'))
            .join('\n')
            .trim() || 'docker compose config failed',
          secrets,
        );
        throw new ShipgateError('VALIDATION_FAILED', `the Compose file is invalid: ${message}`, {
          errors: [{ path: '/spec/compose', message }],
        });
      }
      const json = result.output.join('\n');
      return fromComposeCli(JSON.parse(json.slice(json.indexOf('{'))) as ComposeModel);
    });
  }

  /** `docker compose up -d --wait --remove-orphans` of a normalized model, within `waitTimeoutSeconds`. */
  async up(
    project: string,
    model: ComposeModel,
    options: { waitTimeoutSeconds: number; onLine?: (line: string) => void; signal?: AbortSignal },
  ): Promise<CommandResult> {
    return this.withFile(composeCliText(model), (dir) =>
      this.run(
        [
          'compose',
          '--progress',
          'plain',
          '-p',
          project,
          '-f',
          'compose.yaml',
          'up',
          '-d',
          '--wait',
          '--wait-timeout',
          String(options.waitTimeoutSeconds),
          '--remove-orphans',
          '--pull',
          this.options.pull ?? 'missing',
        ],
        dir,
        { onLine: options.onLine, signal: options.signal },
      ),
    );
  }
}
