// `npm run bench`: every performance figure beside its target, with a verdict; results kept in bench/results.json.
// `npm run bench -- --smoke`: the same code paths on small data and short runs (CI runs it so the benchmarks cannot
// rot); its figures mean nothing and are written to .test-artifacts/bench-smoke.json instead.
// `npm run bench -- --only=<row id prefix>` runs some rows only.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { composeApplyRows } from './compose-apply.bench.js';
import { releaseReadRows } from './release-read.bench.js';
import { replicasRows } from './replicas.bench.js';
import { approvalsRows, listRows, timelineRows } from './scale.bench.js';
import { startupRows } from './startup.bench.js';
import type { BenchOptions, Row, RowSource } from './lib/rows.js';
import { formatRow } from './lib/rows.js';

const args = process.argv.slice(2);
const options: BenchOptions = { smoke: args.includes('--smoke') };
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);

const sources: RowSource[] = [
  { id: 'read-sqlite', rows: () => releaseReadRows('sqlite', options) },
  { id: 'read-postgres', rows: () => releaseReadRows('postgres', options) },
  { id: 'startup', rows: () => startupRows(options) },
  { id: 'timeline-sqlite', rows: () => timelineRows('sqlite', options) },
  { id: 'timeline-postgres', rows: () => timelineRows('postgres', options) },
  { id: 'approvals-sqlite', rows: () => approvalsRows('sqlite', options) },
  { id: 'approvals-postgres', rows: () => approvalsRows('postgres', options) },
  { id: 'list-sqlite', rows: () => listRows('sqlite', options) },
  { id: 'list-postgres', rows: () => listRows('postgres', options) },
  { id: 'compose-apply', rows: () => composeApplyRows(options) },
  { id: 'replicas-throughput', rows: () => replicasRows(options) },
];

const rows: Row[] = [];
for (const source of sources) {
  if (only && !source.id.startsWith(only)) continue;
  for (const row of await source.rows()) {
    rows.push(row);
    console.log(formatRow(row, options));
  }
}
const report = {
  at: new Date().toISOString(),
  machine: { cpus: availableParallelism(), node: process.version },
  smoke: options.smoke,
  rows,
};
const file = options.smoke ? '.test-artifacts/bench-smoke.json' : 'bench/results.json';
mkdirSync(file.slice(0, file.lastIndexOf('/')), { recursive: true });
// A partial run (--only) replaces its own rows and keeps the others' last figures.
const earlier: Row[] = only && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as typeof report).rows : [];
report.rows = [...earlier.filter((r) => !rows.some((x) => x.id === r.id)), ...rows];
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
const missed = rows.filter((r) => !r.pass);
console.log(
  `\n${rows.length} figures, ${rows.length - missed.length} at or past target${options.smoke ? ' (smoke: not judged)' : ''}; in ${file}`,
);
