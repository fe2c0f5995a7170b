import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Shipgate } from '../../../app/shipgate.js';
import type { TimelineEvent as TimelineEventRecord } from '../../../core/audit/timeline-event.js';
import { problems } from '../common.schemas.js';
import { AuditCheckpoint, AuditExportQuery, AuditVerification, AuditVerifyBody } from './audit.schemas.js';
import { TimelineEvent } from './releases.schemas.js';

const tags = ['audit'];

// The document shows one line's schema; the handler sends a stream of such lines, not one typed object.
const NdjsonOfEvents = {
  description: 'TimelineEvents, one per line, in seq order',
  content: { 'application/x-ndjson': { schema: Type.Unsafe<unknown>(TimelineEvent) } },
};

/** One event per line, pulled from `events` as the client reads (never the whole trail in memory). */
async function* ndjson(events: AsyncIterable<TimelineEventRecord>): AsyncGenerator<string> {
  for await (const event of events) yield `${JSON.stringify(event)}\n`;
}

/** `/audit/verify`, `/audit/checkpoint` and `/audit/export` (admin on every environment). */
export async function auditRoutes(app: FastifyInstance, { shipgate }: { shipgate: Shipgate }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/audit/verify',
    {
      schema: {
        tags,
        summary: 'Check the keyed hash chain of the timeline (admin)',
        response: { 200: AuditVerification, ...problems(401, 403) },
      },
    },
    async (req) => shipgate.audit.verify(req.caller),
  );

  api.post(
    '/audit/verify',
    {
      schema: {
        tags,
        summary: 'Check the chain, and that it still reaches a checkpoint (admin)',
        description:
          "A checkpoint not signed by this server's audit key (forged, altered or another key's) is a 400 VALIDATION_FAILED. " +
          'A chain that ends before the checkpoint is TRUNCATED; one whose event at the checkpoint differs, or that fails a link or HMAC ' +
          'up to the head, is TAMPERED.',
        body: AuditVerifyBody,
        response: { 200: AuditVerification, ...problems(400, 401, 403) },
      },
    },
    async (req) => shipgate.audit.verify(req.caller, req.body?.checkpoint),
  );

  api.get(
    '/audit/checkpoint',
    {
      schema: {
        tags,
        summary: 'The head of the chain, signed with Ed25519 (admin); keep it outside the database',
        response: { 200: AuditCheckpoint, ...problems(401, 403) },
      },
    },
    async (req) => shipgate.audit.checkpoint(req.caller),
  );

  api.get(
    '/audit/export',
    {
      schema: {
        tags,
        summary: 'The timeline as NDJSON, one TimelineEvent per line in seq order (admin)',
        querystring: AuditExportQuery,
        response: { 200: NdjsonOfEvents, ...problems(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const events = shipgate.audit.export(req.caller, req.query.after ?? 0);
      return reply.type('application/x-ndjson').send(Readable.from(ndjson(events)));
    },
  );
}
