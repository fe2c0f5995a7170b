export interface BenchOptions {
  /** Small data and short runs: the code paths only, figures not judged. */
  smoke: boolean;
}

/** One printed figure: what was measured, the target, and whether it was met. */
export interface Row {
  id: string;
  figure: string;
  value: number;
  unit: string;
  target: { op: '>=' | '<=' | '<'; value: number };
  pass: boolean;
  /** How it was measured and what stood beside it (runs, spread, the yardstick's figures). */
  detail: string;
}

export interface RowSource {
  id: string;
  rows: () => Promise<Row[]>;
}

export function row(id: string, figure: string, value: number, unit: string, target: Row['target'], detail: string): Row {
  const pass = target.op === '>=' ? value >= target.value : target.op === '<=' ? value <= target.value : value < target.value;
  return { id, figure, value, unit, target, pass, detail };
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));

export function formatRow(r: Row, options: BenchOptions): string {
  const verdict = options.smoke ? 'smoke' : r.pass ? 'PASS' : 'MISS';
  const value = `${fmt(r.value)} ${r.unit}`.padStart(14);
  const target = `target ${r.target.op} ${fmt(r.target.value)} ${r.unit}`;
  return `${verdict.padEnd(5)} ${r.figure.padEnd(64)} ${value}   ${target}\n      ${r.detail}`;
}
