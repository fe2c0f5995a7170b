// GET /api/v1/releases/:id (authentication, permission, store reads, serialization) by a viewer token, beside a bare
// Fastify route answering a small JSON object: each server and the load generator in a process of its own, both
// warmed, runs alternated, medians compared. Beside them runs the floor (bench/lib/floor-server.ts): a route that
// only authenticates from memory, reads the release's row and answers Shipgate's own body, i.e. the best ratio any
// implementation that reads the store on each request could show on this machine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, median, spread, startProcess, stopProcess, type LoadResult } from './lib/measure.js';
import { row, type BenchOptions, type Row } from './lib/rows.js';
import { startShipgate, type Store } from './lib/shipgate-process.js';

const BARE = fileURLToPath(new URL('./lib/bare-server.ts', import.meta.url));
const FLOOR = fileURLToPath(new URL('./lib/floor-server.ts', import.meta.url));
const TARGET: Record<Store, number> = { sqlite: 0.6, postgres: 0.45 };
const CONNECTIONS = 10;

export async function releaseReadRows(store: Store, options: BenchOptions): Promise<Row[]> {
  const seconds = options.smoke ? 1 : 5;
  const runs = options.smoke ? 1 : 5;
  const bare = await startProcess(process.execPath, ['--import', 'tsx', BARE], {}, /listening (\d+)/);
  const shipgate = await startShipgate(store);
  const bodyDir = mkdtempSync(join(tmpdir(), 'shipgate-bench-floor-'));
  let floor: Awaited<ReturnType<typeof startProcess>> | null = null;
  try {
    const env = await shipgate.api('POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'bench' } });
    if (env.status !== 201) throw new Error(JSON.stringify(env.body));
    const token = (
      await shipgate.api('POST', '/api/v1/tokens', { subject: 'reader', bindings: [{ role: 'viewer', environments: ['staging'] }] })
    ).body.token as string;
    const created = await shipgate.api('POST', '/api/v1/releases', {
      application: 'web',
      environment: 'staging',
      spec: { compose: 'services:\n  web:\n    image: web:1\n' },
    });
    const id = created.body.id as string;
    const preview = await shipgate.api('POST', `/api/v1/releases/${id}/preview`);
    if (preview.status !== 201) throw new Error(JSON.stringify(preview.body));
    const bareUrl = `http://127.0.0.1:${bare.match[1]}/bare/${id}`;
    const shipgateUrl = `${shipgate.url}/api/v1/releases/${id}`;
    const auth = `Bearer ${token}`;
    const detail = await shipgate.api('GET', `/api/v1/releases/${id}`, undefined, token);
    if (detail.status !== 200) throw new Error(JSON.stringify(detail.body));
    const bodyFile = join(bodyDir, 'release.json');
    writeFileSync(bodyFile, JSON.stringify(detail.body));
    floor = await startProcess(
      process.execPath,
      ['--import', 'tsx', FLOOR],
      { STORE: store, DATABASE_URL: shipgate.databaseUrl, BODY_FILE: bodyFile },
      /listening (\d+)/,
    );
    const floorUrl = `http://127.0.0.1:${floor.match[1]}/floor/${id}`;
    // Warm both (JIT, connection pools, caches) before anything counts.
    await load(bareUrl, options.smoke ? 1 : 3, CONNECTIONS);
    await load(shipgateUrl, options.smoke ? 1 : 3, CONNECTIONS, auth);
    await load(floorUrl, options.smoke ? 1 : 3, CONNECTIONS, auth);
    const bares: LoadResult[] = [];
    const ours: LoadResult[] = [];
    const floors: LoadResult[] = [];
    for (let i = 0; i < runs; i++) {
      bares.push(await load(bareUrl, seconds, CONNECTIONS));
      ours.push(await load(shipgateUrl, seconds, CONNECTIONS, auth));
      floors.push(await load(floorUrl, seconds, CONNECTIONS, auth));
    }
    const failed = ours.reduce((n, r) => n + r.errors + r.non2xx, 0);
    if (failed > 0) throw new Error(`${failed} failed requests to ${shipgateUrl}`);
    const ratio = median(ours.map((r) => r.rps)) / median(bares.map((r) => r.rps));
    const floorRatio = median(floors.map((r) => r.rps)) / median(bares.map((r) => r.rps));
    const describe = (rs: LoadResult[]) =>
      `${median(rs.map((r) => r.rps)).toFixed(0)} req/s (spread ${(spread(rs.map((r) => r.rps)) * 100).toFixed(0)}%), ` +
      `p50 ${median(rs.map((r) => r.p50))} ms, p99 ${median(rs.map((r) => r.p99))} ms`;
    return [
      row(
        `read-${store}`,
        `release detail GET vs a bare Fastify route (${store})`,
        ratio,
        '×',
        { op: '>=', value: TARGET[store] },
        `Shipgate ${describe(ours)}; bare ${describe(bares)}; floor (token from memory + one row read, same body) ` +
          `${describe(floors)} = ${floorRatio.toFixed(2)} × bare; median of ${runs} × ${seconds} s, ${CONNECTIONS} connections`,
      ),
    ];
  } finally {
    if (floor) await stopProcess(floor.child);
    await shipgate.close();
    await stopProcess(bare.child);
    rmSync(bodyDir, { recursive: true, force: true });
  }
}
