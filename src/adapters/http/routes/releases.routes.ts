import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Shipgate } from '../../../app/shipgate.js';
import { IdParams, problems } from '../common.schemas.js';
import {
  ApplyBody,
  CreateReleaseBody,
  DiagnosticsResponse,
  EditReleaseBody,
  ListReleasesQuery,
  PreviewResponse,
  Release,
  ReleaseList,
  PromoteBody,
  RollbackBody,
  SubmitBody,
  TimelinePage,
  TimelineQuery,
} from './releases.schemas.js';
import { ReleaseStreams } from '../release-stream.js';

const tags = ['releases'];

/** `/releases`: the lifecycle of a release, each handler one use case. */
export async function releasesRoutes(
  app: FastifyInstance,
  { shipgate, streams = new ReleaseStreams(shipgate) }: { shipgate: Shipgate; streams?: ReleaseStreams },
): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const releases = shipgate.releases;

  api.post(
    '/releases',
    {
      schema: {
        tags,
        summary: 'Draft a release',
        body: CreateReleaseBody,
        response: { 201: Release, ...problems(400, 401, 403, 404, 413) },
      },
    },
    async (req, reply) => reply.code(201).send(await releases.create(req.caller, req.body)),
  );

  api.get(
    '/releases',
    {
      schema: {
        tags,
        summary: 'List releases the caller may read, newest first',
        querystring: ListReleasesQuery,
        response: { 200: ReleaseList, ...problems(400, 401) },
      },
    },
    async (req) => releases.list(req.caller, req.query),
  );

  api.get(
    '/releases/:id',
    {
      schema: {
        tags,
        summary: 'A release with its normalized lifecycle',
        params: IdParams,
        response: { 200: Release, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => releases.get(req.caller, req.params.id),
  );

  api.patch(
    '/releases/:id',
    {
      schema: {
        tags,
        summary: 'Edit a draft (voids earlier previews and approvals)',
        params: IdParams,
        body: EditReleaseBody,
        response: { 200: Release, ...problems(400, 401, 403, 404, 409, 413) },
      },
    },
    async (req) => releases.edit(req.caller, req.params.id, req.body),
  );

  api.post(
    '/releases/:id/preview',
    {
      schema: {
        tags,
        summary:
          'Preview the changes against what runs now and judge them by the runtime policy (also in pending_approval and approved, ' +
          'keeping the approval)',
        params: IdParams,
        response: { 201: PreviewResponse, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (req, reply) => reply.code(201).send({ preview: await releases.preview(req.caller, req.params.id) }),
  );

  api.post(
    '/releases/:id/submit',
    {
      schema: {
        tags,
        summary: 'Submit for approval (or mark approved where none is required)',
        params: IdParams,
        body: SubmitBody,
        response: { 200: Release, ...problems(400, 401, 403, 404, 409, 422, 428, 503) },
      },
    },
    async (req) => releases.submit(req.caller, req.params.id, req.body ?? {}),
  );

  api.post(
    '/releases/:id/apply',
    {
      schema: {
        tags,
        summary: 'Apply (checks permission, preview token, approval, state, runtime policy, freeze windows)',
        params: IdParams,
        body: ApplyBody,
        response: { 202: Release, ...problems(400, 401, 403, 404, 409, 422, 428, 503) },
      },
    },
    async (req, reply) => reply.code(202).send(await releases.apply(req.caller, req.params.id, req.body ?? {})),
  );

  api.post(
    '/releases/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a release that is not applying yet',
        params: IdParams,
        response: { 200: Release, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => releases.cancel(req.caller, req.params.id),
  );

  api.post(
    '/releases/:id/rollback',
    {
      schema: {
        tags,
        summary: 'Draft a rollback release restoring an earlier succeeded release',
        params: IdParams,
        body: RollbackBody,
        response: { 201: Release, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await releases.rollback(req.caller, req.params.id, req.body ?? {})),
  );

  api.post(
    '/releases/:id/promote',
    {
      schema: {
        tags,
        summary: 'Draft, in another environment, the promotion of a succeeded release (images pinned to what ran)',
        params: IdParams,
        body: PromoteBody,
        response: { 201: Release, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await releases.promote(req.caller, req.params.id, req.body)),
  );

  api.get(
    '/releases/:id/timeline',
    {
      schema: {
        tags,
        summary: 'The release timeline, oldest first',
        params: IdParams,
        querystring: TimelineQuery,
        response: { 200: TimelinePage, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => releases.timeline(req.caller, req.params.id, req.query),
  );

  api.get(
    '/releases/:id/diagnostics',
    {
      schema: {
        tags,
        summary: 'Runtime-aware diagnostics (secrets masked)',
        params: IdParams,
        response: { 200: DiagnosticsResponse, ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (req) => releases.diagnostics(req.caller, req.params.id),
  );

  api.get(
    '/releases/:id/stream',
    {
      schema: {
        tags,
        summary: 'Server-Sent Events: each new timeline event (event: timeline), then the release (event: release)',
        description:
          'The stream ends with `event: end`, data `{ reason, reconnect }`: after the release reached a terminal state ' +
          '(`terminal`), after the maximum lifetime (`max_lifetime`, reconnect with Last-Event-ID), or once the token is ' +
          'revoked or expired or the permission is lost. Past the open-stream caps (per token, per server): 429 RATE_LIMITED.',
        params: IdParams,
        produces: ['text/event-stream'],
        response: { 200: { description: 'text/event-stream', type: 'string' }, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => streams.open(req, reply, req.params.id),
  );
}
