import { isUtf8 } from 'node:buffer';
import { ProtocolViolation } from './message-framer.ts';

/** Bounds-checked reads over one message body; any overrun is a protocol violation. */
export class BodyReader {
  private offset = 0;

  constructor(
    private readonly body: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.body.length - this.offset;
  }

  int16(): number {
    this.need(2);
    const value = this.body.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.body.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  byte(): number {
    this.need(1);
    return this.body[this.offset++];
  }

  cstring(): string {
    const end = this.body.indexOf(0, this.offset);
    if (end < 0) throw new ProtocolViolation(`${this.what}: unterminated string`);
    // Decoding would replace bad bytes with U+FFFD: the text decided would not be the text sent.
    if (!isUtf8(this.body.subarray(this.offset, end))) throw new ProtocolViolation(`${this.what}: invalid byte sequence for encoding "UTF8"`, '22021');
    const value = this.body.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return value;
  }

  bytes(n: number): Buffer {
    if (n < 0) throw new ProtocolViolation(`${this.what}: negative length ${n}`);
    this.need(n);
    const value = this.body.subarray(this.offset, this.offset + n);
    this.offset += n;
    return value;
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  private need(n: number): void {
    if (this.offset + n > this.body.length) throw new ProtocolViolation(`${this.what}: message is truncated`);
  }
}
