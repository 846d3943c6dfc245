import { parseExactJson } from '../exact-json.ts';
import { BuiltinError, stringOperand, type HostBuiltin, type RegoValue } from './rego-value.ts';

/** OPA's io.jwt.decode (v1/topdown/tokens.go): [header, payload, signature hex], no verification. */

/** Go's base64.URLEncoding after OPA's padding repair: strict alphabet and padding. */
function base64UrlDecode(s: string): Buffer {
  if (!s.endsWith('=')) {
    switch (s.length % 4) {
      case 0:
        break;
      case 2:
        s += '==';
        break;
      case 3:
        s += '=';
        break;
      default:
        throw new BuiltinError(`illegal base64url string: ${s}`);
    }
  }
  const clean = s.replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9_-]*(|[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)$/.test(clean) || clean.length % 4 !== 0) {
    throw new BuiltinError('illegal base64 data');
  }
  return Buffer.from(clean, 'base64url');
}

function jsonObject(text: string): { [key: string]: RegoValue } {
  let value: RegoValue;
  try {
    value = parseExactJson(text);
  } catch (err) {
    throw new BuiltinError(`invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof value === 'bigint') {
    throw new BuiltinError('decoded JSON type was not an Object');
  }
  return value;
}

function decode(token: string): RegoValue {
  if (!token.includes('.')) throw new BuiltinError('encoded JWT had no period separators');
  const parts = token.split('.');
  if (parts.length !== 3) throw new BuiltinError(`encoded JWT must have 3 sections, found ${parts.length}`);
  const [h, p, sig] = parts as [string, string, string];
  let header: { [key: string]: RegoValue };
  try {
    header = jsonObject(base64UrlDecode(h).toString('utf8'));
  } catch (err) {
    throw new BuiltinError(`JWT header had invalid encoding: ${(err as Error).message}`);
  }
  if (header.enc !== undefined) throw new BuiltinError('JWT is a JWE object, which is not supported');
  let payloadText: string;
  try {
    payloadText = base64UrlDecode(p).toString('utf8');
  } catch (err) {
    throw new BuiltinError(`JWT payload had invalid encoding: ${(err as Error).message}`);
  }
  if (header.cty === 'JWT') {
    // A nested token: OPA strips surrounding quotes and decodes the inner one.
    return decode(payloadText.replace(/^["']+|["']+$/g, ''));
  }
  const payload = jsonObject(payloadText);
  let signature: Buffer;
  try {
    signature = base64UrlDecode(sig);
  } catch (err) {
    throw new BuiltinError(`JWT signature had invalid encoding: ${(err as Error).message}`);
  }
  return [header, payload, signature.toString('hex')];
}

export const jwtBuiltins: Record<string, HostBuiltin> = {
  'io.jwt.decode': (args) => decode(stringOperand(args, 1)),
};
