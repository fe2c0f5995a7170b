import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Shipgate } from '../../../app/shipgate.js';
import { problems } from '../common.schemas.js';
import { Insights, InsightsQuery } from './insights.schemas.js';

const tags = ['insights'];

/** `/insights`: the four DORA keys over the releases the caller may read. */
export async function insightsRoutes(app: FastifyInstance, { shipgate }: { shipgate: Shipgate }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/insights',
    {
      schema: {
        tags,
        summary: 'The four DORA keys and the daily series of a window, over the environments you may read',
        description:
          'A deployment is a release that reached succeeded; lead time runs from its creation to its success; the change ' +
          'failure rate is failed or rolled back ÷ (those + succeeded) among the releases applied in the window; time to ' +
          'restore runs from a failed release to the next succeeded release of the same application and environment. ' +
          'Naming an environment needs deployment:read on it.',
        querystring: InsightsQuery,
        response: { 200: Insights, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => shipgate.insights.dora(req.caller, req.query),
  );
}
