// Shipgate's apply of a Compose file beside a raw `docker compose up -d --wait` of the same file, on the same
// engine, alternating runs. Prints the median of each and their ratio.
// Usage: DOCKER_HOST=unix:///… npx tsx bench/compose-apply.bench.ts [runs]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComposeDriver } from '../src/adapters/runtimes/compose/compose-driver.js';
import { TEST_DOCKER_HOST, docker, ensureTestImages, removeProject } from '../test/support/docker-fixtures.js';
import { ADMIN_TOKEN, eventually, startTestServer } from '../test/support/test-server.js';

const runs = Number(process.argv[2] ?? 5);
const file = `services:
  web:
    image: shipgate-test/app:1
    init: true
    stop_grace_period: 1s
    healthcheck: { test: ["CMD", "true"], interval: 1s, retries: 3 }
  worker:
    image: shipgate-test/app:2
    init: true
    stop_grace_period: 1s
`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await ensureTestImages();
const srv = await startTestServer({
  dialect: 'sqlite',
  drivers: { compose: ComposeDriver.create({ dockerHost: TEST_DOCKER_HOST, pull: 'never' }) },
  pollMs: 50,
});
await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'bench', runtime: 'compose', target: { project: 'bench' } });
const dir = mkdtempSync(join(tmpdir(), 'shipgate-bench-'));
writeFileSync(join(dir, 'compose.yaml'), file);
const raw: number[] = [];
const applyOnly: number[] = [];
const fullFlow: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const rawProject = `rawbench${i}`;
    let t = performance.now();
    await docker(['compose', '-p', rawProject, '-f', 'compose.yaml', 'up', '-d', '--wait', '--pull', 'never'], { cwd: dir });
    raw.push(performance.now() - t);
    await removeProject(rawProject);

    const application = `app${i}`;
    const t0 = performance.now();
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', { application, environment: 'bench', spec: { compose: file } });
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    t = performance.now();
    await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/apply`, { previewToken: p.body.preview.token });
    const done = await eventually(async () => {
      const r = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${rel.body.id}`);
      return ['succeeded', 'failed'].includes(r.body.state) ? r.body : null;
    }, 60_000);
    if (done.state !== 'succeeded') throw new Error(`release failed: ${done.execution.message}`);
    applyOnly.push(performance.now() - t);
    fullFlow.push(performance.now() - t0);
    await removeProject(`bench-${application}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await srv.close();
}
console.log(`Compose apply of a 2-service file (one with a health check), ${runs} runs each, medians:`);
console.log(`  raw docker compose up -d --wait      : ${median(raw).toFixed(0)} ms`);
console.log(
  `  Shipgate apply → succeeded           : ${median(applyOnly).toFixed(0)} ms  (ratio ${(median(applyOnly) / median(raw)).toFixed(2)})`,
);
console.log(
  `  Shipgate draft → preview → succeeded : ${median(fullFlow).toFixed(0)} ms  (ratio ${(median(fullFlow) / median(raw)).toFixed(2)})`,
);
