// GET /api/v1/releases/:id (authentication, permission, store reads, serialization) by a viewer token, beside a bare
// Fastify route answering a small JSON object: each server and the load generator in a process of its own, both
// warmed, runs alternated, medians compared.
import { fileURLToPath } from 'node:url';
import { load, median, spread, startProcess, stopProcess, type LoadResult } from './lib/measure.js';
import { row, type BenchOptions, type Row } from './lib/rows.js';
import { startShipgate, type Store } from './lib/shipgate-process.js';

const BARE = fileURLToPath(new URL('./lib/bare-server.ts', import.meta.url));
const TARGET: Record<Store, number> = { sqlite: 0.6, postgres: 0.45 };
const CONNECTIONS = 10;

export async function releaseReadRows(store: Store, options: BenchOptions): Promise<Row[]> {
  const seconds = options.smoke ? 1 : 5;
  const runs = options.smoke ? 1 : 5;
  const bare = await startProcess(process.execPath, ['--import', 'tsx', BARE], {}, /listening (\d+)/);
  const shipgate = await startShipgate(store);
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
    // Warm both (JIT, connection pools, caches) before anything counts.
    await load(bareUrl, options.smoke ? 1 : 3, CONNECTIONS);
    await load(shipgateUrl, options.smoke ? 1 : 3, CONNECTIONS, auth);
    const bares: LoadResult[] = [];
    const ours: LoadResult[] = [];
    for (let i = 0; i < runs; i++) {
      bares.push(await load(bareUrl, seconds, CONNECTIONS));
      ours.push(await load(shipgateUrl, seconds, CONNECTIONS, auth));
    }
    const failed = ours.reduce((n, r) => n + r.errors + r.non2xx, 0);
    if (failed > 0) throw new Error(`${failed} failed requests to ${shipgateUrl}`);
    const ratio = median(ours.map((r) => r.rps)) / median(bares.map((r) => r.rps));
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
        `Shipgate ${describe(ours)}; bare ${describe(bares)}; median of ${runs} × ${seconds} s, ${CONNECTIONS} connections`,
      ),
    ];
  } finally {
    await shipgate.close();
    await stopProcess(bare.child);
  }
}
