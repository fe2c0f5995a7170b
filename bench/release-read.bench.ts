// Throughput of GET /api/v1/releases/:id (auth, permission, store reads, serialization) beside a bare Fastify
// route, in the same run on the same machine. Prints both figures and the ratio.
// Usage: npx tsx bench/release-read.bench.ts [sqlite|postgres] [seconds]
import autocannon from 'autocannon';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { ADMIN_TOKEN, startTestServer } from '../test/support/test-server.js';
import type { Dialect } from '../test/support/dialects.js';

const dialect = (process.argv[2] ?? 'sqlite') as Dialect;
const duration = Number(process.argv[3] ?? 5);

async function run(url: string, headers: Record<string, string> = {}) {
  const result = await autocannon({ url, connections: 10, duration, headers });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

const srv = await startTestServer({ dialect });
await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'p' } });
const token = await srv.tokenFor('reader', 'viewer', ['staging']);
const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
  application: 'web',
  environment: 'staging',
  spec: { compose: 'services:\n  web:\n    image: web:1\n' },
});
const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/submit`, { previewToken: p.body.preview.token });

const bare = Fastify();
bare.get('/bare/:id', async (req) => ({ id: (req.params as { id: string }).id, state: 'approved' }));
await bare.listen({ host: '127.0.0.1', port: 0 });
const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/bare/${rel.body.id}`;

const bareResult = await run(bareUrl);
const shipgateResult = await run(`${srv.url}/api/v1/releases/${rel.body.id}`, { authorization: `Bearer ${token}` });
console.log(`GET /api/v1/releases/:id on ${dialect}, ${duration}s, 10 connections`);
console.log(`  bare Fastify route : ${bareResult.rps.toFixed(0)} req/s, p50 ${bareResult.p50} ms, p99 ${bareResult.p99} ms`);
console.log(
  `  Shipgate release   : ${shipgateResult.rps.toFixed(0)} req/s, p50 ${shipgateResult.p50} ms, p99 ${shipgateResult.p99} ms, non-2xx ` +
    `${shipgateResult.non2xx}`,
);
console.log(`  ratio              : ${(shipgateResult.rps / bareResult.rps).toFixed(2)} of the bare route`);
await bare.close();
await srv.close();
