import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeDriver } from '../../src/adapters/runtimes/compose/compose-driver.js';
import { ADMIN_TOKEN, eventually, startTestServer, type ApiResponse, type TestServer } from '../support/test-server.js';
import { TEST_DOCKER_HOST, docker, ensureTestImages, removeProject, webCompose } from '../support/docker-fixtures.js';

const CANARY = 'canary-s3cr3t-7f3a9';

const web = (image: string, extra = '') => webCompose(image, { DB_PASSWORD: CANARY, LOG_LEVEL: 'info' }, extra);

const worker = `  worker:
    image: shipgate-test/app:1
    init: true
    stop_grace_period: 1s
`;

describe('the Compose runtime against a real Docker engine', () => {
  let srv: TestServer;
  const seen: ApiResponse[] = [];
  const projects = new Set<string>();

  async function api(method: string, path: string, body?: unknown) {
    const res = await srv.api(ADMIN_TOKEN, method, path, body);
    seen.push(res);
    return res;
  }

  async function release(application: string, compose: string) {
    projects.add(`shop-${application}`);
    const res = await api('POST', '/api/v1/releases', { application, environment: 'dev', spec: { compose } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  async function previewOf(id: string) {
    const res = await api('POST', `/api/v1/releases/${id}/preview`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.preview;
  }

  async function applyAndWait(id: string, token: string) {
    const res = await api('POST', `/api/v1/releases/${id}/apply`, { previewToken: token });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return eventually(
      async () => {
        const r = await api('GET', `/api/v1/releases/${id}`);
        return ['succeeded', 'failed', 'interrupted'].includes(r.body.state) ? r.body : null;
      },
      60_000,
      `release ${id} to finish`,
    );
  }

  async function deploy(application: string, compose: string) {
    const id = await release(application, compose);
    const p = await previewOf(id);
    return { id, preview: p, done: await applyAndWait(id, p.token) };
  }

  beforeAll(async () => {
    await ensureTestImages();
    srv = await startTestServer({
      dialect: 'sqlite',
      drivers: { compose: ComposeDriver.create({ dockerHost: TEST_DOCKER_HOST, pull: 'never' }) },
    });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
      name: 'dev',
      runtime: 'compose',
      target: { project: 'shop' },
      applyTimeoutSeconds: 20,
    });
  }, 120_000);

  afterAll(async () => {
    await srv?.close();
    for (const project of projects) await removeProject(project).catch(() => undefined);
  });

  it('previews a new project, applies it to healthy, then previews a change with a readable diff', async () => {
    const first = await release('site', web('shipgate-test/app:1') + worker);
    const p1 = await previewOf(first);
    expect(p1.summary).toEqual({ create: 2, update: 0, delete: 0, unchanged: 0 });
    expect(p1.changes.map((c: any) => [c.action, c.kind, c.name])).toEqual([
      ['create', 'Service', 'web'],
      ['create', 'Service', 'worker'],
    ]);
    expect(p1.changes[0].diff).toContain('+image: shipgate-test/app:1');
    expect(p1.changes[0].diff).toContain('DB_PASSWORD: "********"');
    const done = await applyAndWait(first, p1.token);
    expect(done.state, JSON.stringify(done.execution)).toBe('succeeded');
    const stages = (await api('GET', `/api/v1/releases/${first}/timeline`)).body.items
      .filter((e: any) => e.type === 'execution.stage_changed')
      .map((e: any) => e.data.to);
    expect(stages).toEqual(['queued', 'applying', 'waiting_for_rollout', 'verifying', 'completed']);
    const running = await docker([
      'ps',
      '--filter',
      'label=com.docker.compose.project=shop-site',
      '--format',
      '{{.Names}} {{.Status}} {{.Label "app.kubernetes.io/managed-by"}}',
    ]);
    expect(running).toMatch(/shop-site-web-1 Up .*healthy.* shipgate/);
    expect(running).toContain('shop-site-worker-1');

    const second = await release('site', web('shipgate-test/app:2') + worker);
    const p2 = await previewOf(second);
    expect(p2.summary).toEqual({ create: 0, update: 1, delete: 0, unchanged: 1 });
    const update = p2.changes.find((c: any) => c.name === 'web');
    expect(update.diff).toContain('-image: shipgate-test/app:1');
    expect(update.diff).toContain('+image: shipgate-test/app:2');
    expect(update.diff).not.toContain('(changed)');
    const third = await release('site', web('shipgate-test/app:1').replace(CANARY, 'rotated-secret-value'));
    const p3 = await previewOf(third);
    expect(p3.changes.map((c: any) => [c.action, c.name])).toEqual([
      ['update', 'web'],
      ['delete', 'worker'],
    ]);
    expect(p3.changes[0].diff).toContain('******** (changed)');
    expect(JSON.stringify(p3)).not.toContain('rotated-secret-value');
    expect(await api('GET', `/api/v1/releases/${first}/diagnostics`).then((r) => r.body.summary)).toBe('2 of 2 services healthy');
  });

  it('fails a release whose container exits non-zero, with its exit code and last log lines', async () => {
    const { id, done } = await deploy(
      'crasher',
      web('shipgate-test/app:1', `    command: ["sh", "-c", "echo starting with ${CANARY}; echo fatal: cannot connect; exit 3"]\n`),
    );
    expect(done.state).toBe('failed');
    expect(done.execution.stage).toBe('failed');
    const diag = (await api('GET', `/api/v1/releases/${id}/diagnostics`)).body;
    expect(diag.findings[0]).toMatchObject({ severity: 'error', code: 'CONTAINER_EXITED', resource: { kind: 'Service', name: 'web' } });
    expect(diag.findings[0].evidence).toContain('exitCode=3');
    const lines = diag.logs.flatMap((l: any) => l.lines);
    expect(lines).toContain('fatal: cannot connect');
    expect(lines.join('\n')).toContain('starting with ********');
  });

  it('fails a release whose container crash-loops under a restart policy', async () => {
    const loop =
      `services:\n  web:\n    image: shipgate-test/app:1\n    restart: always\n    command: ["sh", "-c", "echo crashing; ` +
      `sleep 0.3; exit 1"]\n`;
    const { id, done } = await deploy('looper', loop);
    expect(done.state).toBe('failed');
    const diag = (await api('GET', `/api/v1/releases/${id}/diagnostics`)).body;
    expect(['CRASH_LOOP', 'CONTAINER_EXITED', 'RESTARTED']).toContain(diag.findings[0].code);
    expect(diag.logs.flatMap((l: any) => l.lines)).toContain('crashing');
  });

  it('fails a release that never gets healthy', async () => {
    const { id, done } = await deploy(
      'sickly',
      web('shipgate-test/app:1').replace('test: ["CMD", "true"]', 'test: ["CMD", "sh", "-c", "echo db not ready; exit 1"]'),
    );
    expect(done.state).toBe('failed');
    const diag = (await api('GET', `/api/v1/releases/${id}/diagnostics`)).body;
    expect(diag.findings[0]).toMatchObject({ code: 'UNHEALTHY', resource: { name: 'web' } });
    expect(diag.findings[0].evidence).toContain('db not ready');
    expect(diag.resources[0]).toMatchObject({ name: 'web', ready: false });
  });

  it('fails a release whose image does not exist', async () => {
    const { id, done } = await deploy('ghost', web('shipgate-test/absent:404'));
    expect(done.state).toBe('failed');
    const diag = (await api('GET', `/api/v1/releases/${id}/diagnostics`)).body;
    // What the engine said leads; what the engine holds (no such image, no container) follows.
    expect(diag.findings[0]).toMatchObject({ code: 'IMAGE_PULL_FAILED', resource: { kind: 'Service', name: 'web' } });
    expect(diag.findings[0].evidence).toContain('No such image: shipgate-test/absent:404');
    expect(diag.findings[1]).toMatchObject({ code: 'IMAGE_NOT_FOUND', resource: { name: 'web' } });
  });

  it('rolls back to the image the earlier release ran, even after its tag moved', async () => {
    // A tag of this test's own: moving a tag other suites run (app:1) would change what they run mid-test.
    const tag = 'shipgate-test/rollback-moving:1';
    await docker(['tag', 'shipgate-test/app:1', tag]);
    const good = await deploy('shop', web(tag));
    expect(good.done.state).toBe('succeeded');
    const goodImageId = await docker(['inspect', 'shop-shop-web-1', '--format', '{{.Image}}']);
    const bad = await deploy('shop', web('shipgate-test/app:2', '    command: ["sh", "-c", "exit 7"]\n'));
    expect(bad.done.state).toBe('failed');
    // Someone pushes another image under the tag the good release used.
    await docker(['tag', 'shipgate-test/app:3', tag]);
    try {
      const rb = await api('POST', `/api/v1/releases/${bad.id}/rollback`, {});
      expect(rb.status).toBe(201);
      const p = await previewOf(rb.body.id);
      expect(p.changes.find((c: any) => c.name === 'web').action).toBe('update');
      const done = await applyAndWait(rb.body.id, p.token);
      expect(done.state, done.execution.message).toBe('succeeded');
      expect(await docker(['inspect', 'shop-shop-web-1', '--format', '{{.Image}}'])).toBe(goodImageId);
      expect((await api('GET', `/api/v1/releases/${bad.id}`)).body.state).toBe('rolled_back');
    } finally {
      await docker(['rmi', tag]).catch(() => undefined);
    }
  });

  it('refuses a preview made before a container was changed behind its back (PREVIEW_STALE)', async () => {
    const first = await deploy('drift', web('shipgate-test/app:1'));
    expect(first.done.state).toBe('succeeded');
    const next = await release('drift', web('shipgate-test/app:2'));
    const p = await previewOf(next);
    await docker(['rm', '-f', 'shop-drift-web-1']);
    await docker([
      'run',
      '-d',
      '--name',
      'shop-drift-web-1',
      '--label',
      'com.docker.compose.project=shop-drift',
      '--label',
      'com.docker.compose.service=web',
      'shipgate-test/app:3',
    ]);
    const res = await api('POST', `/api/v1/releases/${next}/apply`, { previewToken: p.token });
    expect(res.status).toBe(428);
    expect(res.body.reason).toBe('PREVIEW_STALE');
    const again = await previewOf(next);
    expect(again.changes[0].diff).toContain('not managed by Shipgate');
  });

  it('rejects an invalid Compose file with the Compose error', async () => {
    const id = await release('broken', 'services:\n  web:\n    image: x\n    ports: "not-a-list"\n    restart: sometimes\n');
    const res = await api('POST', `/api/v1/releases/${id}/preview`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.detail).toMatch(/Compose file is invalid/);
  });

  it('refuses Compose features that would read files of the Shipgate server', async () => {
    for (const [compose, message] of [
      ['services:\n  web:\n    image: x\n    env_file: /etc/passwd\n', /env_file/],
      ['services:\n  web:\n    build: .\n', /build/],
      ['include:\n  - /etc/compose.yaml\nservices:\n  web:\n    image: x\n', /include/],
      ['services:\n  web:\n    extends:\n      file: /etc/other.yaml\n      service: base\n', /extends/],
    ] as const) {
      // Refused when drafted, before anything reaches Compose.
      const res = await api('POST', '/api/v1/releases', { application: 'sneaky', environment: 'dev', spec: { compose } });
      expect(res.status, compose).toBe(400);
      expect(res.body.detail).toMatch(message);
      expect(JSON.stringify(res.body)).not.toContain('root:x:0:0');
    }
  });

  it('never shows the secret canary in any response or log', () => {
    expect(seen.length).toBeGreaterThan(20);
    for (const res of seen) expect(JSON.stringify(res.body)).not.toContain(CANARY);
    expect(srv.logs.join('\n')).not.toContain(CANARY);
  });
});
