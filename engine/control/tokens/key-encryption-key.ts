import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GatehouseError } from '../../model/index.ts';

export class KeyEncryptionError extends GatehouseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GATEHOUSE_KEK', message, options);
    this.name = 'KeyEncryptionError';
  }
}

const ENVELOPE_VERSION = 'gh1';

/**
 * The key-encryption key (KEK) that protects signing keys at rest: AES-256-GCM, a fresh
 * 96-bit nonce per envelope, and the key id as additional data so an envelope cannot be
 * moved to another key record. Envelope: `gh1.<nonce>.<ciphertext>.<tag>` (base64url).
 */
export class KeyEncryptionKey {
  private constructor(
    private readonly key: Buffer,
    /** Where it came from, for logs (never the key). */
    readonly origin: string,
  ) {}

  /** 32 bytes given as 64 hex characters or base64/base64url (a file may hold raw bytes). */
  static fromText(text: string, origin: string): KeyEncryptionKey {
    const trimmed = text.trim();
    let key: Buffer | undefined;
    if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
    else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) key = Buffer.from(trimmed, 'base64');
    if (!key || key.length !== 32) {
      throw new KeyEncryptionError(`key-encryption key from ${origin} must be 32 bytes (64 hex characters or base64)`);
    }
    return new KeyEncryptionKey(key, origin);
  }

  static async fromFile(path: string): Promise<KeyEncryptionKey> {
    let content: Buffer;
    try {
      content = await readFile(path);
    } catch (error) {
      throw new KeyEncryptionError(`cannot read key-encryption key file ${path}: ${(error as Error).message}`, { cause: error });
    }
    if (content.length === 32) return new KeyEncryptionKey(content, `file ${path}`);
    return KeyEncryptionKey.fromText(content.toString('utf8'), `file ${path}`);
  }

  /** A key that exists only in this process: what the memory state store uses when none is given. */
  static ephemeral(): KeyEncryptionKey {
    return new KeyEncryptionKey(randomBytes(32), 'ephemeral (process memory)');
  }

  /**
   * A 32-byte key for another purpose (HKDF-SHA256 with `label` as info), so one configured
   * secret serves several uses without any of them learning the KEK itself. Replicas sharing
   * the KEK derive the same key.
   */
  derive(label: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), label, 32));
  }

  /** `--kek-file` wins over `GATEHOUSE_KEK`; undefined when neither is set. */
  static async fromConfig(options: { file?: string; env?: NodeJS.ProcessEnv }): Promise<KeyEncryptionKey | undefined> {
    if (options.file) return KeyEncryptionKey.fromFile(options.file);
    const value = (options.env ?? process.env).GATEHOUSE_KEK;
    return value ? KeyEncryptionKey.fromText(value, 'GATEHOUSE_KEK') : undefined;
  }

  seal(plaintext: Buffer, associatedData: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return [ENVELOPE_VERSION, nonce, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(envelope: string, associatedData: string): Buffer {
    const parts = envelope.split('.');
    if (parts.length !== 4 || parts[0] !== ENVELOPE_VERSION) throw new KeyEncryptionError('signing key envelope is malformed');
    const [nonce, ciphertext, tag] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'));
    // GCM would otherwise accept a truncated tag (down to 4 bytes), making a forged record cheap.
    if (nonce!.length !== 12 || tag!.length !== 16) throw new KeyEncryptionError('signing key envelope is malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, nonce!, { authTagLength: 16 });
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(tag!);
      return Buffer.concat([decipher.update(ciphertext!), decipher.final()]);
    } catch (error) {
      throw new KeyEncryptionError(
        `cannot decrypt signing key ${associatedData}: wrong key-encryption key (${this.origin}) or tampered record`,
        { cause: error },
      );
    }
  }
}
