import { typed } from './backend-messages.ts';
import type { BindMessage } from './frontend-messages.ts';

/** Encoders for the frontend messages the proxy sends upstream on a client's behalf. */

function int16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(n, 0);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}

export function encodeQuery(sql: string): Buffer {
  return typed('Q', Buffer.from(`${sql}\0`, 'utf8'));
}

export function encodeParse(name: string, sql: string, types: number[]): Buffer {
  const head = Buffer.from(`${name}\0${sql}\0`, 'utf8');
  const tail = Buffer.allocUnsafe(2 + 4 * types.length);
  tail.writeInt16BE(types.length, 0);
  types.forEach((t, i) => tail.writeInt32BE(t, 2 + 4 * i));
  return typed('P', Buffer.concat([head, tail]));
}

/** A Bind with the portal and statement names replaced by their upstream names. */
export function encodeBind(bind: BindMessage, portal: string, statement: string): Buffer {
  const parts: Buffer[] = [Buffer.from(`${portal}\0${statement}\0`, 'utf8')];
  parts.push(int16(bind.parameterFormats.length), ...bind.parameterFormats.map(int16));
  parts.push(int16(bind.parameters.length));
  for (const p of bind.parameters) parts.push(p === null ? int32(-1) : Buffer.concat([int32(p.length), p]));
  parts.push(int16(bind.resultFormats.length), ...bind.resultFormats.map(int16));
  return typed('B', Buffer.concat(parts));
}

export function encodeDescribe(target: 'S' | 'P', name: string): Buffer {
  return typed('D', Buffer.from(`${target}${name}\0`, 'utf8'));
}

export function encodeClose(target: 'S' | 'P', name: string): Buffer {
  return typed('C', Buffer.from(`${target}${name}\0`, 'utf8'));
}

export function encodeExecute(portal: string, maxRows: number): Buffer {
  const name = Buffer.from(`${portal}\0`, 'utf8');
  return typed('E', Buffer.concat([name, int32(maxRows)]));
}

export const encodeSync = (): Buffer => typed('S', Buffer.alloc(0));
export const encodeFlush = (): Buffer => typed('H', Buffer.alloc(0));
export const encodeTerminate = (): Buffer => typed('X', Buffer.alloc(0));
