import type { FastifyInstance } from 'fastify';
import type { Shipgate } from '../../../app/shipgate.js';
import { sameSecret } from '../../../app/identity.use-cases.js';
import { ShipgateError } from '../../../core/errors.js';
import type { PrometheusMetrics } from '../../metrics/prometheus-metrics.js';
import { bearerTokenOf } from '../plugins/auth.plugin.js';

export interface MetricsRouteOptions {
  shipgate: Shipgate;
  metrics: PrometheusMetrics;
  /** SHIPGATE_METRICS_TOKEN: the bearer token a scraper must send; null leaves `/metrics` open, like `/healthz`. */
  token: string | null;
}

/**
 * `GET /metrics`: Prometheus text, outside `/api/v1` (a scraper holds no Shipgate token, at most the metrics token).
 * It names environments and counts, nothing of a release.
 */
export async function metricsRoutes(app: FastifyInstance, { shipgate, metrics, token }: MetricsRouteOptions): Promise<void> {
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (token !== null && !sameSecret(bearerTokenOf(request), token)) {
      throw new ShipgateError('UNAUTHENTICATED', 'GET /metrics needs the header Authorization: Bearer <SHIPGATE_METRICS_TOKEN>');
    }
    const text = await metrics.scrape(await shipgate.insights.census());
    return reply.type(metrics.contentType).send(text);
  });
}
