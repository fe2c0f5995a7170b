import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Shipgate } from '../../../app/shipgate.js';
import { IdParams, problems } from '../common.schemas.js';
import { CreateWebhookBody, CreatedWebhook, Delivery, DeliveryList, WebhookList } from './webhooks.schemas.js';

const tags = ['webhooks'];

/** `/webhooks`: subscriptions to timeline events, signed per Standard Webhooks, and their deliveries (admin). */
export async function webhooksRoutes(app: FastifyInstance, { shipgate }: { shipgate: Shipgate }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
    '/webhooks',
    {
      schema: {
        tags,
        summary: 'Subscribe a URL to timeline events (admin); the signing secret is shown once',
        description:
          'Only http(s) URLs without credentials, on public addresses (unless SHIPGATE_WEBHOOK_ALLOW_PRIVATE=1): a refused URL is a 400 ' +
          'VALIDATION_FAILED whose reason is WEBHOOK_URL_INVALID, WEBHOOK_URL_SCHEME, WEBHOOK_URL_CREDENTIALS, WEBHOOK_URL_PRIVATE or ' +
          'WEBHOOK_URL_UNRESOLVABLE.',
        body: CreateWebhookBody,
        response: { 201: CreatedWebhook, ...problems(400, 401, 403, 503) },
      },
    },
    async (req, reply) => reply.code(201).send(await shipgate.webhooks.create(req.caller, req.body)),
  );

  api.get(
    '/webhooks',
    { schema: { tags, summary: 'Every subscription, without secrets (admin)', response: { 200: WebhookList, ...problems(401, 403) } } },
    async (req) => ({ items: await shipgate.webhooks.list(req.caller) }),
  );

  api.delete(
    '/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Delete a subscription and its deliveries (admin)',
        params: IdParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      await shipgate.webhooks.delete(req.caller, req.params.id);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'The newest deliveries of a subscription, newest first (admin)',
        params: IdParams,
        response: { 200: DeliveryList, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => ({ items: await shipgate.webhooks.deliveries(req.caller, req.params.id) }),
  );

  api.post(
    '/webhooks/:id/test',
    {
      schema: {
        tags,
        summary: 'Queue a webhook.test message to a subscription (admin)',
        params: IdParams,
        response: { 202: Delivery, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => reply.code(202).send(await shipgate.webhooks.sendTest(req.caller, req.params.id)),
  );
}
