// A cold start of the compiled server on a fresh SQLite store (migrations included) until /readyz answers 200, and
// its resident memory once idle.
import { median } from './lib/measure.js';
import { row, type BenchOptions, type Row } from './lib/rows.js';
import { startShipgate } from './lib/shipgate-process.js';

const IDLE_MS = 3_000;

export async function startupRows(options: BenchOptions): Promise<Row[]> {
  const runs = options.smoke ? 1 : 5;
  const starts: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const shipgate = await startShipgate('sqlite');
    try {
      starts.push(shipgate.startMs);
      await new Promise((r) => setTimeout(r, options.smoke ? 200 : IDLE_MS));
      rss.push(shipgate.rssMb());
    } finally {
      await shipgate.close();
    }
  }
  const detail = (xs: number[]) => `runs ${xs.map((x) => x.toFixed(0)).join(', ')}`;
  return [
    row(
      'startup-rss',
      'idle RSS after start (SQLite)',
      median(rss),
      'MB',
      { op: '<', value: 120 },
      `${detail(rss)} MB, after ${IDLE_MS / 1000} s idle`,
    ),
    row(
      'startup-ready',
      'cold start to /readyz ready (SQLite, fresh store)',
      median(starts),
      'ms',
      { op: '<', value: 2000 },
      `${detail(starts)} ms`,
    ),
  ];
}
