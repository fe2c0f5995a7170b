import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Percentiles of every 2xx response time in milliseconds, fractions kept (autocannon's p50/p99 are whole ms). */
  latency: { p50: number; p99: number; max: number; count: number };
}

const LOAD = fileURLToPath(new URL('./load.ts', import.meta.url));

/** One run of the load generator (its own process) against `url`. */
export function load(url: string, seconds: number, connections: number, authorization?: string): Promise<LoadResult> {
  const args = ['--import', 'tsx', LOAD, url, String(seconds), String(connections), ...(authorization ? [authorization] : [])];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult);
    });
  });
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The spread of runs around their median, as a fraction of it (max − min over median). */
export const spread = (xs: number[]): number => (Math.max(...xs) - Math.min(...xs)) / (median(xs) || 1);

/** How a latency figure is taken: warm-up, then several runs of the load generator against one URL. */
export interface LatencyPlan {
  warmSeconds: number;
  seconds: number;
  runs: number;
  connections: number;
  authorization?: string;
}

/** Warms `url` up, then loads it `plan.runs` times; throws when any request failed. */
export async function latencyRuns(url: string, plan: LatencyPlan): Promise<LoadResult[]> {
  await load(url, plan.warmSeconds, plan.connections, plan.authorization);
  const runs: LoadResult[] = [];
  for (let i = 0; i < plan.runs; i++) runs.push(await load(url, plan.seconds, plan.connections, plan.authorization));
  const failed = runs.reduce((n, r) => n + r.errors + r.non2xx, 0);
  if (failed > 0) throw new Error(`${failed} failed requests to ${url}`);
  return runs;
}

/** The medians of runs' exact latencies, with each run's p99 and the spread of the p99s, and the throughput. */
export function describeLatency(runs: LoadResult[], plan: LatencyPlan): string {
  const p99s = runs.map((r) => r.latency.p99);
  const ms = (x: number) => x.toFixed(2);
  return (
    `p50 ${ms(median(runs.map((r) => r.latency.p50)))} ms, p99 ${ms(median(p99s))} ms ` +
    `(runs' p99 ${p99s.map(ms).join(', ')} ms, spread ${(spread(p99s) * 100).toFixed(0)}%), ` +
    `${median(runs.map((r) => r.rps)).toFixed(0)} req/s; median of ${plan.runs} × ${plan.seconds} s after ${plan.warmSeconds} s warm-up, ` +
    `${plan.connections} connection${plan.connections === 1 ? '' : 's'}`
  );
}

/** Starts a process and resolves once a line of its output matches `ready` (with the match). */
export function startProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready:\n${out}`)), timeoutMs);
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}:\n${out}`));
    });
  });
}

/** Stops a process and waits for it to exit. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
