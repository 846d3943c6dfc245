import { connect, type Socket } from 'node:net';

/**
 * A minimal PostgreSQL v3 client for tests that must send exact (or malformed) messages.
 * It collects backend messages as { type, body } and can wait for a type to arrive.
 */
export interface BackendMessage {
  type: string;
  body: Buffer;
}

export function typedMessage(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type.charCodeAt(0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

export function startupPacket(parameters: Record<string, string>): Buffer {
  const body = Buffer.concat([...Object.entries(parameters).map(([k, v]) => Buffer.from(`${k}\0${v}\0`)), Buffer.from([0])]);
  const head = Buffer.alloc(8);
  head.writeInt32BE(body.length + 8, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, body]);
}

const cstr = (s: string): Buffer => Buffer.from(`${s}\0`);
const i16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const i32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

export const wire = {
  query: (sql: string) => typedMessage('Q', cstr(sql)),
  parse: (name: string, sql: string) => typedMessage('P', Buffer.concat([cstr(name), cstr(sql), i16(0)])),
  bind: (portal: string, statement: string, params: string[] = []) =>
    typedMessage(
      'B',
      Buffer.concat([cstr(portal), cstr(statement), i16(0), i16(params.length), ...params.flatMap((p) => [i32(Buffer.byteLength(p)), Buffer.from(p)]), i16(0)]),
    ),
  describe: (target: 'S' | 'P', name: string) => typedMessage('D', Buffer.concat([Buffer.from(target), cstr(name)])),
  execute: (portal: string, maxRows = 0) => typedMessage('E', Buffer.concat([cstr(portal), i32(maxRows)])),
  close: (target: 'S' | 'P', name: string) => typedMessage('C', Buffer.concat([Buffer.from(target), cstr(name)])),
  sync: () => typedMessage('S', Buffer.alloc(0)),
  flush: () => typedMessage('H', Buffer.alloc(0)),
  password: (p: string) => typedMessage('p', cstr(p)),
  terminate: () => typedMessage('X', Buffer.alloc(0)),
};

export class RawWireClient {
  readonly messages: BackendMessage[] = [];
  closed = false;
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 5) {
        const length = this.buffer.readInt32BE(1);
        if (this.buffer.length < length + 1) break;
        this.messages.push({ type: String.fromCharCode(this.buffer[0]!), body: this.buffer.subarray(5, length + 1) });
        this.buffer = this.buffer.subarray(length + 1);
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async open(host: string, port: number): Promise<RawWireClient> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawWireClient(socket);
  }

  /** Connects and authenticates with `token`, returning once the first ReadyForQuery arrived. */
  static async login(host: string, port: number, database: string, token: string): Promise<RawWireClient> {
    const client = await RawWireClient.open(host, port);
    client.send(startupPacket({ user: 'planner', database }));
    await client.waitFor('R');
    client.send(wire.password(token));
    await client.waitFor('Z');
    client.messages.length = 0;
    return client;
  }

  send(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Resolves when a message of `type` has arrived (or the connection closed), within `ms`. */
  async waitFor(type: string, ms = 10_000): Promise<BackendMessage | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.find((m) => m.type === type);
      if (found || this.closed) return found;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Error and notice fields of every E message received so far. */
  errors(): Map<string, string>[] {
    return this.messages.filter((m) => m.type === 'E').map((m) => errorFields(m.body));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export function errorFields(body: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const tag = String.fromCharCode(body[offset]!);
    const end = body.indexOf(0, offset + 1);
    if (end < 0) break;
    fields.set(tag, body.toString('utf8', offset + 1, end));
    offset = end + 1;
  }
  return fields;
}
