import { createHmac } from 'node:crypto';

/** Hand-built JWTs for attacks that a JOSE library refuses to produce. */
export function unsignedToken(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${b64(header)}.${b64(payload)}.`;
}

/** HS256 signed with `secret` (e.g. the issuer's public key, the classic key-confusion attack). */
export function hmacToken(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string): string {
  const input = `${b64({ ...header, alg: 'HS256' })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Replaces claims in the payload while keeping the original signature. */
export function tamperedToken(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${header}.${b64({ ...claims, ...changes })}.${signature}`;
}

export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
