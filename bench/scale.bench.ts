// Reads at scale: one release's timeline page among 1,000,000 events (and how its latency grew from 10,000 events),
// the approval queue's first page with 10,000 pending tickets, and the releases list filtered by environment and state
// among 100,000 releases. Each store is seeded through its own repositories (bench/lib/seed.ts) before the compiled
// server opens it; the server and the load generator run in processes of their own; a viewer bound to the
// environments reads, so permission filtering is on the path. One connection: the latency of a read, not of a queue.
import { describeLatency, latencyRuns, median, type LatencyPlan, type LoadResult } from './lib/measure.js';
import { row, type BenchOptions, type Row } from './lib/rows.js';
import { pseudoRandom, StoreSeeder, type ReleasePlan, type SeededState, type SeedResult } from './lib/seed.js';
import { createBenchDatabase, startShipgate, type BenchDatabase, type ShipgateProcess, type Store } from './lib/shipgate-process.js';

const ENVIRONMENTS = [
  { name: 'dev', production: false },
  { name: 'test', production: false },
  { name: 'staging', production: false },
  { name: 'prod-eu', production: true },
  { name: 'prod-us', production: true },
];
const APPLICATIONS = Array.from({ length: 40 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);

/** How releases end, by weight: production environments require approval (so some wait, some are rejected). */
const MIX: Record<'production' | 'other', [SeededState, number][]> = {
  other: [
    ['succeeded', 55],
    ['failed', 10],
    ['cancelled', 10],
    ['draft', 10],
    ['previewed', 10],
    ['approved', 5],
  ],
  production: [
    ['succeeded', 55],
    ['failed', 5],
    ['rejected', 8],
    ['cancelled', 7],
    ['draft', 5],
    ['previewed', 10],
    ['approved', 5],
    ['pending_approval', 5],
  ],
};

/** A release of the usual mix: the i-th goes to the i-th environment in turn, its state drawn by weight. */
function mixedPlan(random: () => number, i: number, environments = ENVIRONMENTS): ReleasePlan {
  const env = environments[i % environments.length]!;
  const mix = MIX[env.production ? 'production' : 'other'];
  let draw = random() * mix.reduce((sum, [, weight]) => sum + weight, 0);
  const state = mix.find(([, weight]) => (draw -= weight) < 0)?.[0] ?? 'succeeded';
  return { application: APPLICATIONS[(i * 7) % APPLICATIONS.length]!, environment: env.name, state };
}

const plan = (options: BenchOptions): LatencyPlan =>
  options.smoke ? { warmSeconds: 1, seconds: 1, runs: 1, connections: 1 } : { warmSeconds: 5, seconds: 5, runs: 5, connections: 1 };

/** A database with the bench's environments and a viewer token on them, made through the API of a first server. */
async function preparedDatabase(store: Store): Promise<{ database: BenchDatabase; viewer: string }> {
  const database = await createBenchDatabase(store);
  try {
    return await served(store, database, async (shipgate) => {
      for (const env of ENVIRONMENTS) {
        const res = await shipgate.api('POST', '/api/v1/environments', { ...env, runtime: 'compose', target: { project: env.name } });
        if (res.status !== 201) throw new Error(JSON.stringify(res.body));
      }
      const token = await shipgate.api('POST', '/api/v1/tokens', {
        subject: 'reader',
        bindings: [{ role: 'viewer', environments: ENVIRONMENTS.map((e) => e.name) }],
      });
      if (token.status !== 201) throw new Error(JSON.stringify(token.body));
      return { database, viewer: `Bearer ${token.body.token as string}` };
    });
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/** Seeds with the server stopped, then brings the planner's statistics up to date; prints what it wrote and how fast. */
async function seeded(store: Store, database: BenchDatabase, what: string, work: (seeder: StoreSeeder) => Promise<SeedResult>) {
  const seeder = await StoreSeeder.open(database.url);
  try {
    const result = await work(seeder);
    const settleStarted = performance.now();
    await seeder.settle();
    const settleMs = performance.now() - settleStarted;
    console.log(
      `      seeded ${what} (${store}): ${result.releaseIds.length.toLocaleString('en')} releases, ` +
        `${result.events.toLocaleString('en')} events in ${(result.ms / 1000).toFixed(1)} s` +
        (store === 'postgres' ? `, vacuum analyze ${(settleMs / 1000).toFixed(1)} s` : ''),
    );
    return result;
  } finally {
    await seeder.close();
  }
}

/**
 * Runs `work` on a server started on the database, then stops it. No runtime driver is configured: no read measured
 * here reaches one, and so the bench needs no Docker engine (readiness would wait for one).
 */
async function served<T>(store: Store, database: BenchDatabase, work: (shipgate: ShipgateProcess) => Promise<T>): Promise<T> {
  const shipgate = await startShipgate(store, { SHIPGATE_RUNTIMES: '' }, { database });
  try {
    return await work(shipgate);
  } finally {
    await shipgate.close();
  }
}

/** GETs `url` as `authorization` and throws unless `check` accepts the body: what is measured must be the real page. */
async function checked(url: string, authorization: string, check: (body: any) => string | null): Promise<void> {
  const res = await fetch(url, { headers: { authorization } });
  const body = await res.json();
  const problem = res.status !== 200 ? `status ${res.status}: ${JSON.stringify(body)}` : check(body);
  if (problem) throw new Error(`${url}: ${problem}`);
}

const p50 = (runs: LoadResult[]) => median(runs.map((r) => r.latency.p50));
const p99 = (runs: LoadResult[]) => median(runs.map((r) => r.latency.p99));
const seconds = (r: SeedResult) => `${(r.ms / 1000).toFixed(0)} s`;

export async function timelineRows(store: Store, options: BenchOptions): Promise<Row[]> {
  const sizes = options.smoke ? { first: 500, total: 2_000, drifts: 136 } : { first: 10_000, total: 1_000_000, drifts: 236 };
  const random = pseudoRandom(11);
  // A long-running release in staging: its lifecycle, then drift found again and again (two and a half pages).
  const target: ReleasePlan = { application: APPLICATIONS[0]!, environment: 'staging', state: 'succeeded', drifts: sizes.drifts };
  const { database, viewer } = await preparedDatabase(store);
  try {
    // Its events are spread among those of every release of the first 10,000 events.
    const first = await seeded(store, database, 'the first events', (seeder) =>
      seeder.seed((i) => (i === 0 ? target : mixedPlan(random, i)), { events: sizes.first, interleave: sizes.first }),
    );
    const id = first.releaseIds[0]!;
    const path = `/api/v1/releases/${id}/timeline`;
    let targetEvents = 0;
    const firstPage = (shipgate: ShipgateProcess) =>
      checked(`${shipgate.url}${path}`, viewer, (body) => {
        if (body.items.length !== 100 || body.nextCursor === null) return `not a full first page: ${body.items.length} events`;
        if (body.items.some((e: { releaseId: string }) => e.releaseId !== id)) return 'events of another release';
        return null;
      });
    const small = await served(store, database, async (shipgate) => {
      await firstPage(shipgate);
      targetEvents = (await shipgate.api('GET', `${path}?limit=500`)).body.items.length as number;
      return latencyRuns(`${shipgate.url}${path}`, { ...plan(options), authorization: viewer });
    });
    const grown = await seeded(store, database, 'the store grown', (seeder) =>
      seeder.seed((i) => mixedPlan(random, i + first.releaseIds.length), { events: sizes.total - first.events }),
    );
    const events = first.events + grown.events;
    const large = await served(store, database, async (shipgate) => {
      await firstPage(shipgate);
      const runs = await latencyRuns(`${shipgate.url}${path}`, { ...plan(options), authorization: viewer });
      // The chain the seeder wrote verifies under the server's key (after measuring: it reads every event).
      const verified = await shipgate.api('GET', '/api/v1/audit/verify');
      if (verified.body?.ok !== true || verified.body.checked !== events) throw new Error(`chain: ${JSON.stringify(verified.body)}`);
      return runs;
    });
    const at = (n: number) => `${n.toLocaleString('en')} events`;
    return [
      row(
        `timeline-${store}`,
        `timeline page of one release among 1,000,000 events (${store})`,
        p99(large),
        'ms',
        { op: '<', value: 5 },
        `${describeLatency(large, plan(options))}; first page (100) of a release with ${targetEvents} events, ` +
          `${at(events)} of ${(first.releaseIds.length + grown.releaseIds.length).toLocaleString('en')} releases; ` +
          `seeded in ${seconds(first)} + ${seconds(grown)}`,
      ),
      row(
        `timeline-growth-${store}`,
        `timeline page p50 at 1,000,000 events over p50 at 10,000 (${store})`,
        p50(large) / p50(small),
        '×',
        { op: '<=', value: 1.5 },
        `p50 ${p50(small).toFixed(2)} ms at ${at(first.events)} → ${p50(large).toFixed(2)} ms at ${at(events)}; ` +
          `at ${at(first.events)}: ${describeLatency(small, plan(options))}`,
      ),
    ];
  } finally {
    await database.drop();
  }
}

export async function approvalsRows(store: Store, options: BenchOptions): Promise<Row[]> {
  const pending = options.smoke ? 200 : 10_000;
  const random = pseudoRandom(12);
  const production = ENVIRONMENTS.filter((e) => e.production);
  // Every other release waits for approval; the others are the production history (closed tickets and the rest).
  const approvalPlan = (i: number): ReleasePlan => {
    if (i % 2 === 0) {
      return {
        application: APPLICATIONS[i % APPLICATIONS.length]!,
        environment: production[(i / 2) % production.length]!.name,
        state: 'pending_approval',
      };
    }
    const history = mixedPlan(random, (i - 1) / 2, production);
    return history.state === 'pending_approval' ? { ...history, state: 'succeeded' } : history;
  };
  const { database, viewer } = await preparedDatabase(store);
  try {
    const seed = await seeded(store, database, `${pending.toLocaleString('en')} pending tickets`, (seeder) =>
      seeder.seed(approvalPlan, { releases: pending * 2 }),
    );
    const path = '/api/v1/approvals?status=pending';
    const runs = await served(store, database, async (shipgate) => {
      await checked(`${shipgate.url}${path}`, viewer, (body) =>
        body.items.length !== 100 || body.items.some((t: { status: string }) => t.status !== 'pending')
          ? `not a full page of pending tickets: ${body.items.length}`
          : null,
      );
      return latencyRuns(`${shipgate.url}${path}`, { ...plan(options), authorization: viewer });
    });
    return [
      row(
        `approvals-${store}`,
        `approvals queue first page with 10,000 pending tickets (${store})`,
        p99(runs),
        'ms',
        { op: '<', value: 10 },
        `${describeLatency(runs, plan(options))}; first page (100) of ${pending.toLocaleString('en')} pending tickets among ` +
          `${seed.releaseIds.length.toLocaleString('en')} production releases, ${seed.events.toLocaleString('en')} events; ` +
          `seeded in ${seconds(seed)}`,
      ),
    ];
  } finally {
    await database.drop();
  }
}

export async function listRows(store: Store, options: BenchOptions): Promise<Row[]> {
  const releases = options.smoke ? 1_000 : 100_000;
  const filter = { environment: 'staging', state: 'failed' as const };
  const random = pseudoRandom(13);
  let matching = 0;
  const { database, viewer } = await preparedDatabase(store);
  try {
    const seed = await seeded(store, database, `${releases.toLocaleString('en')} releases`, (seeder) =>
      seeder.seed(
        (i) => {
          const p = mixedPlan(random, i);
          if (p.environment === filter.environment && p.state === filter.state) matching++;
          return p;
        },
        { releases },
      ),
    );
    const path = `/api/v1/releases?environment=${filter.environment}&state=${filter.state}`;
    const runs = await served(store, database, async (shipgate) => {
      await checked(`${shipgate.url}${path}`, viewer, (body) => {
        if (body.items.length !== Math.min(50, matching)) return `${body.items.length} releases, expected ${Math.min(50, matching)}`;
        const other = body.items.find(
          (r: { environment: string; state: string }) => r.environment !== filter.environment || r.state !== filter.state,
        );
        return other ? `a release of ${other.environment} in ${other.state}` : null;
      });
      return latencyRuns(`${shipgate.url}${path}`, { ...plan(options), authorization: viewer });
    });
    return [
      row(
        `list-${store}`,
        `releases list filtered by environment+state among 100,000 releases (${store})`,
        p99(runs),
        'ms',
        { op: '<', value: 10 },
        `${describeLatency(runs, plan(options))}; first page (50) of the ${matching.toLocaleString('en')} ${filter.state} releases ` +
          `of ${filter.environment} among ${releases.toLocaleString('en')} releases in ${ENVIRONMENTS.length} environments, ` +
          `${seed.events.toLocaleString('en')} events; seeded in ${seconds(seed)}`,
      ),
    ];
  } finally {
    await database.drop();
  }
}
