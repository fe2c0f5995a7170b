import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { CommandCenter } from '../../ai/command-center.js';
import { IdParams, Uuid, problems } from '../common.schemas.js';
import { Release } from './releases.schemas.js';

const tags = ['ai'];
const Card = Type.Object(
  { type: Type.String() },
  { additionalProperties: true, description: 'An action card: release, preview, proposal, timeline, diagnostics or approvals' },
);
const CommandReply = Type.Object({
  conversationId: Uuid,
  reply: Type.String(),
  actions: Type.Array(Card),
  release: Type.Union([Release, Type.Null()]),
});
const Message = Type.Object({
  id: Uuid,
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
  text: Type.String(),
  actions: Type.Array(Card),
  releaseId: Type.Union([Uuid, Type.Null()]),
  at: Type.String({ format: 'date-time' }),
});

/** `/ai`: the command center, acting with the caller's own token and permissions. */
export async function aiRoutes(app: FastifyInstance, { commandCenter }: { commandCenter: CommandCenter }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
    '/ai/messages',
    {
      schema: {
        tags,
        summary: 'Send the command center a message; changes to a runtime come back as proposals to confirm',
        body: Type.Object(
          { text: Type.String({ minLength: 1, maxLength: 2000 }), conversationId: Type.Optional(Uuid) },
          { additionalProperties: false },
        ),
        response: { 200: CommandReply, ...problems(400, 401, 403, 404, 409, 428, 503) },
      },
    },
    async (req) => commandCenter.message(req.caller, req.body),
  );

  api.post(
    '/ai/confirmations',
    {
      schema: {
        tags,
        summary: 'Confirm a proposed action by id; it runs through the same preview, approval and freeze checks as the API',
        body: Type.Object({ conversationId: Uuid, actionId: Uuid }, { additionalProperties: false }),
        response: { 200: CommandReply, ...problems(400, 401, 403, 404, 409, 428, 503) },
      },
    },
    async (req) => commandCenter.confirm(req.caller, req.body),
  );

  api.get(
    '/ai/conversations',
    {
      schema: {
        tags,
        summary: "The caller's conversations, newest first",
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ id: Uuid, title: Type.String(), createdAt: Type.String(), updatedAt: Type.String() })),
          }),
          ...problems(401),
        },
      },
    },
    async (req) => commandCenter.conversations(req.caller),
  );

  api.get(
    '/ai/conversations/:id',
    {
      schema: {
        tags,
        summary: 'One of the caller’s conversations with its messages',
        params: IdParams,
        response: { 200: Type.Object({ id: Uuid, title: Type.String(), messages: Type.Array(Message) }), ...problems(400, 401, 404) },
      },
    },
    async (req) => commandCenter.conversation(req.caller, req.params.id),
  );
}
