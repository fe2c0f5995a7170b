// Shipgate's apply of a Compose file (the compiled server in a process of its own, from the apply request to the
// release `succeeded`) beside a raw `docker compose up -d --wait` of the same file, on the same engine, runs
// alternated after one warm-up of each; medians compared.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, ensureTestImages, removeProject } from '../test/support/docker-fixtures.js';
import { median, spread } from './lib/measure.js';
import { row, type BenchOptions, type Row } from './lib/rows.js';
import { startShipgate } from './lib/shipgate-process.js';

const TARGET = 1.15;
/** Two services: one with a health check (Compose waits for it), one without (Shipgate checks it stays up). */
const FILE = `services:
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

export async function composeApplyRows(options: BenchOptions): Promise<Row[]> {
  const runs = options.smoke ? 1 : 7;
  await ensureTestImages();
  const shipgate = await startShipgate('sqlite', { SHIPGATE_COMPOSE_PULL: 'never' });
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-bench-compose-'));
  writeFileSync(join(dir, 'compose.yaml'), FILE);
  const env = await shipgate.api('POST', '/api/v1/environments', { name: 'bench', runtime: 'compose', target: { project: 'bench' } });
  if (env.status !== 201) throw new Error(JSON.stringify(env.body));
  const raw: number[] = [];
  const ours: number[] = [];
  const projects: string[] = [];
  try {
    const rawUp = async (i: number) => {
      const project = `rawbench${i}`;
      projects.push(project);
      const started = performance.now();
      await docker(['compose', '-p', project, '-f', 'compose.yaml', 'up', '-d', '--wait', '--pull', 'never'], { cwd: dir });
      return performance.now() - started;
    };
    const shipgateApply = async (i: number) => {
      const application = `app${i}`;
      projects.push(`bench-${application}`);
      const created = await shipgate.api('POST', '/api/v1/releases', { application, environment: 'bench', spec: { compose: FILE } });
      const preview = await shipgate.api('POST', `/api/v1/releases/${created.body.id}/preview`);
      if (preview.status !== 201) throw new Error(JSON.stringify(preview.body));
      const started = performance.now();
      const applied = await shipgate.api('POST', `/api/v1/releases/${created.body.id}/apply`, { previewToken: preview.body.preview.token });
      if (applied.status !== 202) throw new Error(JSON.stringify(applied.body));
      for (;;) {
        const release = (await shipgate.api('GET', `/api/v1/releases/${created.body.id}`)).body;
        if (release.state === 'succeeded') {
          const took = performance.now() - started;
          return took;
        }
        if (release.state !== 'applying') throw new Error(`release ${release.state}: ${release.execution.message}`);
        if (performance.now() - started > 60_000) throw new Error('release still applying after 60 s');
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    // Warm-up: images cached, the engine's and Shipgate's first-use costs paid.
    await rawUp(-1);
    await shipgateApply(-1);
    for (let i = 0; i < runs; i++) {
      raw.push(await rawUp(i));
      ours.push(await shipgateApply(i));
    }
  } finally {
    await Promise.all(projects.map((p) => removeProject(p)));
    rmSync(dir, { recursive: true, force: true });
    await shipgate.close();
  }
  const ratio = median(ours) / median(raw);
  const describe = (xs: number[]) => `${median(xs).toFixed(0)} ms (spread ${(spread(xs) * 100).toFixed(0)}%)`;
  return [
    row(
      'compose-apply',
      'Compose apply → succeeded vs raw `docker compose up -d --wait`',
      ratio,
      '×',
      { op: '<=', value: TARGET },
      `Shipgate ${describe(ours)}; raw ${describe(raw)}; median of ${runs} alternated runs, 2 services (one with a health check)`,
    ),
  ];
}
