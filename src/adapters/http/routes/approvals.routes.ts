import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Shipgate } from '../../../app/shipgate.js';
import { IdParams, problems } from '../common.schemas.js';
import { Approval, ApprovalList, ApprovalsQuery, DecisionBody } from './approvals.schemas.js';

const tags = ['approvals'];

/** `/approvals`: the one global queue, across every environment the caller may read. */
export async function approvalsRoutes(app: FastifyInstance, { shipgate }: { shipgate: Shipgate }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/approvals',
    {
      schema: {
        tags,
        summary: 'Approval tickets, oldest first',
        querystring: ApprovalsQuery,
        response: { 200: ApprovalList, ...problems(400, 401) },
      },
    },
    async (req) => shipgate.approvals.list(req.caller, req.query),
  );

  api.get(
    '/approvals/:id',
    {
      schema: { tags, summary: 'One approval ticket', params: IdParams, response: { 200: Approval, ...problems(400, 401, 403, 404) } },
    },
    async (req) => shipgate.approvals.get(req.caller, req.params.id),
  );

  api.post(
    '/approvals/:id/decision',
    {
      schema: {
        tags,
        summary: 'Approve or reject (deployment:approve)',
        params: IdParams,
        body: DecisionBody,
        response: { 200: Approval, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => shipgate.approvals.decide(req.caller, req.params.id, req.body),
  );
}
