import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Shipgate } from '../../../app/shipgate.js';
import { NameParams, problems } from '../common.schemas.js';
import {
  CreateEnvironmentBody,
  DriftList,
  Environment,
  EnvironmentList,
  PatchEnvironmentBody,
  RuntimeList,
} from './environments.schemas.js';

const tags = ['environments'];

/** `/environments`: targets and their governance policy (admin to change), and the drift of what runs there. */
export async function environmentsRoutes(app: FastifyInstance, { shipgate }: { shipgate: Shipgate }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
    '/environments',
    {
      schema: {
        tags,
        summary: 'Create an environment (admin)',
        body: CreateEnvironmentBody,
        response: { 201: Environment, ...problems(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await shipgate.environments.create(req.caller, { ...req.body, target: req.body.target })),
  );

  api.get(
    '/runtimes',
    {
      schema: {
        tags,
        summary: 'The runtimes this server drives, and whether each answers now',
        response: { 200: RuntimeList, ...problems(401) },
      },
    },
    async () => shipgate.environments.runtimes(),
  );

  api.get(
    '/environments',
    {
      schema: { tags, summary: 'Environments the caller may read', response: { 200: EnvironmentList, ...problems(401) } },
    },
    async (req) => shipgate.environments.list(req.caller),
  );

  api.get(
    '/environments/:name',
    {
      schema: { tags, summary: 'One environment', params: NameParams, response: { 200: Environment, ...problems(400, 401, 403, 404) } },
    },
    async (req) => shipgate.environments.get(req.caller, req.params.name),
  );

  api.patch(
    '/environments/:name',
    {
      schema: {
        tags,
        summary: 'Change an environment (admin)',
        params: NameParams,
        body: PatchEnvironmentBody,
        response: { 200: Environment, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => shipgate.environments.update(req.caller, req.params.name, { ...req.body, target: req.body.target }),
  );

  api.get(
    '/environments/:name/drift',
    {
      schema: {
        tags,
        summary: 'Drift: what runs, compared with the last succeeded release of each application',
        description:
          'The last stored check of each application; an application not checked against its last succeeded release yet ' +
          'is checked now. Checked in the background every SHIPGATE_DRIFT_INTERVAL_SECONDS, and by POST …/drift/check.',
        params: NameParams,
        response: { 200: DriftList, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => shipgate.drift.list(req.caller, req.params.name),
  );

  api.post(
    '/environments/:name/drift/check',
    {
      schema: {
        tags,
        summary: 'Check for drift now (deployment:write)',
        description: 'Compares what runs with the last succeeded release of each application now, and answers as GET …/drift.',
        params: NameParams,
        response: { 200: DriftList, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => shipgate.drift.check(req.caller, req.params.name),
  );
}
