import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Insights } from '../../api/client';

/** The colours of the outcomes, after the success, danger and warning badges of the rest of the UI. */
export const OUTCOME_COLOURS = { succeeded: '#1c7a3f', failed: '#b3261e', rolledBack: '#c98a00' } as const;

const HEIGHT = 240;
const HALF_DAY = 43_200;

/** Whole numbers of releases on the y axis. */
const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/**
 * The daily series as stacked bars (succeeded at the bottom, failed above, rolled back on top), drawn on a canvas by
 * uPlot. A canvas says nothing to a screen reader: `label` names it, and the page's table holds the same numbers.
 */
export function DailyChart({ series, label }: { series: Insights['series']; label: string }) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const days = series.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000);
    const succeeded = series.map((d) => d.succeeded);
    const failedAndBelow = series.map((d) => d.succeeded + d.failed);
    const all = series.map((d) => d.succeeded + d.failed + d.rolledBack);
    const bars = uPlot.paths.bars?.({ size: [0.8, 48] });
    // Each bar is drawn over the taller one before it, so the totals drawn first show as the upper segments.
    const bar = (label: string, colour: string) => ({
      label,
      fill: colour,
      stroke: colour,
      width: 0,
      paths: bars,
      points: { show: false },
    });
    const width = () => Math.max(280, element.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: HEIGHT,
        legend: { show: false },
        cursor: { show: false },
        // The days are UTC days: their labels too.
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: {
          // Half a day on either side, so that the first and the last day's bars are drawn whole.
          x: { time: true, range: (_plot, min, max) => [min - HALF_DAY, max + HALF_DAY] },
          y: { range: (_plot, _min, max) => [0, Math.max(1, max)] },
        },
        axes: [{}, { incrs: COUNT_STEPS, size: 40 }],
        series: [
          {},
          bar('rolled back', OUTCOME_COLOURS.rolledBack),
          bar('failed', OUTCOME_COLOURS.failed),
          bar('succeeded', OUTCOME_COLOURS.succeeded),
        ],
      },
      [days, all, failedAndBelow, succeeded],
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series]);
  return <div ref={holder} className="daily-chart" role="img" aria-label={label} />;
}
