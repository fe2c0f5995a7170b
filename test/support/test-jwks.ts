import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/**
 * A CI system's token issuer for tests: serves its discovery document and JWKS on 127.0.0.1, and signs JWTs with its
 * RS256 key (`rotate()` switches to a new key, published at once).
 */
export class TestIssuer {
  private keys: Array<{ kid: string; privateKey: CryptoKey; publicJwk: Record<string, unknown> }> = [];
  /** How many times the JWKS was fetched. */
  jwksFetches = 0;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
  ) {}

  static async start(): Promise<TestIssuer> {
    let self: TestIssuer | null = null;
    const server = createServer((req, res) => {
      if (!self) return void res.writeHead(503).end();
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ issuer: self.issuer, jwks_uri: `${self.issuer}/jwks` }));
      }
      if (req.url === '/jwks') {
        self.jwksFetches += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ keys: self.keys.map((k) => k.publicJwk) }));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new TestIssuer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await self.rotate();
    return self;
  }

  /** A new signing key; the old one stays published until the next rotation. */
  async rotate(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `k${this.keys.length + 1}`;
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    this.keys = [{ kid, privateKey, publicJwk }, ...this.keys.slice(0, 1)];
  }

  /** The current public key as a JWK (for forging HS256 tokens with it as the secret). */
  get publicJwk(): Record<string, unknown> {
    return this.keys[0]!.publicJwk;
  }

  /** A JWT signed with the current key: `iss` this issuer, `exp` in 5 minutes, unless `claims` say otherwise. */
  async sign(claims: JWTPayload): Promise<string> {
    const key = this.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: this.issuer, iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
