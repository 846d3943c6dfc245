import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * A real OIDC issuer for tests: discovery and a JWKS served over HTTP on 127.0.0.1, with
 * RSA and EC keys that sign real tokens. `rotate()` adds a key the verifier has not seen.
 */
export class OidcTestIssuer {
  readonly audience = 'gatehouse';
  private readonly keys: { kid: string; alg: string; privateKey: CryptoKey; publicJwk: JWK }[] = [];
  jwksRequests = 0;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
  ) {}

  static async start(): Promise<OidcTestIssuer> {
    let self: OidcTestIssuer | undefined;
    const server = createServer((req, res) => {
      if (!self) return res.writeHead(503).end();
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ issuer: self.issuer, jwks_uri: `${self.issuer}/jwks` }));
      }
      if (req.url === '/jwks') {
        self.jwksRequests++;
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(self.jwks()));
      }
      return res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new OidcTestIssuer(server, `http://127.0.0.1:${port}`);
    await self.addKey('RS256');
    await self.addKey('ES256');
    return self;
  }

  async addKey(alg: 'RS256' | 'ES256' | 'PS256' | 'EdDSA'): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `${alg.toLowerCase()}-${this.keys.length + 1}`;
    this.keys.push({ kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } });
    return kid;
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  publicJwk(kid: string): JWK {
    return this.keys.find((k) => k.kid === kid)!.publicJwk;
  }

  /** A valid ID token for `sub`, signed with the first key (or `kid`), overridable claims. */
  async token(sub: string, options: { groups?: string[]; claims?: JWTPayload; kid?: string; ttlSeconds?: number } = {}): Promise<string> {
    const key = options.kid ? this.keys.find((k) => k.kid === options.kid)! : this.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: this.issuer,
      aud: this.audience,
      sub,
      iat: now,
      nbf: now,
      exp: now + (options.ttlSeconds ?? 300),
      groups: options.groups ?? [],
      ...options.claims,
    };
    return new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
