import type { Finding } from '../core/diagnostics/diagnostics.js';
import type { VerificationPolicy } from '../core/environment/environment.js';
import { detailOf } from '../core/errors.js';
import type { Clock } from '../ports/clock.js';
import type { DeployTarget, RuntimeDriver, WorkloadUnit } from '../ports/runtime-driver.js';

/** What a verification found: the workload held for the whole window, or the first thing that broke. */
export type VerificationOutcome = { ok: true; message: string; checks: number } | { ok: false; message: string; finding: Finding };

export interface VerificationRun {
  driver: RuntimeDriver;
  target: DeployTarget;
  policy: VerificationPolicy;
  clock: Clock;
  /** When the window ends. */
  until: Date;
  /** How long to wait between two checks. */
  intervalMs: number;
  signal: AbortSignal;
  /** The HTTP probe (the global fetch by default; a test may hand in another). */
  fetch?: typeof fetch;
}

const PROBE_TIMEOUT_MS = 5_000;

function failed(resource: { kind: string; name: string }, message: string, evidence: string): VerificationOutcome {
  return { ok: false, message, finding: { severity: 'error', code: 'VERIFICATION_FAILED', resource, message, evidence } };
}

/**
 * Watches a rolled-out application for the verification window: every part stays ready, restarts since the rollout
 * stay within `maxRestarts`, and the HTTP probe (if any) answers the expected status. The first breach ends it with
 * a `VERIFICATION_FAILED` finding; an abort (the server stopping, the lease lost) throws.
 */
export async function verifyRollout(run: VerificationRun): Promise<VerificationOutcome> {
  const { driver, target, policy } = run;
  const baseline = new Map((await driver.observe(target)).map((u) => [u.name, u.restarts]));
  let checks = 0;
  for (;;) {
    const wait = Math.max(0, Math.min(run.intervalMs, run.until.getTime() - run.clock.now().getTime()));
    await sleep(wait, run.signal);
    checks += 1;
    const problem = judge(await driver.observe(target), baseline, policy.maxRestarts) ?? (await probe(run));
    if (problem) return problem;
    if (run.clock.now().getTime() >= run.until.getTime()) {
      return { ok: true, message: `healthy for the whole ${policy.windowSeconds}s verification window (${checks} checks)`, checks };
    }
  }
}

/** The first breach in one observation, or null. Restarts count from the rollout; a part started since counts from 0. */
function judge(units: readonly WorkloadUnit[], baseline: ReadonlyMap<string, number>, maxRestarts: number): VerificationOutcome | null {
  if (units.length === 0) return failed({ kind: 'Application', name: '' }, 'nothing of the application runs any more', 'no parts found');
  const notReady = units.find((u) => !u.ready);
  if (notReady) {
    return failed(
      { kind: 'Workload', name: notReady.name },
      `${notReady.name} stopped being ready after the rollout`,
      `status=${notReady.status}`,
    );
  }
  const restarted = units.map((u) => ({ unit: u, count: u.restarts - (baseline.get(u.name) ?? 0) })).filter((r) => r.count > 0);
  const total = restarted.reduce((sum, r) => sum + r.count, 0);
  if (total > maxRestarts) {
    const worst = restarted.sort((a, b) => b.count - a.count)[0]!;
    return failed(
      { kind: 'Workload', name: worst.unit.name },
      `${total} restart(s) since the rollout, more than the ${maxRestarts} allowed`,
      restarted.map((r) => `${r.unit.name}: +${r.count}`).join('\n'),
    );
  }
  return null;
}

async function probe(run: VerificationRun): Promise<VerificationOutcome | null> {
  const check = run.policy.httpProbe;
  if (!check) return null;
  const resource = { kind: 'HttpProbe', name: new URL(check.url).host };
  try {
    const response = await (run.fetch ?? fetch)(check.url, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.any([run.signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]),
    });
    await response.body?.cancel();
    if (response.status === check.expectStatus) return null;
    return failed(
      resource,
      `the probe GET ${check.url} answered ${response.status}, not ${check.expectStatus}`,
      `status=${response.status}`,
    );
  } catch (error) {
    if (run.signal.aborted) throw error;
    return failed(resource, `the probe GET ${check.url} did not answer`, detailOf(error));
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
