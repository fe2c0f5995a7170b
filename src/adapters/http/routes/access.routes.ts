import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Shipgate } from '../../../app/shipgate.js';
import { IdParams, problems } from '../common.schemas.js';
import { CreateTokenBody, CreatedToken, Me, RoleMappingList, RoleMappingsBody, TokenList } from './access.schemas.js';

/** `/tokens`, `/role-mappings` and `/me`. */
export async function accessRoutes(app: FastifyInstance, { shipgate }: { shipgate: Shipgate }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
    '/tokens',
    {
      schema: {
        tags: ['access'],
        summary: 'Issue a token (admin); shown once',
        body: CreateTokenBody,
        response: { 201: CreatedToken, ...problems(400, 401, 403) },
      },
    },
    async (req, reply) => reply.code(201).send(await shipgate.access.createToken(req.caller, req.body)),
  );

  api.get(
    '/tokens',
    {
      schema: {
        tags: ['access'],
        summary: 'List tokens without their secrets (admin)',
        response: { 200: TokenList, ...problems(401, 403) },
      },
    },
    async (req) => ({ items: await shipgate.access.listTokens(req.caller) }),
  );

  api.delete(
    '/tokens/:id',
    {
      schema: {
        tags: ['access'],
        summary: 'Revoke a token (admin)',
        params: IdParams,
        response: { 204: { type: 'null', description: 'Revoked' }, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      await shipgate.access.revokeToken(req.caller, req.params.id);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/me',
    {
      schema: { tags: ['access'], summary: 'Who the token belongs to and what it may do', response: { 200: Me, ...problems(401) } },
    },
    async (req) => ({ ...shipgate.access.me(req.caller), ...(req.credential.csrf !== undefined ? { csrf: req.credential.csrf } : {}) }),
  );

  api.get(
    '/role-mappings',
    {
      schema: {
        tags: ['access'],
        summary: 'The claim → role mappings of OpenID Connect sign-in and CI workload tokens, in order (admin)',
        response: { 200: RoleMappingList, ...problems(401, 403) },
      },
    },
    async (req) => ({ items: await shipgate.identity.listRoleMappings(req.caller) }),
  );

  api.put(
    '/role-mappings',
    {
      schema: {
        tags: ['access'],
        summary: 'Replace every claim → role mapping (admin); sessions and CI tokens are judged by them at their next request',
        body: RoleMappingsBody,
        response: { 200: RoleMappingList, ...problems(400, 401, 403) },
      },
    },
    async (req) => ({
      items: await shipgate.identity.replaceRoleMappings(
        req.caller,
        req.body.map((m) => ({ ...m, issuer: m.issuer ?? null })),
      ),
    }),
  );
}
