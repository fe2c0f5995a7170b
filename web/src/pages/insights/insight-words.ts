import type { Insights } from '../../api/client';
import { INSIGHTS_WINDOW_DAYS } from '../../../../src/core/insights/insights-window';

/** The windows the page offers, in days. */
export const WINDOW_CHOICES = [7, 14, 30, 90, 180, 365] as const;

/** The window a page address asks for (`?windowDays=`), or the default when it names none the API accepts. */
export function windowDaysOf(raw: string | null): number {
  const days = Number(raw);
  if (raw === null || !Number.isInteger(days) || days < INSIGHTS_WINDOW_DAYS.min || days > INSIGHTS_WINDOW_DAYS.max) {
    return INSIGHTS_WINDOW_DAYS.default;
  }
  return days;
}

/**
 * A duration in the largest two units that matter: "45 s", "12 min", "3 h 20 min", "2 d 4 h"; "no data" for null.
 * @example durationInWords(5400) // "1 h 30 min"
 */
export function durationInWords(seconds: number | null): string {
  if (seconds === null) return 'no data';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n} ${unit}`);
  }
  const [first, second] = parts;
  return second && !second.startsWith('0 ') ? `${first} ${second}` : first!;
}

/** A share as a whole percentage ("25 %"), "no data" for null. */
export function percentInWords(rate: number | null): string {
  return rate === null ? 'no data' : `${Math.round(rate * 100)} %`;
}

/** Deployments per day with at most two decimals ("0.13", "2", "1.5"). */
export function perDayInWords(perDay: number): string {
  return String(Math.round(perDay * 100) / 100);
}

/** How many releases the series counts, by how they stand now. */
export function totalsOf(series: Insights['series']): { succeeded: number; failed: number; rolledBack: number; all: number } {
  const totals = { succeeded: 0, failed: 0, rolledBack: 0, all: 0 };
  for (const day of series) {
    totals.succeeded += day.succeeded;
    totals.failed += day.failed;
    totals.rolledBack += day.rolledBack;
  }
  totals.all = totals.succeeded + totals.failed + totals.rolledBack;
  return totals;
}
