import { createHash, createHmac } from 'node:crypto';
import { stringOperand, type HostBuiltin } from './rego-value.ts';

/** OPA's crypto.* digests and HMACs: hex of the digest of the string's UTF-8 bytes. */

function digest(algorithm: string): HostBuiltin {
  return (args) => createHash(algorithm).update(stringOperand(args, 1), 'utf8').digest('hex');
}

function hmac(algorithm: string): HostBuiltin {
  return (args) => {
    const message = stringOperand(args, 1);
    const key = stringOperand(args, 2);
    return createHmac(algorithm, Buffer.from(key, 'utf8')).update(message, 'utf8').digest('hex');
  };
}

export const cryptoBuiltins: Record<string, HostBuiltin> = {
  'crypto.md5': digest('md5'),
  'crypto.sha1': digest('sha1'),
  'crypto.sha256': digest('sha256'),
  'crypto.hmac.md5': hmac('md5'),
  'crypto.hmac.sha1': hmac('sha1'),
  'crypto.hmac.sha256': hmac('sha256'),
  'crypto.hmac.sha512': hmac('sha512'),
};
