import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReleaseCensus } from '../../app/insights.use-cases.js';
import type { ApplyOutcomeLabel, Metrics, WebhookAttemptOutcome } from '../../ports/metrics.js';
import type { Runtime } from '../../core/release/release.js';

const MINUTE = 60;
const HOUR = 3_600;
const DAY = 86_400;
const WEBHOOK_OUTCOMES: readonly WebhookAttemptOutcome[] = ['delivered', 'retrying', 'failed'];

/** One HTTP request as the duration histogram labels it: the route's pattern, never the URL asked for. */
export interface RequestObservation {
  method: string;
  /** The matched route's pattern (`/api/v1/releases/:id`), or null when no route matched. */
  route: string | null;
  status: number;
  seconds: number;
}

/**
 * Shipgate's metrics in a Prometheus registry of their own (never prom-client's global one, so that several servers
 * in one process keep theirs apart): Node's default metrics, HTTP request durations, the facts the use cases report
 * through the {@link Metrics} port, and the release counts read from the store at each scrape.
 * @example const metrics = new PrometheusMetrics(); new Shipgate({ …, metrics }); await metrics.scrape(census)
 */
export class PrometheusMetrics implements Metrics {
  private readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status'>;
  private readonly approvalWait: Histogram<'outcome'>;
  private readonly applyDuration: Histogram<'runtime' | 'outcome'>;
  private readonly webhookDeliveries: Counter<'outcome'>;
  private readonly releases: Gauge<'environment' | 'state'>;
  private readonly queueDepth: Gauge;
  /** The scrape under way (or the last one): the next waits for it. */
  private lastScrape: Promise<string> = Promise.resolve('');

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Histogram({
      name: 'shipgate_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status, from the first byte in to the last byte out',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.approvalWait = new Histogram({
      name: 'shipgate_approval_wait_seconds',
      help: 'Time from a release submitted for approval to the decision that approved or rejected it',
      labelNames: ['outcome'],
      buckets: [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 4 * HOUR, 12 * HOUR, DAY, 3 * DAY, 7 * DAY],
      registers,
    });
    this.applyDuration = new Histogram({
      name: 'shipgate_apply_duration_seconds',
      help: 'Time an executor drove a release, from the start of its apply to its outcome (verification included)',
      labelNames: ['runtime', 'outcome'],
      buckets: [1, 5, 15, 30, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR],
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'shipgate_webhook_deliveries_total',
      help: 'Webhook delivery attempts: delivered (2xx), retrying (failed, tried again later), failed (given up)',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of WEBHOOK_OUTCOMES) this.webhookDeliveries.inc({ outcome }, 0);
    this.releases = new Gauge({
      name: 'shipgate_releases',
      help: 'Releases by environment and state, counted in the store at scrape time',
      labelNames: ['environment', 'state'],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'shipgate_executor_queue_depth',
      help: 'Releases applied and waiting for an executor to claim them, counted in the store at scrape time',
      registers,
    });
  }

  /** The `Content-Type` of {@link scrape}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  observeRequest(request: RequestObservation): void {
    const labels = { method: request.method, route: request.route ?? 'unmatched', status: String(request.status) };
    this.requests.observe(labels, request.seconds);
  }

  applyFinished(fact: { runtime: Runtime; outcome: ApplyOutcomeLabel; seconds: number }): void {
    this.applyDuration.observe({ runtime: fact.runtime, outcome: fact.outcome }, Math.max(0, fact.seconds));
  }

  approvalDecided(fact: { outcome: 'approved' | 'rejected'; seconds: number }): void {
    this.approvalWait.observe({ outcome: fact.outcome }, Math.max(0, fact.seconds));
  }

  webhookAttempted(fact: { outcome: WebhookAttemptOutcome }): void {
    this.webhookDeliveries.inc({ outcome: fact.outcome });
  }

  /**
   * Every metric in the Prometheus text format, the release gauges set from `census` (read just before). Scrapes run
   * one after the other, so that one never resets the gauges while another renders them.
   */
  scrape(census: ReleaseCensus): Promise<string> {
    const rendered = this.lastScrape.catch(() => '').then(() => this.render(census));
    this.lastScrape = rendered;
    return rendered;
  }

  private async render(census: ReleaseCensus): Promise<string> {
    this.releases.reset();
    for (const { environment, state, count } of census.releases) this.releases.set({ environment, state }, count);
    this.queueDepth.set(census.queued);
    return this.registry.metrics();
  }
}
