import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { GatehouseError } from '../../../engine/model/index.ts';

/**
 * Client side of SCRAM-SHA-256 (RFC 5802 / RFC 7677) as PostgreSQL uses it: the user name is
 * taken from the startup packet, so the SCRAM `n=` attribute is empty, and no channel binding.
 */
export class ScramError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_PG_UPSTREAM_AUTH', message);
    this.name = 'ScramError';
  }
}

export interface ScramClientOptions {
  /** Defaults to 18 random bytes in base64; fixed only to replay a known exchange (RFC 7677). */
  clientNonce?: string;
  /** The SCRAM `n=` attribute; PostgreSQL ignores it (the startup packet names the user). */
  user?: string;
}

export class ScramClient {
  private readonly clientNonce: string;
  private readonly user: string;
  private clientFirstBare = '';
  private serverSignature: Buffer | undefined;

  constructor(
    private readonly password: string,
    options: ScramClientOptions = {},
  ) {
    this.clientNonce = options.clientNonce ?? randomBytes(18).toString('base64');
    this.user = options.user ?? '';
    // The nonce and user go into the message verbatim: a comma would split an attribute.
    if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(this.clientNonce)) throw new ScramError('SCRAM client nonce must be printable ASCII without commas');
    if (/[,=]/.test(this.user)) throw new ScramError('SCRAM user name must not contain "," or "="');
  }

  firstMessage(): string {
    this.clientFirstBare = `n=${this.user},r=${this.clientNonce}`;
    return `n,,${this.clientFirstBare}`;
  }

  /** Answers the server-first-message with the client-final-message. */
  finalMessage(serverFirst: string): string {
    const attrs = parseAttributes(serverFirst);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (!nonce || !salt || !Number.isInteger(iterations) || iterations < 1) {
      throw new ScramError('upstream SCRAM: malformed server-first-message');
    }
    if (!nonce.startsWith(this.clientNonce)) throw new ScramError('upstream SCRAM: server nonce does not extend ours');
    const saltedPassword = pbkdf2Sync(this.password.normalize('NFKC'), Buffer.from(salt, 'base64'), iterations, 32, 'sha256');
    const clientKey = hmac(saltedPassword, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const clientSignature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i] ^ clientSignature[i];
    this.serverSignature = hmac(hmac(saltedPassword, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** Checks the server-final-message proves the server knows the password too. */
  verifyFinal(serverFinal: string): void {
    const attrs = parseAttributes(serverFinal);
    if (attrs.has('e')) throw new ScramError(`upstream SCRAM: server refused: ${attrs.get('e')}`);
    const verifier = Buffer.from(attrs.get('v') ?? '', 'base64');
    if (!this.serverSignature || verifier.length !== this.serverSignature.length || !timingSafeEqual(verifier, this.serverSignature)) {
      throw new ScramError('upstream SCRAM: server signature does not verify');
    }
  }
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function parseAttributes(message: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) attrs.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return attrs;
}
