import { useState, type ReactNode } from 'react';
import type { Insights } from '../api/client';
import { useEnvironments, useInsights, type InsightsFilter } from '../api/queries';
import { EmptyState } from '../components/empty-state';
import { Loading } from '../components/loading';
import { ProblemNotice } from '../components/problem-notice';
import { EnvironmentSelect } from '../components/environment-select';
import { useAddressFilter } from '../components/use-address-filter';
import { DNS_LABEL, follows, htmlPattern } from '../../../src/core/names';
import { DailyChart, OUTCOME_COLOURS } from './insights/daily-chart';
import { WINDOW_CHOICES, durationInWords, perDayInWords, percentInWords, totalsOf, windowDaysOf } from './insights/insight-words';
import './insights/insights.css';

/**
 * Insights: the four DORA keys of the releases you may read, over a window of days, with what each means, and the
 * releases of each day as a chart and as a table. The filters live in the address, so a view can be shared.
 */
export function InsightsPage() {
  const { params, set: setFilter } = useAddressFilter();
  const filter: InsightsFilter = {
    environment: params.get('environment') ?? '',
    application: params.get('application') ?? '',
    windowDays: windowDaysOf(params.get('windowDays')),
  };
  const insights = useInsights(filter);
  return (
    <div className="page">
      <h1>Insights</h1>
      <p className="muted">
        How often you deploy, how long a change takes to run, how often one fails and how soon you recover: the four DORA keys, over the
        environments you can read.
      </p>
      <InsightsFilters filter={filter} onChange={setFilter} />
      {insights.isLoading && <Loading what="insights" />}
      {insights.error && <ProblemNotice error={insights.error} />}
      {insights.data && <InsightsView insights={insights.data} windowDays={filter.windowDays} />}
    </div>
  );
}

/** Environment, application and window. An application name is sent once it is one the API accepts. */
function InsightsFilters({ filter, onChange }: { filter: InsightsFilter; onChange: (key: keyof InsightsFilter, value: string) => void }) {
  const envs = useEnvironments();
  const [application, setApplication] = useState(filter.application ?? '');
  const valid = application === '' || follows(DNS_LABEL, application);
  return (
    <form className="filters" aria-label="Filter insights" onSubmit={(e) => e.preventDefault()}>
      <EnvironmentSelect
        value={filter.environment ?? ''}
        environments={envs.data?.items}
        anyLabel="All you can read"
        onChange={(environment) => onChange('environment', environment)}
      />
      <label>
        Application
        <input
          value={application}
          placeholder="any"
          pattern={htmlPattern(DNS_LABEL)}
          maxLength={DNS_LABEL.maxLength}
          aria-invalid={valid ? undefined : true}
          aria-describedby={valid ? undefined : 'insights-application-hint'}
          onChange={(e) => {
            setApplication(e.target.value);
            if (e.target.value === '' || follows(DNS_LABEL, e.target.value)) onChange('application', e.target.value);
          }}
        />
        {!valid && (
          <span className="field-error" id="insights-application-hint">
            Must be {DNS_LABEL.description}.
          </span>
        )}
      </label>
      <label>
        Window
        <select value={filter.windowDays} onChange={(e) => onChange('windowDays', e.target.value)}>
          {[...new Set<number>([...WINDOW_CHOICES, filter.windowDays])]
            .sort((a, b) => a - b)
            .map((days) => (
              <option key={days} value={days}>
                Last {days} {days === 1 ? 'day' : 'days'}
              </option>
            ))}
        </select>
      </label>
    </form>
  );
}

/** The four keys, then the daily series (or what an empty window means). */
function InsightsView({ insights, windowDays }: { insights: Insights; windowDays: number }) {
  const totals = totalsOf(insights.series);
  const deployments = Math.round(insights.deploymentsPerDay * windowDays);
  const days = `${windowDays} ${windowDays === 1 ? 'day' : 'days'}`;
  return (
    <>
      <dl className="insight-figures">
        <Figure term="Deployments per day" value={perDayInWords(insights.deploymentsPerDay)}>
          {deployments} {deployments === 1 ? 'release' : 'releases'} reached <em>succeeded</em> in the last {days} (rolled back since or
          not), divided by the {days}.
        </Figure>
        <Figure
          term="Lead time"
          value={durationInWords(insights.leadTimeSeconds.p50)}
          detail={insights.leadTimeSeconds.p90 === null ? undefined : `9 in 10 within ${durationInWords(insights.leadTimeSeconds.p90)}`}
        >
          How long a release takes from being drafted to running successfully: half of the deployments took less (the median).
        </Figure>
        <Figure term="Change failure rate" value={percentInWords(insights.changeFailureRate)}>
          Of the releases applied in the window, the share that failed or were rolled back later. An apply Shipgate could not finish
          (interrupted) is not counted.
        </Figure>
        <Figure term="Time to restore" value={durationInWords(insights.timeToRestoreSeconds.p50)}>
          After a release fails, how long until the next release of the same application in the same environment succeeds (the median). A
          failure not restored yet is not counted.
        </Figure>
      </dl>
      <section aria-labelledby="insights-daily">
        <h2 id="insights-daily">Releases per day</h2>
        {totals.all === 0 ? (
          <EmptyState title={`No release was applied in the last ${days}`}>
            A release counts here once its apply has finished: it succeeded, failed, or was rolled back later. Choose a longer window,
            another environment or application, or deploy something.
          </EmptyState>
        ) : (
          <DailyReleases series={insights.series} totals={totals} days={days} />
        )}
      </section>
    </>
  );
}

/** One key: its name, its value (or "no data"), and what it means in plain words. */
function Figure({ term, value, detail, children }: { term: string; value: string; detail?: string; children: ReactNode }) {
  return (
    <div className="card insight-figure">
      <dt>{term}</dt>
      <dd className={value === 'no data' ? 'insight-value insight-value-none' : 'insight-value'}>{value}</dd>
      {detail && <dd className="insight-detail">{detail}</dd>}
      <dd className="muted small">{children}</dd>
    </div>
  );
}

/** The chart of the daily series with its caption and legend, and the same numbers as a table (days with releases). */
function DailyReleases({ series, totals, days }: { series: Insights['series']; totals: ReturnType<typeof totalsOf>; days: string }) {
  const summary =
    `Releases per day over the last ${days}: ${totals.succeeded} succeeded, ${totals.failed} failed, ` +
    `${totals.rolledBack} rolled back. The table below lists the same numbers.`;
  const busy = series.filter((d) => d.succeeded + d.failed + d.rolledBack > 0);
  return (
    <>
      <figure className="insights-chart">
        <DailyChart series={series} label={summary} />
        <figcaption>
          Each bar is a day (UTC); its releases by how each stands now:{' '}
          <span className="legend">
            <Swatch colour={OUTCOME_COLOURS.succeeded} /> succeeded ({totals.succeeded}), <Swatch colour={OUTCOME_COLOURS.failed} /> failed
            ({totals.failed}), <Swatch colour={OUTCOME_COLOURS.rolledBack} /> rolled back ({totals.rolledBack}).
          </span>
        </figcaption>
      </figure>
      <div className="table-wrap">
        <table className="table insights-table">
          <caption>Releases per day (days without releases left out)</caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col">Succeeded</th>
              <th scope="col">Failed</th>
              <th scope="col">Rolled back</th>
            </tr>
          </thead>
          <tbody>
            {busy.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                <td>{d.succeeded}</td>
                <td>{d.failed}</td>
                <td>{d.rolledBack}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Swatch({ colour }: { colour: string }) {
  return <span className="swatch" style={{ background: colour }} aria-hidden="true" />;
}
