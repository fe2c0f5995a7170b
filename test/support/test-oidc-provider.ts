import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** A person the test provider knows: their password for the login form, and the claims of their ID token. */
export interface TestAccount {
  sub: string;
  password: string;
  name: string;
  email: string;
  groups: string[];
}

export const CLIENT_ID = 'shipgate';
export const CLIENT_SECRET = 'test-client-secret-0123456789abcdef';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function page(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test IdP sign-in</title></head>' +
      `<body><main>${body}</main></body></html>`,
  );
}

/**
 * A real OpenID Connect provider (`oidc-provider`) on 127.0.0.1 for tests: one confidential client for Shipgate's
 * redirect URI (PKCE required), the given accounts, and a minimal login form (consent is implied for this client).
 */
export class TestOidcProvider {
  private constructor(
    private readonly server: Server,
    readonly issuer: string,
  ) {}

  static async start(options: { redirectUri: string; accounts: TestAccount[] }): Promise<TestOidcProvider> {
    let handle: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
    const server = createServer((req, res) => (handle ? handle(req, res) : res.writeHead(503).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const accounts = new Map(options.accounts.map((a) => [a.sub, a]));

    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [options.redirectUri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test-idp', alg: 'RS256', use: 'sig' }] },
      cookies: { keys: ['test-oidc-provider-cookie-key'] },
      claims: { openid: ['sub'], profile: ['name', 'groups'], email: ['email'] },
      // The claims of the requested scopes go into the ID token itself, where Shipgate reads them.
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      ttl: { Interaction: 600, Grant: 3600, Session: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      findAccount: async (_ctx: unknown, sub: string) => {
        const account = accounts.get(sub);
        if (!account) return undefined;
        return {
          accountId: sub,
          claims: async () => ({ sub, name: account.name, email: account.email, groups: account.groups }),
        };
      },
      // Shipgate is this provider's own first-party client: no consent screen.
      loadExistingGrant: async (ctx: { oidc: { client: { clientId: string }; session: { accountId: string } } }) => {
        const grant = new provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
        grant.addOIDCScope('openid profile email');
        await grant.save();
        return grant;
      },
    });
    const callback = provider.callback();

    handle = (req, res) => {
      const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(req.url ?? '');
      if (!match) return callback(req, res);
      void (async () => {
        const details = await provider.interactionDetails(req, res);
        if (req.method === 'POST' && match[2]) {
          const form = await formOf(req);
          const account = [...accounts.values()].find((a) => a.sub === form.get('login') && a.password === form.get('password'));
          if (!account) return page(res, 401, `<h1>Sign in</h1><p role="alert">Wrong user name or password.</p>`);
          return provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
        }
        return page(
          res,
          200,
          `<h1>Sign in to the test provider</h1>
<form method="post" action="/interaction/${escapeHtml(details.uid)}/login">
  <p><label for="login">User name</label> <input id="login" name="login" autocomplete="username" required></p>
  <p><label for="password">Password</label>
     <input id="password" name="password" type="password" autocomplete="current-password" required></p>
  <p><button type="submit">Sign in</button></p>
</form>`,
        );
      })().catch(() => page(res, 500, '<h1>Interaction failed</h1>'));
    };
    return new TestOidcProvider(server, issuer);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port nobody listens on right now, for a server whose URL must be known before it starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Cookies by origin, as a browser would keep them across redirects (paths and expiry folded: enough for a test). */
export class CookieJar {
  private readonly byOrigin = new Map<string, Map<string, string>>();

  header(url: string): string {
    return [...(this.byOrigin.get(new URL(url).origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(url: string, name: string): string | undefined {
    return this.byOrigin.get(new URL(url).origin)?.get(name);
  }

  store(url: string, response: Response): void {
    const origin = new URL(url).origin;
    const cookies = this.byOrigin.get(origin) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) cookies.delete(name);
      else cookies.set(name, value);
    }
    this.byOrigin.set(origin, cookies);
  }

  /** One request without following redirects, with this jar's cookies for the URL, keeping the ones it sets. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: this.header(url) },
    });
    this.store(url, res);
    return res;
  }
}

/**
 * Signs in at Shipgate through the provider as a browser would without a page: `/auth/login`, the provider's login
 * form, back to `/auth/callback`. Returns the last answer (Shipgate's redirect to `next`).
 */
export async function signInWithoutBrowser(
  jar: CookieJar,
  shipgateUrl: string,
  account: { sub: string; password: string },
  next = '/',
): Promise<Response> {
  let res = await jar.fetch(`${shipgateUrl}/auth/login?next=${encodeURIComponent(next)}`);
  for (let hop = 0; hop < 10; hop++) {
    const location = res.headers.get('location');
    if (!location) throw new Error(`sign-in stopped with ${res.status}`);
    const url = new URL(location, res.url).href;
    if (url.startsWith(`${shipgateUrl}/auth/callback`)) return jar.fetch(url);
    res = await jar.fetch(url);
    if (res.status === 200 && /\/interaction\//.test(url)) {
      res = await jar.fetch(`${url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: account.sub, password: account.password }).toString(),
      });
    }
  }
  throw new Error('sign-in did not come back to Shipgate');
}
