import { Type, type Static } from 'typebox';
import type { Insights as CoreInsights } from '../../../core/insights/insights.js';
import { INSIGHTS_WINDOW_DAYS } from '../../../core/insights/insights-window.js';
import { Name, closed, type Same } from '../common.schemas.js';

// Schemas of `/insights`: the four DORA keys over a window of days, and the daily series behind them.

export const InsightsQuery = Type.Object(
  {
    environment: Type.Optional(Name),
    application: Type.Optional(Name),
    windowDays: Type.Optional(
      Type.Integer({
        minimum: INSIGHTS_WINDOW_DAYS.min,
        maximum: INSIGHTS_WINDOW_DAYS.max,
        default: INSIGHTS_WINDOW_DAYS.default,
        description: 'How many days to look back (UTC calendar days, today included)',
      }),
    ),
  },
  closed,
);

const Seconds = (description: string) => Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description });

export const Insights = Type.Object(
  {
    deploymentsPerDay: Type.Number({ minimum: 0, description: 'Releases that reached succeeded, per day of the window' }),
    leadTimeSeconds: Type.Object(
      { p50: Seconds('Median time from a release created to it succeeded'), p90: Seconds('90th percentile of the same') },
      closed,
    ),
    changeFailureRate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
      description: 'Failed or rolled back ÷ (those + succeeded), among the releases applied in the window',
    }),
    timeToRestoreSeconds: Type.Object(
      { p50: Seconds('Median time from a failed release to the next succeeded release of the same application and environment') },
      closed,
    ),
    series: Type.Array(
      Type.Object(
        {
          day: Type.String({ format: 'date', description: 'A UTC day' }),
          succeeded: Type.Integer({ minimum: 0 }),
          failed: Type.Integer({ minimum: 0 }),
          rolledBack: Type.Integer({ minimum: 0 }),
        },
        closed,
      ),
      { description: 'Every day of the window, oldest first: its applied releases by how each stands now' },
    ),
  },
  { ...closed, description: 'The four DORA keys; a key without data is null' },
);

// The answer is the core's, field for field: a change on either side fails the type check.
const insightsMatchCore: Same<Static<typeof Insights>, CoreInsights> = true;
void insightsMatchCore;
