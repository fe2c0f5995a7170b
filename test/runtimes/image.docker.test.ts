import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, ensureTestImages, TEST_DOCKER_HOST } from '../support/docker-fixtures.js';
import { ensureDockerCliImage, ensureNodeBaseImage } from '../support/local-images.js';
import { freePort } from '../support/test-oidc-provider.js';
import { eventually } from '../support/test-server.js';

// Shipgate's own image, built by the Dockerfile on the real engine from base images made of this machine's Node and
// docker CLI (no registry is reachable here), run as a container that deploys a Compose release on the same engine.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TAG = 'shipgate-test/shipgate:image-test';
const NAME = `shipgate-image-test-${process.pid}`;
const TOKEN = 'sgt_image-test-admin-token-0123456789';
const PROJECT = 'sgimage';

// Building the image takes a minute with the engine's build cache, minutes without: a local loop may skip it with
// SHIPGATE_IMAGE_TEST=0; CI always runs it.
const SKIP = process.env['SHIPGATE_IMAGE_TEST'] === '0' && process.env['CI'] !== 'true';

describe.skipIf(SKIP)('the container image', () => {
  let base = '';

  async function api(method: string, path: string, body?: unknown) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  }

  const removeProject = async () => {
    const ids = await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}-hello`]);
    if (ids) await docker(['rm', '-f', ...ids.split('\n')]);
  };

  beforeAll(async () => {
    await ensureTestImages();
    const node = ensureNodeBaseImage(TEST_DOCKER_HOST);
    const cli = ensureDockerCliImage(TEST_DOCKER_HOST);
    // What earlier builds left behind, untagged once this one takes the tag (its layers shared with it stay).
    const leftovers = (await docker(['images', '-q', '--filter', 'dangling=true'])).split('\n').filter(Boolean);
    // The engine here has no bridge network: the build reaches the npm registry through the host's network.
    await docker(
      ['build', '--network', 'host', '--build-arg', `NODE_IMAGE=${node}`, '--build-arg', `DOCKER_CLI_IMAGE=${cli}`, '-t', TAG, '.'],
      { cwd: ROOT },
    );
    for (const id of leftovers) await docker(['rmi', id]).catch(() => undefined);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const socket = TEST_DOCKER_HOST.replace(/^unix:\/\//, '');
    await docker([
      'run',
      '-d',
      '--name',
      NAME,
      '--network',
      'host',
      '-e',
      `PORT=${port}`,
      '-e',
      'HOST=127.0.0.1',
      '-e',
      `SHIPGATE_ADMIN_TOKEN=${TOKEN}`,
      '-e',
      'DOCKER_HOST=unix:///var/run/docker.sock',
      '-v',
      `${socket}:/var/run/docker.sock`,
      // The unprivileged user reaches the engine through the socket's group, as an operator would grant it.
      '--group-add',
      String(statSync(socket).gid),
      TAG,
    ]);
  }, 900_000);

  afterAll(async () => {
    await docker(['rm', '-f', NAME]).catch(() => undefined);
    await removeProject().catch(() => undefined);
    // The image stays, tagged: the next build reuses its layers and the build stage's (npm ci) from the cache.
  });

  it('holds production dependencies only, runs as a non-root user with a health check on /healthz', async () => {
    const config = JSON.parse(await docker(['image', 'inspect', TAG, '--format', '{{json .Config}}']));
    expect(config.User).toBe('10001:10001');
    expect(config.Cmd).toEqual(['node', '--enable-source-maps', '--max-semi-space-size=4', 'dist/main.js']);
    expect(config.Healthcheck.Test.join(' ')).toContain('/healthz');
    expect(config.ExposedPorts).toHaveProperty('8080/tcp');
    const probe = [
      'const r = (m) => { try { require.resolve(m); return true; } catch { return false; } };',
      "const dev = ['vitest', 'tsx', 'typescript', 'vite'].filter(r);",
      "console.log(JSON.stringify({ uid: process.getuid(), fastify: r('fastify'), sqlite: r('better-sqlite3'), dev }));",
    ].join(' ');
    const inside = JSON.parse(await docker(['run', '--rm', '--network', 'none', TAG, 'node', '-e', probe]));
    expect(inside).toEqual({ uid: 10001, fastify: true, sqlite: true, dev: [] });
  });

  it('becomes healthy and deploys a Compose release on the engine it is given', async () => {
    await eventually(
      async () => (await docker(['inspect', NAME, '--format', '{{.State.Health.Status}}'])) === 'healthy' || null,
      90_000,
      'the container to be healthy',
    );
    expect((await api('GET', '/api/v1/me')).body).toMatchObject({ subject: 'admin' });
    const env = await api('POST', '/api/v1/environments', { name: 'image', runtime: 'compose', target: { project: PROJECT } });
    expect(env.status, JSON.stringify(env.body)).toBe(201);
    const compose = 'services:\n  web:\n    image: shipgate-test/app:1\n    command: ["sh", "-c", "echo hello; sleep 3600"]\n';
    const created = await api('POST', '/api/v1/releases', { application: 'hello', environment: 'image', spec: { compose } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const preview = await api('POST', `/api/v1/releases/${id}/preview`);
    expect(preview.status, JSON.stringify(preview.body)).toBe(201);
    expect(preview.body.preview.summary.create).toBe(1);
    const applied = await api('POST', `/api/v1/releases/${id}/apply`, { previewToken: preview.body.preview.token });
    expect(applied.status, JSON.stringify(applied.body)).toBe(202);
    const done = await eventually(
      async () => {
        const r = await api('GET', `/api/v1/releases/${id}`);
        return ['succeeded', 'failed', 'interrupted'].includes(r.body.state) ? r.body : null;
      },
      90_000,
      'the release to finish',
    );
    expect(done.state, JSON.stringify(done.execution)).toBe('succeeded');
    const running = await docker(['ps', '--filter', `label=com.docker.compose.project=${PROJECT}-hello`, '--format', '{{.Image}}']);
    expect(running).toBe('shipgate-test/app:1');
  }, 180_000);
});
