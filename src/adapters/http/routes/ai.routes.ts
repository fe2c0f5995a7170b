import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { CommandCenter } from '../../ai/command-center.js';
import { IdParams, Uuid, problems } from '../common.schemas.js';
import { problemOf, toShipgateError } from '../problem.js';
import { SSE_HEADERS } from '../release-stream.js';
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
const MessageBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 2000 }), conversationId: Type.Optional(Uuid) },
  { additionalProperties: false },
);
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
        body: MessageBody,
        response: { 200: CommandReply, ...problems(400, 401, 403, 404, 409, 428, 503) },
      },
    },
    async (req) => commandCenter.message(req.caller, req.body),
  );

  api.post(
    '/ai/messages/stream',
    {
      schema: {
        tags,
        summary: 'The same as POST /ai/messages, answered as Server-Sent Events as the answer is made',
        description:
          "Events: `step` (data `{ reply, actions }`: what one action did, in Shipgate's words, as it is done), `text` (data " +
          '`{ text }`: a sentence of the language model that passed the check of its claims), then `reply` (data: the ' +
          'whole CommandReply, as POST /ai/messages returns it) or `problem` (data: an RFC 9457 problem, as the API would ' +
          'answer it); the stream then ends. Authentication and body errors are answered before the stream, as plain problems.',
        body: MessageBody,
        produces: ['text/event-stream'],
        response: { 200: { description: 'text/event-stream', type: 'string' }, ...problems(400, 401) },
      },
    },
    async (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': String(req.id) });
      const send = (event: string, data: unknown) => {
        if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      // A client that leaves stops the work: no further model call or tool runs for no one.
      const left = new AbortController();
      res.on('close', () => {
        if (!res.writableEnded) left.abort();
      });
      try {
        const answer = await commandCenter.message(req.caller, req.body, {
          step: (outcome) => send('step', outcome),
          text: (text) => send('text', { text }),
          signal: left.signal,
        });
        send('reply', answer);
      } catch (error) {
        const problem = toShipgateError(error as Error);
        if (problem.code === 'INTERNAL') req.log.error({ err: error }, 'unhandled error in a command-center stream');
        send('problem', problemOf(problem, String(req.id)));
      } finally {
        res.end();
      }
    },
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
