import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/storage/database.tables.js';
import { SESSION_TTL_SECONDS } from '../../src/app/identity.use-cases.js';
import { OpenIdClientProvider } from '../../src/adapters/identity/openid-client-provider.js';
import { DIALECTS } from '../support/dialects.js';
import { CLIENT_ID, CLIENT_SECRET, CookieJar, freePort, signInWithoutBrowser, TestOidcProvider } from '../support/test-oidc-provider.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';

const ALICE = { sub: 'alice', password: 'alice-password', name: 'Alice', email: 'alice@example.com', groups: ['dev', 'platform-admins'] };
const BOB = { sub: 'bob', password: 'bob-password', name: 'Bob', email: 'bob@example.com', groups: ['dev'] };

describe.each(DIALECTS)('OpenID Connect sign-in, sessions and CSRF (%s)', (dialect) => {
  let srv: TestServer;
  let idp: TestOidcProvider;

  beforeAll(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    idp = await TestOidcProvider.start({ redirectUri: `${publicUrl}/auth/callback`, accounts: [ALICE, BOB] });
    srv = await startTestServer({
      dialect,
      port,
      publicUrl,
      rateLimitPerMinute: 1000,
      identity: {
        oidc: new OpenIdClientProvider({
          issuer: idp.issuer,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          name: 'Test IdP',
          scopes: 'openid profile email',
          redirectUri: `${publicUrl}/auth/callback`,
        }),
      },
    });
    const mapped = await srv.api(ADMIN_TOKEN, 'PUT', '/api/v1/role-mappings', [
      { claim: 'groups', value: 'platform-admins', role: 'admin', environments: ['*'] },
    ]);
    expect(mapped.status).toBe(200);
  });
  afterAll(async () => {
    await srv?.close();
    await idp?.close();
  });

  const withCookie = (jar: CookieJar, headers: Record<string, string> = {}) => ({ cookie: jar.header(srv.url), ...headers });

  it('says what the sign-in page offers', async () => {
    expect(await (await fetch(`${srv.url}/auth/config`)).json()).toEqual({ oidc: { name: 'Test IdP' } });
  });

  it('signs in through the provider as <issuer-host>:<sub> with the mapped role, then refuses changes without the CSRF value', async () => {
    const jar = new CookieJar();
    const back = await signInWithoutBrowser(jar, srv.url, ALICE, '/releases?state=applying');
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe('/releases?state=applying');
    const cookie = back.headers.getSetCookie().find((c) => c.startsWith('shipgate_session='));
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);

    const me = await srv.api(null, 'GET', '/api/v1/me', undefined, withCookie(jar));
    expect(me.status).toBe(200);
    expect(me.body.subject).toBe(`${new URL(idp.issuer).host}:alice`);
    expect(me.body.bindings).toEqual([{ role: 'admin', environments: ['*'] }]);
    expect(me.body.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const env = { name: 'oidc-staging', runtime: 'compose', target: { project: 'oidcstg' } };
    for (const headers of [withCookie(jar), withCookie(jar, { 'x-shipgate-csrf': 'guess' })]) {
      const refused = await srv.api(null, 'POST', '/api/v1/environments', env, headers);
      expect([refused.status, refused.body.code]).toEqual([403, 'CSRF_REQUIRED']);
    }
    const created = await srv.api(null, 'POST', '/api/v1/environments', env, withCookie(jar, { 'x-shipgate-csrf': me.body.csrf }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // A bearer token is judged alone: no CSRF value needed, even with a cookie along.
    expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/me', undefined, withCookie(jar))).body.subject).toBe('admin');

    const out = await fetch(`${srv.url}/auth/logout`, { method: 'POST', headers: withCookie(jar) });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().some((c) => /^shipgate_session=;.*Max-Age=0/.test(c))).toBe(true);
    const ended = await srv.api(null, 'GET', '/api/v1/me', undefined, withCookie(jar));
    expect([ended.status, ended.body.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('signs in someone no mapping matches with no roles', async () => {
    const jar = new CookieJar();
    expect((await signInWithoutBrowser(jar, srv.url, BOB)).status).toBe(302);
    const me = await srv.api(null, 'GET', '/api/v1/me', undefined, withCookie(jar));
    expect([me.status, me.body.subject, me.body.bindings]).toEqual([200, `${new URL(idp.issuer).host}:bob`, []]);
    expect((await srv.api(null, 'GET', '/api/v1/role-mappings', undefined, withCookie(jar))).status).toBe(403);
  });

  it('returns only to a same-origin path', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const jar = new CookieJar();
      expect((await signInWithoutBrowser(jar, srv.url, BOB, next)).headers.get('location'), next).toBe('/');
    }
  });

  it('refuses a callback in another browser, a replayed one and a forged state', async () => {
    const jar = new CookieJar();
    let callbackUrl = '';
    const original = jar.fetch.bind(jar);
    jar.fetch = async (url, init) => {
      if (url.startsWith(`${srv.url}/auth/callback`)) {
        callbackUrl = url;
        return new Response(null, { status: 204 });
      }
      return original(url, init);
    };
    await signInWithoutBrowser(jar, srv.url, ALICE);
    expect(callbackUrl).toContain('code=');
    const elsewhere = await fetch(callbackUrl, { redirect: 'manual' });
    expect(elsewhere.status).toBe(401);
    expect(await elsewhere.text()).not.toContain(new URL(callbackUrl).searchParams.get('code'));
    const forged = callbackUrl.replace(/state=[^&]+/, 'state=forged');
    expect((await original(forged)).status).toBe(401);
    // The sign-in was spent by the forged attempt: the genuine answer no longer opens a session either.
    expect((await original(callbackUrl)).status).toBe(401);
    const code = new URL(callbackUrl).searchParams.get('code') ?? '';
    const state = new URL(callbackUrl).searchParams.get('state') ?? '';
    for (const line of srv.logs) {
      expect(line).not.toContain(code);
      expect(line).not.toContain(state);
    }
  });

  it('sends a browser whose sign-in failed to the sign-in page with the reason, and a program the problem', async () => {
    const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    const started = async () => {
      const jar = new CookieJar();
      const login = await jar.fetch(`${srv.url}/auth/login`);
      const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
      return { jar, state };
    };
    // The provider declined (the user cancelled at the provider): the state is ours, the answer an error.
    for (const error of ['access_denied', 'login_required', 'server_error']) {
      const { jar, state } = await started();
      const back = await jar.fetch(`${srv.url}/auth/callback?error=${error}&state=${state}`, { headers: html });
      expect([back.status, back.headers.get('location')], error).toEqual([302, '/sign-in?failed=provider_declined']);
      expect(back.headers.getSetCookie().some((c) => /^shipgate_session=[^;]/.test(c))).toBe(false);
    }
    const { jar, state } = await started();
    const program = await jar.fetch(`${srv.url}/auth/callback?error=access_denied&state=${state}`);
    expect(program.status).toBe(401);
    expect(await program.json()).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'provider_declined' });

    // Not started in this browser, a forged state, a made-up code: each lands on the page with its reason, nothing echoed.
    const hostile = [
      { url: `/auth/callback?code=abc&state=${state}`, jar: new CookieJar(), reason: 'sign_in_expired' },
      { url: '/auth/callback?code=abc&state=forged', jar: (await started()).jar, reason: 'sign_in_expired' },
      { url: '/auth/callback', jar: (await started()).jar, reason: 'sign_in_expired' },
    ];
    const fresh = await started();
    hostile.push({ url: `/auth/callback?code=made-up&state=${fresh.state}`, jar: fresh.jar, reason: 'provider_unconfirmed' });
    for (const { url, jar: browser, reason } of hostile) {
      const back = await browser.fetch(`${srv.url}${url}`, { headers: html });
      expect([back.status, back.headers.get('location')], url).toEqual([302, `/sign-in?failed=${reason}`]);
    }
    // A JSON client with the same failure keeps its RFC 9457 problem.
    const json = await fetch(`${srv.url}/auth/callback?code=abc&state=x`, { redirect: 'manual', headers: { accept: 'application/json' } });
    expect([json.status, (await json.json()).reason]).toEqual([401, 'sign_in_expired']);
  });

  it('removes ended and expired sessions as new ones open, keeping the live ones', async () => {
    const db = (srv.store as unknown as { db: Kysely<Database> }).db;
    const rows = async () => (await db.selectFrom('sessions').select(['subject', 'ended_at']).execute()).length;
    const [signedOut, live] = [new CookieJar(), new CookieJar()];
    await signInWithoutBrowser(signedOut, srv.url, ALICE);
    await signInWithoutBrowser(live, srv.url, BOB);
    expect((await fetch(`${srv.url}/auth/logout`, { method: 'POST', headers: withCookie(signedOut) })).status).toBe(204);
    const before = await rows();
    await signInWithoutBrowser(new CookieJar(), srv.url, BOB);
    // The signed-out session (and any ended earlier in this file) went; the new one came; the live one stayed.
    expect(await rows()).toBeLessThanOrEqual(before);
    expect(await db.selectFrom('sessions').select('id').where('ended_at', 'is not', null).execute()).toEqual([]);
    expect((await srv.api(null, 'GET', '/api/v1/me', undefined, withCookie(live))).status).toBe(200);

    srv.clock.advance((SESSION_TTL_SECONDS + 60) * 1000);
    expect((await srv.api(null, 'GET', '/api/v1/me', undefined, withCookie(live))).status, 'expired').toBe(401);
    const fresh = new CookieJar();
    await signInWithoutBrowser(fresh, srv.url, ALICE);
    expect(await rows(), 'only the new session is left').toBe(1);
    expect((await srv.api(null, 'GET', '/api/v1/me', undefined, withCookie(fresh))).status).toBe(200);
  });

  it('answers a server without OpenID Connect with no provider, and 404 on /auth/login', async () => {
    const plain = await startTestServer({ dialect });
    try {
      expect(await (await fetch(`${plain.url}/auth/config`)).json()).toEqual({ oidc: null });
      const res = await fetch(`${plain.url}/auth/login`, { redirect: 'manual' });
      expect(res.status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
