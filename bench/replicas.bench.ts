// 1,000 releases applied through two Shipgate replicas (compiled, each a process of its own) sharing one PostgreSQL,
// to the Kubernetes API-server simulator (in this process, as the cluster is outside the replicas). Every release is
// drafted and previewed first; what is timed is from the first apply request to the last release ended: the
// replicas' executors claiming, applying, watching the rollout and recording the outcome. Double executions are
// counted from the simulator's own log (real, not dry-run, PATCHes of each Deployment).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresDatabase } from '../test/support/dialects.js';
import { KubeApiSimulator } from '../test/support/kube-sim/kube-api-simulator.js';
import { deploymentApplies, deploymentYaml as deployment, kubeconfigFile, pool } from '../test/support/kube-sim/fleet.js';
import { freePort, startMain, stopMain, type MainProcess } from '../test/support/main-process.js';
import { row, type BenchOptions, type Row } from './lib/rows.js';

const ADMIN = 'sgt_bench_admin_token_0123456789abcdef';
const TARGET_PER_SECOND = 50;
/** Releases each replica applies at once (SHIPGATE_EXECUTOR_CONCURRENCY). */
const CONCURRENCY = 32;
/** Requests the pipeline side keeps in flight while drafting, previewing and applying. */
const IN_FLIGHT = 16;

interface Replica {
  url: string;
  main: MainProcess;
}

async function api(replica: Replica, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${replica.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function expectStatus(reply: Promise<{ status: number; body: any }>, status: number): Promise<any> {
  const r = await reply;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function replicasRows(options: BenchOptions): Promise<Row[]> {
  const releases = options.smoke ? 20 : Number(process.env['BENCH_RELEASES'] ?? 1_000);
  const sim = new KubeApiSimulator({ tickMs: 100 });
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-bench-replicas-'));
  const database = await createPostgresDatabase('sg_bench_replicas');
  const replicas: Replica[] = [];
  try {
    await sim.start();
    sim.addNamespace('shop-a');
    sim.addNamespace('shop-b');
    const kubeconfig = kubeconfigFile(dir, sim);
    const auditKey = randomBytes(32).toString('hex');
    const start = async (name: string): Promise<Replica> => {
      const port = await freePort();
      const main = await startMain(
        {
          PORT: String(port),
          HOST: '127.0.0.1',
          SHIPGATE_DATABASE_URL: database.url,
          SHIPGATE_DATA_DIR: join(dir, name),
          SHIPGATE_AUDIT_KEY: auditKey,
          SHIPGATE_ADMIN_TOKEN: ADMIN,
          SHIPGATE_INSTANCE_ID: name,
          SHIPGATE_RUNTIMES: 'kubernetes',
          SHIPGATE_KUBECONFIG: kubeconfig,
          SHIPGATE_EXECUTOR_CONCURRENCY: String(CONCURRENCY),
          SHIPGATE_RATE_LIMIT_PER_MINUTE: '0',
          LOG_LEVEL: 'warn',
        },
        // BENCH_CPU_PROF=<dir>: each replica writes a V8 CPU profile there as it stops.
        process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : [],
      );
      const replica = { url: `http://127.0.0.1:${port}`, main };
      replicas.push(replica);
      return replica;
    };
    const [a, b] = await Promise.all([start('replica-a'), start('replica-b')]);
    for (const [env, namespace] of [
      ['prod-a', 'shop-a'],
      ['prod-b', 'shop-b'],
    ] as const) {
      await expectStatus(api(a, 'POST', '/api/v1/environments', { name: env, runtime: 'kubernetes', target: { namespace } }), 201);
    }
    // Drafted and previewed beforehand, half on each replica (a pipeline does not pick its replica).
    const prepared: Array<{ id: string; token: string; via: Replica }> = new Array(releases);
    await pool(
      Array.from({ length: releases }, (_, i) => i),
      IN_FLIGHT,
      async (i) => {
        const via = i % 2 === 0 ? a : b;
        const spec = { manifests: deployment(`svc-${i}`, `registry.example/svc:1.${i}`) };
        const created = await expectStatus(
          api(via, 'POST', '/api/v1/releases', { application: `svc-${i}`, environment: i % 4 < 2 ? 'prod-a' : 'prod-b', spec }),
          201,
        );
        const preview = await expectStatus(api(via, 'POST', `/api/v1/releases/${created.id}/preview`), 201);
        prepared[i] = { id: created.id as string, token: preview.preview.token as string, via };
      },
    );

    const started = performance.now();
    await pool(prepared, IN_FLIGHT, async ({ id, token, via }) => {
      await expectStatus(api(via, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: token }), 202);
    });
    const deadline = started + 600_000;
    while ((await api(a, 'GET', '/api/v1/releases?state=applying&limit=1')).body.items.length > 0) {
      if (performance.now() > deadline) throw new Error('releases still applying after 10 minutes');
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;

    let succeeded = 0;
    for (const state of ['succeeded'] as const) {
      let cursor: string | null = null;
      do {
        const page: any = (await api(a, 'GET', `/api/v1/releases?state=${state}&limit=200${cursor ? `&cursor=${cursor}` : ''}`)).body;
        succeeded += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
    }
    const applies = deploymentApplies(sim, /^shop-[ab]$/);
    const doubles = [...applies.values()].filter((n) => n > 1).length;
    const never = releases - applies.size;
    const perSecond = releases / seconds;
    const result = row(
      'replicas-throughput',
      `${releases.toLocaleString('en')} releases through 2 replicas (PostgreSQL, Kubernetes simulator)`,
      perSecond,
      'releases/s',
      { op: '>=', value: TARGET_PER_SECOND },
      `${seconds.toFixed(1)} s from the first apply to the last outcome; ${succeeded} succeeded, ${doubles} applied twice, ` +
        `${never} never applied; ${CONCURRENCY} at once per replica`,
    );
    // Exactly once is part of the target: a double or a lost apply fails the row whatever the speed.
    if (doubles > 0 || never > 0 || succeeded !== releases) result.pass = false;
    return [result];
  } finally {
    await Promise.all(replicas.map((r) => stopMain(r.main)));
    await database.drop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
