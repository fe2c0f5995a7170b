import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../support/dialects.js';
import { KubeApiSimulator } from '../support/kube-sim/kube-api-simulator.js';
import { deploymentApplies, deploymentYaml as deployment, kubeconfigFile, pool } from '../support/kube-sim/fleet.js';
import { freePort, startMain, stopMain, type MainProcess } from '../support/main-process.js';
import { ADMIN_TOKEN, eventually } from '../support/test-server.js';

/** How many releases go through the two replicas, and how many a pipeline keeps in flight at once. */
const RELEASES = 500;
const IN_FLIGHT = 16;
/**
 * The replicas' execution lease: a replica killed mid-apply has its release reported once this runs out. Renewals stay
 * prompt at this load because a stage write queues for the audit chain's head before it takes its release's row.
 */
const LEASE_MS = 2_000;
/** With a change feed, the executor's safety-net poll: without the lease wake-up, a dead replica's release waits for it. */
const POLL_MS = 5_000;

interface Replica {
  name: string;
  url: string;
  process: MainProcess;
}

interface Reply {
  status: number;
  body: any;
}

async function api(replica: Replica, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${replica.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('two Shipgate processes on one PostgreSQL, deploying to Kubernetes (API-server simulator)', () => {
  const sim = new KubeApiSimulator({ tickMs: 100 });
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-replicas-'));
  const auditKey = randomBytes(32).toString('hex');
  let database: { url: string; drop: () => Promise<void> };
  let kubeconfig: string;
  const replicas: Replica[] = [];

  async function startReplica(name: string): Promise<Replica> {
    const port = await freePort();
    const process = await startMain({
      PORT: String(port),
      HOST: '127.0.0.1',
      SHIPGATE_DATABASE_URL: database.url,
      SHIPGATE_DATA_DIR: join(dir, name),
      // Every replica signs the one timeline with the same key.
      SHIPGATE_AUDIT_KEY: auditKey,
      SHIPGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      SHIPGATE_INSTANCE_ID: name,
      SHIPGATE_RUNTIMES: 'kubernetes',
      SHIPGATE_KUBECONFIG: kubeconfig,
      SHIPGATE_LEASE_MS: String(LEASE_MS),
      SHIPGATE_EXECUTOR_CONCURRENCY: '8',
      SHIPGATE_SHUTDOWN_GRACE_SECONDS: '1',
      SHIPGATE_RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'warn',
    });
    const replica = { name, url: `http://127.0.0.1:${port}`, process };
    replicas.push(replica);
    return replica;
  }

  beforeAll(async () => {
    // What `npm start` does first: build dist/ when missing or older than the sources.
    execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' });
    await sim.start();
    sim.addNamespace('shop-a');
    sim.addNamespace('shop-b');
    kubeconfig = kubeconfigFile(dir, sim);
    database = await createPostgresDatabase('sg_replicas');
    // Two replicas starting together on an empty database: one migrates, both bootstrap the same admin.
    await Promise.all([startReplica('replica-a'), startReplica('replica-b')]);
  }, 240_000);

  afterAll(async () => {
    for (const r of replicas) {
      if (r.process.child.exitCode === null && r.process.child.signalCode === null) r.process.child.kill('SIGKILL');
      await r.process.exited;
    }
    await database?.drop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function releaseOf(replica: Replica, id: string): Promise<any> {
    const r = await api(replica, 'GET', `/api/v1/releases/${id}`);
    expect(r.status).toBe(200);
    return r.body;
  }

  async function timelineOf(replica: Replica, id: string): Promise<any[]> {
    const r = await api(replica, 'GET', `/api/v1/releases/${id}/timeline?limit=500`);
    expect(r.status).toBe(200);
    return r.body.items;
  }

  /** Drafts on `drafting`, previews on `previewing`, applies on `drafting`: a pipeline does not pick its replica. */
  async function ship(drafting: Replica, previewing: Replica, application: string, environment: string, image: string) {
    const spec = { manifests: deployment(application, image) };
    const created = await api(drafting, 'POST', '/api/v1/releases', { application, environment, spec });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const preview = await api(previewing, 'POST', `/api/v1/releases/${created.body.id}/preview`);
    expect(preview.status, JSON.stringify(preview.body)).toBe(201);
    const applied = await api(drafting, 'POST', `/api/v1/releases/${created.body.id}/apply`, { previewToken: preview.body.preview.token });
    expect(applied.status, JSON.stringify(applied.body)).toBe(202);
    return created.body.id as string;
  }

  /** The replica whose executor started the release (from its timeline). */
  async function runnerOf(observer: Replica, id: string): Promise<string> {
    return eventually(
      async () => (await timelineOf(observer, id)).find((e) => e.type === 'execution.started')?.data.instance,
      20_000,
      'started',
    );
  }

  it(`executes each of ${RELEASES} releases exactly once, with every timeline complete and the chain intact`, async () => {
    const [a, b] = replicas as [Replica, Replica];
    for (const [replica, env, namespace] of [
      [a, 'prod-a', 'shop-a'],
      [b, 'prod-b', 'shop-b'],
    ] as const) {
      const res = await api(replica, 'POST', '/api/v1/environments', {
        name: env,
        runtime: 'kubernetes',
        target: { namespace },
        applyTimeoutSeconds: 120,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const ids: string[] = new Array(RELEASES);
    await pool(
      Array.from({ length: RELEASES }, (_, i) => i),
      IN_FLIGHT,
      async (i) => {
        const [drafting, previewing] = i % 2 === 0 ? [a, b] : [b, a];
        ids[i] = await ship(drafting, previewing, `svc-${i}`, i % 4 < 2 ? 'prod-a' : 'prod-b', `registry.example/svc:1.${i}`);
      },
    );
    await eventually(
      async () => (await api(a, 'GET', '/api/v1/releases?state=applying&limit=1')).body.items.length === 0,
      240_000,
      'every release ended',
    );

    const runners = new Map<string, number>();
    await pool(
      ids.map((id, i) => ({ id, i })),
      IN_FLIGHT,
      async ({ id, i }) => {
        const observer = i % 2 === 0 ? b : a;
        const release = await releaseOf(observer, id);
        expect(release.state, `${id}: ${release.execution.message}`).toBe('succeeded');
        const events = await timelineOf(observer, id);
        const types = events.map((e) => e.type);
        expect(types[0]).toBe('release.created');
        expect(types).toContain('preview.created');
        expect(types.filter((t) => t === 'execution.started')).toHaveLength(1);
        expect(types.filter((t) => t === 'execution.succeeded')).toHaveLength(1);
        expect(types.at(-1)).toBe('release.state_changed');
        expect(events.at(-1).data).toMatchObject({ to: 'succeeded' });
        // Oldest first, each chained to the event before it in the one timeline.
        const seqs = events.map((e) => e.seq);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        const instance = events.find((e) => e.type === 'execution.started').data.instance;
        runners.set(instance, (runners.get(instance) ?? 0) + 1);
      },
    );
    // Both executors took work, and between them ran everything.
    expect([...runners.keys()].sort()).toEqual(['replica-a', 'replica-b']);
    expect([...runners.values()].reduce((x, y) => x + y, 0)).toBe(RELEASES);

    // The cluster saw exactly one real (not dry-run) apply of each Deployment.
    const applies = deploymentApplies(sim, /^shop-[ab]$/);
    expect(applies.size).toBe(RELEASES);
    expect([...applies.values()].every((n) => n === 1)).toBe(true);

    // The chain both replicas wrote verifies on each, and a checkpoint signed by one verifies on the other.
    const verified = await Promise.all([a, b].map(async (r) => (await api(r, 'GET', '/api/v1/audit/verify')).body));
    expect(verified[0]).toMatchObject({ ok: true });
    expect(verified[1]).toEqual(verified[0]);
    const checkpoint = (await api(a, 'GET', '/api/v1/audit/checkpoint')).body;
    expect((await api(b, 'POST', '/api/v1/audit/verify', { checkpoint })).body).toMatchObject({ ok: true });
  }, 600_000);

  it('reports the release of a replica killed mid-apply as interrupted as its lease runs out; the other keeps serving', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const id = await ship(a, b, 'stuck', 'prod-a', 'registry.example/stuck:slow');
    const runner = await runnerOf(a, id);
    const [doomed, survivor] = runner === a.name ? [a, b] : [b, a];
    await eventually(async () => (await releaseOf(survivor, id)).execution.stage === 'waiting_for_rollout', 20_000, 'rolling out');
    const killedAt = Date.now();
    doomed.process.child.kill('SIGKILL');
    await doomed.process.exited;

    const interrupted = await eventually(
      async () => {
        const r = await releaseOf(survivor, id);
        return r.state === 'interrupted' ? r : null;
      },
      LEASE_MS + POLL_MS + 5_000,
      'interrupted',
    );
    // Reported as the lease ends (it was renewed a moment before the kill), not at the next safety-net poll.
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + POLL_MS / 2);
    expect(interrupted.execution.message).toContain('stopped before it finished');
    const types = (await timelineOf(survivor, id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['execution.interrupted', 'diagnostics.recorded']));

    // The survivor drafts, previews, applies and executes on its own.
    expect((await fetch(`${survivor.url}/readyz`)).status).toBe(200);
    const after = await ship(survivor, survivor, 'after-the-kill', 'prod-b', 'registry.example/after:1');
    await eventually(async () => (await releaseOf(survivor, after)).state === 'succeeded', 30_000, 'succeeded');
    expect(await runnerOf(survivor, after)).toBe(survivor.name);
  }, 60_000);

  it('leaves no release applying when the last replica is stopped with SIGTERM mid-apply', async () => {
    const survivor = replicas.find((r) => r.process.child.exitCode === null && r.process.child.signalCode === null)!;
    const id = await ship(survivor, survivor, 'stuck-again', 'prod-b', 'registry.example/stuck:slow');
    expect(await runnerOf(survivor, id)).toBe(survivor.name);
    expect(await stopMain(survivor.process)).toBe(0);

    // Nothing runs now: a replica started afterwards finds the release already recorded, nothing left applying.
    const next = await startReplica('replica-c');
    const r = await releaseOf(next, id);
    expect([r.state, r.execution.message]).toEqual(['interrupted', expect.stringContaining('shutting down')]);
    expect((await api(next, 'GET', '/api/v1/releases?state=applying')).body.items).toEqual([]);
    expect((await api(next, 'GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true });
    expect(await stopMain(next.process)).toBe(0);
  }, 60_000);
});
