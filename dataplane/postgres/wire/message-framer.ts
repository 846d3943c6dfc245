import { GatehouseError } from '../../../engine/model/index.ts';

/**
 * Splits a PostgreSQL v3 byte stream into messages. Two framings exist: the untyped startup
 * packet (Int32 length, then body) that opens a connection, and typed messages (Byte1 type,
 * Int32 length including itself, then body) for everything after. Oversized lengths are a
 * protocol violation reported to the caller, never an allocation.
 */
export interface TypedMessage {
  type: number;
  body: Buffer;
  /** The whole frame (type, length, body): passed on unchanged when nothing is rewritten. */
  raw: Buffer;
}

export class ProtocolViolation extends GatehouseError {
  constructor(
    message: string,
    /** SQLSTATE to report to the peer: 08P01 protocol_violation, 54000 program_limit_exceeded. */
    readonly sqlState: string = '08P01',
  ) {
    super('GATEHOUSE_PG_PROTOCOL', message);
    this.name = 'ProtocolViolation';
  }
}

export class MessageFramer {
  private buffered: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxMessageBytes: number) {}

  push(chunk: Buffer): void {
    this.buffered.push(chunk);
    this.size += chunk.length;
  }

  get bufferedBytes(): number {
    return this.size;
  }

  /** The startup packet (no type byte), or undefined until it is complete. */
  nextStartup(): Buffer | undefined {
    if (this.size < 4) return undefined;
    const head = this.peek(4);
    const length = head.readInt32BE(0);
    if (length < 8 || length > 10_000) throw new ProtocolViolation(`invalid startup packet length ${length}`);
    if (this.size < length) return undefined;
    return this.take(length).subarray(4);
  }

  /** The next complete typed message, or undefined until one is complete. */
  next(): TypedMessage | undefined {
    if (this.size < 5) return undefined;
    const head = this.peek(5);
    const type = head[0];
    const length = head.readInt32BE(1);
    if (length < 4) throw new ProtocolViolation(`invalid message length ${length} for message type ${printable(type)}`);
    if (length + 1 > this.maxMessageBytes) {
      throw new ProtocolViolation(`message of ${length + 1} bytes exceeds the limit of ${this.maxMessageBytes}`, '54000');
    }
    if (this.size < length + 1) return undefined;
    const whole = this.take(length + 1);
    return { type, body: whole.subarray(5), raw: whole };
  }

  /** Everything buffered and not yet returned, e.g. to hand over to a TLS upgrade. */
  drain(): Buffer {
    return this.take(this.size);
  }

  private peek(n: number): Buffer {
    if (this.buffered[0].length >= n) return this.buffered[0];
    const joined = Buffer.concat(this.buffered);
    this.buffered = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const joined = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
    const out = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    return out;
  }
}

export function printable(type: number): string {
  return type >= 0x20 && type < 0x7f ? `'${String.fromCharCode(type)}'` : `0x${type.toString(16)}`;
}
