import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeDriver } from '../../src/adapters/runtimes/compose/compose-driver.js';
import { DIALECTS } from '../support/dialects.js';
import { TEST_DOCKER_HOST, docker, ensureTestImages, removeProject } from '../support/docker-fixtures.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';

// The `shipgate` CLI run as a subprocess (the package's bin) against a real server driving the real Docker engine,
// on both stores: exit codes as the contract gives them, --json parsed, and no token ever printed.

const BIN = fileURLToPath(new URL('../../bin/shipgate.mjs', import.meta.url));
const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const compose = (tag: string, extra = '') =>
  `services:\n  web:\n    image: shipgate-test/app:${tag}\n    init: true\n    stop_grace_period: 1s\n${extra}`;

describe.each(DIALECTS)('the shipgate CLI (%s)', (dialect) => {
  let srv: TestServer;
  let dir: string;
  let dana: string;
  const project = `cli${dialect === 'sqlite' ? 's' : 'p'}`;
  const dev = `${project}-dev`;
  const prod = `${project}-prod`;

  /** Runs the CLI with the given token (SHIPGATE_URL/SHIPGATE_TOKEN) and a private config folder. */
  function cli(args: string[], token: string | null = dana, env: Record<string, string> = {}, bin = BIN): Promise<Run> {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: dir,
        XDG_CONFIG_HOME: join(dir, 'config'),
        ...(token ? { SHIPGATE_URL: srv.url, SHIPGATE_TOKEN: token } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    return new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  /** Nothing the CLI wrote holds a token. */
  function expectNoToken(run: Run) {
    for (const token of [dana, ADMIN_TOKEN]) {
      expect(run.stdout).not.toContain(token);
      expect(run.stderr).not.toContain(token);
    }
  }

  beforeAll(async () => {
    await ensureTestImages();
    dir = mkdtempSync(join(tmpdir(), 'shipgate-cli-'));
    if (!existsSync(join(WEB_ROOT, 'index.html'))) execFileSync('npm', ['run', '--silent', 'build:web'], { stdio: 'inherit' });
    execFileSync('npm', ['run', '--silent', 'build:cli'], { stdio: 'inherit' });
    srv = await startTestServer({
      dialect,
      drivers: { compose: ComposeDriver.create({ dockerHost: TEST_DOCKER_HOST, pull: 'never' }) },
      webRoot: WEB_ROOT,
    });
    for (const env of [
      { name: dev, runtime: 'compose', target: { project: `${project}d` }, applyTimeoutSeconds: 30 },
      { name: prod, runtime: 'compose', target: { project: `${project}p` }, applyTimeoutSeconds: 30, approval: { required: true } },
    ]) {
      const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    dana = await srv.tokenFor('dana', 'deployer');
  }, 120_000);

  afterAll(async () => {
    await srv?.close();
    for (const p of [`${project}d-web`, `${project}p-web`]) await removeProject(p).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('deploys to an environment without approval and exits 0, printing the diff and the rollout', async () => {
    const run = await cli(['deploy', 'web', '-e', dev, '-f', file('web.yaml', compose('1')), '--description', 'first']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain('preview: 1 to create, 0 to update, 0 to delete, 0 unchanged');
    expect(run.stdout).toMatch(/\+ Service\/web \(create\)/);
    expect(run.stdout).toContain('stage');
    expect(run.stdout).toContain('succeeded');
    // Not a TTY: plain timestamped lines.
    expect(run.stdout.split('\n')[0]).toMatch(/^\d{4}-\d\d-\d\dT/);
    expectNoToken(run);
    const releases = (await srv.api(dana, 'GET', `/api/v1/releases?environment=${dev}`)).body.items;
    expect(releases[0]).toMatchObject({ state: 'succeeded', channel: 'cli', description: 'first' });
  }, 90_000);

  it('prints one JSON document with --json, starting from the last release with a new parameter', async () => {
    const run = await cli(['deploy', 'web', '-e', dev, '-f', file('web2.yaml', compose('${TAG}')), '--param', 'TAG=2', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      exitCode: 0,
      release: { state: 'succeeded', parameters: { TAG: '2' } },
      preview: { summary: { update: 1 } },
    });
    expect(doc.preview.token).toBeUndefined();
    const again = await cli(['deploy', 'web', '-e', dev, '--from-last', '--param', 'TAG=3', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).release).toMatchObject({ state: 'succeeded', parameters: { TAG: '3' } });
    expectNoToken(again);
  }, 90_000);

  it('waits for the approval another user gives, then applies and exits 0', async () => {
    const running = cli(['deploy', 'web', '-e', prod, '-f', file('prod.yaml', compose('1')), '--wait', '--timeout', '2m']);
    const pending = await eventually(async () => {
      const items = (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases?environment=${prod}&state=pending_approval`)).body.items;
      return items[0] ?? null;
    }, 60_000);
    const approver = await srv.tokenFor('ann', 'approver');
    const decision = await srv.api(approver, 'POST', `/api/v1/approvals/${pending.approval.ticketId}/decision`, { decision: 'approve' });
    expect(decision.status, JSON.stringify(decision.body)).toBe(200);
    const run = await running;
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain(`waiting for 1 approval(s) by an approver of ${prod}`);
    expect(run.stdout).toContain(`/releases/${pending.id}`);
    expect(run.stdout).toContain('approved');
    expect((await srv.api(dana, 'GET', `/api/v1/releases/${pending.id}`)).body.state).toBe('succeeded');
  }, 120_000);

  it('ends with 4 when nobody approves in time, and leaves the release waiting', async () => {
    const run = await cli(['deploy', 'web', '-e', prod, '-f', file('prod2.yaml', compose('2')), '--wait', '--timeout', '3s']);
    expect(run.code, run.stderr + run.stdout).toBe(4);
    expect(run.stderr).toMatch(/timed out after 3s; release [0-9a-f-]{36} is left as it is \(pending_approval\)/);
    const items = (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases?environment=${prod}&state=pending_approval`)).body.items;
    expect(items.length).toBeGreaterThan(0);
  }, 60_000);

  it('ends with 1 and prints the diagnosis when the release fails', async () => {
    const failing = compose('2', '    command: ["sh", "-c", "echo fatal: missing config; exit 3"]\n');
    const run = await cli(['deploy', 'web', '-e', dev, '-f', file('bad.yaml', failing)]);
    expect(run.code, run.stderr + run.stdout).toBe(1);
    expect(run.stdout).toContain('failed');
    expect(run.stdout).toContain('diagnosis:');
    expect(run.stdout).toContain('CONTAINER_EXITED');
    expect(run.stdout).toContain('fatal: missing config');
  }, 90_000);

  it('ends with 3 and the code when a gate refuses: a missing or stale preview, a forbidden environment', async () => {
    const rel = await srv.api(dana, 'POST', '/api/v1/releases', { application: 'web', environment: dev, spec: { compose: compose('1') } });
    const missing = await cli(['apply', rel.body.id]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('PREVIEW_REQUIRED (PREVIEW_MISSING)');

    const previewed = await cli(['preview', rel.body.id, '--json']);
    expect(previewed.code, previewed.stderr).toBe(0);
    const token = JSON.parse(previewed.stdout).preview.token as string;
    await docker(['rm', '-f', `${project}d-web-web-1`]);
    const stale = await cli(['apply', rel.body.id, '--preview-token', token, '--json']);
    expect(stale.code).toBe(3);
    expect(JSON.parse(stale.stdout).error).toMatchObject({ code: 'PREVIEW_REQUIRED', exitCode: 3, problem: { reason: 'PREVIEW_STALE' } });

    const viewer = await srv.tokenFor('vic', 'deployer', [dev]);
    const forbidden = await cli(['deploy', 'web', '-e', prod, '-f', file('f.yaml', compose('1'))], viewer);
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain('FORBIDDEN');
  }, 90_000);

  it('ends with 5 when the server cannot be reached and with 2 on bad usage', async () => {
    const unreachable = await cli(['whoami'], null, { SHIPGATE_URL: 'http://127.0.0.1:9', SHIPGATE_TOKEN: 'sgt_whatever_0123456789' });
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toContain('cannot reach http://127.0.0.1:9');
    for (const args of [
      ['deploy', 'web'],
      ['deploy', 'web', '-e', dev, '--param', 'not a param'],
      ['deploy', 'web', '-e', dev],
      ['nonsense'],
    ]) {
      const run = await cli(args);
      expect(run.code, args.join(' ')).toBe(2);
    }
    const noServer = await cli(['whoami'], null);
    expect([noServer.code, noServer.stderr]).toEqual([2, expect.stringContaining('shipgate login')]);
  }, 60_000);

  it('keeps a login in a file only its owner reads, and never prints the token', async () => {
    const login = await cli(['login', '--url', srv.url, '--token', dana], null);
    expect(login.code, login.stderr).toBe(0);
    expectNoToken(login);
    const path = join(dir, 'config', 'shipgate', 'config.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ url: srv.url, token: dana });
    const whoami = await cli(['whoami', '--json'], null);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout).subject).toBe('dana');
    expectNoToken(whoami);
    const bad = await cli(['login', '--url', srv.url, '--token', 'sgt_not_a_real_token_000000'], null);
    expect(bad.code).toBe(3);
    expect(bad.stderr).not.toContain('sgt_not_a_real_token_000000');
  }, 60_000);

  it('is served by the server as one file a pipeline downloads and runs with plain Node', async () => {
    const res = await fetch(`${srv.url}/cli/shipgate.mjs`);
    expect(res.status).toBe(200);
    const bundle = join(dir, 'downloaded-shipgate.mjs');
    writeFileSync(bundle, Buffer.from(await res.arrayBuffer()));
    const run = await cli(['whoami', '--json'], dana, {}, bundle);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).subject).toBe('dana');
  }, 60_000);

  it('reads releases, timelines, approvals and the audit chain', async () => {
    const list = await cli(['releases', 'list', '-e', dev, '--json']);
    expect(list.code, list.stderr).toBe(0);
    const id = JSON.parse(list.stdout).items[0].id as string;
    for (const args of [
      ['releases', 'show', id],
      ['releases', 'timeline', id],
      ['releases', 'diagnose', id],
      ['approvals'],
      ['envs'],
      ['audit', 'verify'],
    ]) {
      const run = await cli(args, args[0] === 'audit' ? ADMIN_TOKEN : dana);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
    }
    const timeline = await cli(['releases', 'timeline', id, '--json']);
    expect(JSON.parse(timeline.stdout).items[0].type).toBe('release.created');
  }, 60_000);
});
