import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JoseWorkloadVerifier } from '../../src/adapters/identity/jose-workload-verifier.js';
import { DIALECTS } from '../support/dialects.js';
import { TestIssuer } from '../support/test-jwks.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';

const AUDIENCE = 'shipgate.example.com';
const CI_CLAIMS = { sub: 'repo:acme/shop:ref:refs/heads/main', aud: AUDIENCE, repository: 'acme/shop', ref: 'refs/heads/main' };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(DIALECTS)('identity: role mappings and CI workload tokens (%s)', (dialect) => {
  let srv: TestServer;
  let ci: TestIssuer;
  let untrusted: TestIssuer;

  beforeAll(async () => {
    ci = await TestIssuer.start();
    untrusted = await TestIssuer.start();
    srv = await startTestServer({
      dialect,
      identity: { workload: new JoseWorkloadVerifier([{ issuer: ci.issuer, audience: AUDIENCE }], { refetchCooldownMs: 0 }) },
    });
  });
  afterAll(async () => {
    await srv?.close();
    await ci?.close();
    await untrusted?.close();
  });

  it('lets only an admin of every environment read and replace the mappings, and validates them', async () => {
    const staged = await srv.tokenFor('stg-admin', 'admin', ['staging']);
    expect((await srv.api(staged, 'GET', '/api/v1/role-mappings')).status).toBe(403);
    const refused = await srv.api(staged, 'PUT', '/api/v1/role-mappings', []);
    expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
    expect((await srv.api(null, 'GET', '/api/v1/role-mappings')).status).toBe(401);

    const valid = { claim: 'groups', value: 'ops', role: 'viewer', environments: ['*'] };
    for (const bad of [
      { ...valid, role: 'root' },
      { ...valid, environments: ['Prod!'] },
      { ...valid, environments: [] },
      { ...valid, claim: 'gr oups' },
      { ...valid, value: '' },
      { ...valid, issuer: 'ftp://x' },
      { ...valid, extra: true },
    ]) {
      const res = await srv.api(ADMIN_TOKEN, 'PUT', '/api/v1/role-mappings', [bad]);
      expect([res.status, res.body.code], JSON.stringify(bad)).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await srv.api(ADMIN_TOKEN, 'PUT', '/api/v1/role-mappings', { claim: 'x' })).status).toBe(400);

    const put = await srv.api(ADMIN_TOKEN, 'PUT', '/api/v1/role-mappings', [valid]);
    expect(put.status).toBe(200);
    expect(put.body.items).toEqual([{ issuer: null, ...valid }]);
    expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/role-mappings')).body.items).toEqual([{ issuer: null, ...valid }]);
  });

  it('accepts a CI job token of a trusted issuer, with the roles its issuer-scoped mappings grant', async () => {
    const mappings = [
      { claim: 'groups', value: 'ops', role: 'admin', environments: ['*'] },
      { issuer: ci.issuer, claim: 'repository', value: 'acme/shop', role: 'deployer', environments: ['staging'] },
      { issuer: ci.issuer, claim: 'ref', value: 'refs/heads/release', role: 'deployer', environments: ['production'] },
    ];
    expect((await srv.api(ADMIN_TOKEN, 'PUT', '/api/v1/role-mappings', mappings)).status).toBe(200);

    const me = await srv.api(await ci.sign({ ...CI_CLAIMS, groups: ['ops'] }), 'GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.subject).toBe(`${new URL(ci.issuer).host}:${CI_CLAIMS.sub}`);
    // The unscoped `groups` mapping is for people signing in, never for a CI system's claims.
    expect(me.body.bindings).toEqual([{ role: 'deployer', environments: ['staging'] }]);
    expect(me.body.csrf).toBeUndefined();

    const other = await srv.api(await ci.sign({ ...CI_CLAIMS, sub: 'repo:acme/other', repository: 'acme/other' }), 'GET', '/api/v1/me');
    expect([other.status, other.body.bindings]).toEqual([200, []]);
    expect((await srv.api(await ci.sign({ ...CI_CLAIMS, repository: 'acme/other' }), 'GET', '/api/v1/role-mappings')).status).toBe(403);
  });

  it('follows a key rotation of the issuer', async () => {
    const fetches = ci.jwksFetches;
    expect((await srv.api(await ci.sign(CI_CLAIMS), 'GET', '/api/v1/me')).status).toBe(200);
    expect(ci.jwksFetches, 'the key set is cached').toBe(fetches);
    await ci.rotate();
    expect((await srv.api(await ci.sign(CI_CLAIMS), 'GET', '/api/v1/me')).status).toBe(200);
    expect(ci.jwksFetches).toBe(fetches + 1);
  });

  it('refuses an expired, misaddressed, forged, unsigned or tampered JWT as a bad token, without echoing it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = await ci.sign(CI_CLAIMS);
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), repository: 'acme/admin' };
    const tampered = `${header}.${b64(claims)}.${signature}`;
    const hsHeader = b64({ alg: 'HS256', typ: 'JWT', kid: ci.publicJwk['kid'] });
    const hsPayload = b64({ iss: ci.issuer, iat: now, exp: now + 300, ...CI_CLAIMS });
    const hsSignature = createHmac('sha256', JSON.stringify(ci.publicJwk)).update(`${hsHeader}.${hsPayload}`).digest('base64url');
    const refused: Record<string, string> = {
      expired: await ci.sign({ ...CI_CLAIMS, iat: now - 3600, exp: now - 600 }),
      'wrong audience': await ci.sign({ ...CI_CLAIMS, aud: 'someone-else' }),
      'wrong issuer': await ci.sign({ ...CI_CLAIMS, iss: 'https://token.actions.githubusercontent.com' }),
      'untrusted issuer': await untrusted.sign(CI_CLAIMS),
      unsigned: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: ci.issuer, iat: now, exp: now + 300, ...CI_CLAIMS })}.`,
      'HS256 with the public key as secret': `${hsHeader}.${hsPayload}.${hsSignature}`,
      tampered,
      'no subject': await ci.sign({ ...CI_CLAIMS, sub: undefined }),
    };
    for (const [what, jwt] of Object.entries(refused)) {
      const res = await srv.api(jwt, 'GET', '/api/v1/me');
      expect([res.status, res.body.code], what).toEqual([401, 'UNAUTHENTICATED']);
      expect(JSON.stringify(res.body), what).not.toContain(jwt.split('.')[2] || jwt.split('.')[1]);
    }
    for (const line of srv.logs) expect(line).not.toContain(signature);
  });

  it('keeps opaque tokens working as before', async () => {
    const me = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/me');
    expect([me.status, me.body.subject]).toEqual([200, 'admin']);
    const token = await srv.tokenFor('dana', 'viewer', ['staging']);
    expect((await srv.api(token, 'GET', '/api/v1/me')).body.bindings).toEqual([{ role: 'viewer', environments: ['staging'] }]);
    expect((await srv.api('sgt_unknown', 'GET', '/api/v1/me')).status).toBe(401);
  });
});

describe('identity: a failed JWT counts toward the failed-authentication limit', () => {
  it('refuses an address after its budget of bad JWTs', async () => {
    const ci = await TestIssuer.start();
    const srv = await startTestServer({
      dialect: 'sqlite',
      rateLimitPerMinute: 1000,
      authFailuresPerMinute: 2,
      identity: { workload: new JoseWorkloadVerifier([{ issuer: ci.issuer, audience: AUDIENCE }]) },
    });
    try {
      const expired = await ci.sign({ ...CI_CLAIMS, exp: Math.floor(Date.now() / 1000) - 600 });
      expect((await srv.api(expired, 'GET', '/api/v1/me')).status).toBe(401);
      expect((await srv.api(expired, 'GET', '/api/v1/me')).status).toBe(401);
      const limited = await srv.api(await ci.sign(CI_CLAIMS), 'GET', '/api/v1/me');
      expect([limited.status, limited.body.code]).toEqual([429, 'RATE_LIMITED']);
    } finally {
      await srv.close();
      await ci.close();
    }
  });
});
