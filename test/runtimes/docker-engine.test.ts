import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerEngine } from '../../src/adapters/runtimes/compose/docker-engine.js';

// The Engine API client at its boundary: a fake engine on a Unix socket records every path it is asked for, so the
// test sees what reaches the engine (the real engine is driven by the Compose suites).
describe('Docker Engine API client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-engine-'));
  const socket = join(dir, 'docker.sock');
  const asked: string[] = [];
  let server: http.Server;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      asked.push(req.url ?? '');
      const url = req.url ?? '';
      if (url === '/_ping') return void res.end('OK');
      if (url.startsWith('/images/web:1/json')) return void res.end(JSON.stringify({ Id: 'sha256:abc', RepoDigests: null }));
      if (url.startsWith('/images/')) {
        res.statusCode = 404;
        return void res.end(JSON.stringify({ message: 'No such image' }));
      }
      if (url.startsWith('/containers/json')) {
        res.statusCode = 500;
        return void res.end(JSON.stringify({ message: 'engine exploded' }));
      }
      res.statusCode = 400;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads an image, and says null for one the engine does not have', async () => {
    const engine = createDockerEngine(`unix://${socket}`);
    await engine.ping();
    expect(await engine.image('web:1')).toEqual({ id: 'sha256:abc', repoDigests: [] });
    expect(await engine.image('registry.local:5000/team/api:2@sha256:' + 'a'.repeat(64))).toBeNull();
  });

  it('never turns an image reference into another path of the API', async () => {
    const engine = createDockerEngine(`unix://${socket}`);
    asked.length = 0;
    for (const ref of [
      '../containers/json',
      'web/../../containers/json',
      'web:1?all=1',
      'web:1#x',
      'web%2f..%2fcontainers',
      'web 1',
      '/etc/passwd',
      '',
      'web:1\n',
      'wéb:1',
    ]) {
      expect(await engine.image(ref), ref).toBeNull();
    }
    expect(asked).toEqual([]);
  });

  it('refuses a container id that is not one the engine lists, before asking', async () => {
    const engine = createDockerEngine(`unix://${socket}`);
    asked.length = 0;
    for (const id of ['../../_ping', 'abc', 'ABCDEF123456', `${'a'.repeat(12)}/logs`, `${'a'.repeat(12)}?x`]) {
      await expect(engine.logs(id, 10), id).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(asked).toEqual([]);
  });

  it('reports an engine that fails or cannot be reached as RUNTIME_UNAVAILABLE', async () => {
    await expect(createDockerEngine(`unix://${socket}`).projectContainers('p')).rejects.toMatchObject({
      code: 'RUNTIME_UNAVAILABLE',
      message: expect.stringContaining('engine exploded'),
    });
    await expect(createDockerEngine(`unix://${join(dir, 'absent.sock')}`).ping()).rejects.toMatchObject({ code: 'RUNTIME_UNAVAILABLE' });
    await expect(createDockerEngine('tcp://127.0.0.1:1').ping()).rejects.toMatchObject({ code: 'RUNTIME_UNAVAILABLE' });
  });
});
