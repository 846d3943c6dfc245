import type { RegoValue } from './builtins/rego-value.ts';

/**
 * JSON text <-> RegoValue without losing integers beyond 2^53. OPA's WASM runtime keeps such
 * integers exactly (nanosecond timestamps are ~1.8e18), so the host must too.
 */

const LONG_DIGIT_RUN = /\d{16,}/;

export function parseExactJson(text: string): RegoValue {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text) as RegoValue;
  return new ExactParser(text).parseDocument();
}

export function stringifyExactJson(value: RegoValue): string {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('non-finite number cannot be JSON');
      return JSON.stringify(value);
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    default:
      break;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(stringifyExactJson).join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${stringifyExactJson(item)}`);
  }
  return `{${parts.join(',')}}`;
}

class ExactParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): RegoValue {
    const value = this.parseValue();
    this.skipSpace();
    if (this.pos !== this.text.length) throw new SyntaxError(`unexpected text at ${this.pos}`);
    return value;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.pos++;
    }
  }

  private parseValue(): RegoValue {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.parseObject();
    if (c === '[') return this.parseArray();
    if (c === '"') return this.parseString();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.parseNumber();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    throw new SyntaxError(`unexpected character at ${this.pos}`);
  }

  private parseObject(): RegoValue {
    const out: { [key: string]: RegoValue } = {};
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      const key = this.parseString();
      this.skipSpace();
      if (this.text[this.pos++] !== ':') throw new SyntaxError(`expected ':' at ${this.pos - 1}`);
      out[key] = this.parseValue();
      this.skipSpace();
      const sep = this.text[this.pos++];
      if (sep === '}') return out;
      if (sep !== ',') throw new SyntaxError(`expected ',' or '}' at ${this.pos - 1}`);
    }
  }

  private parseArray(): RegoValue {
    const out: RegoValue[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.parseValue());
      this.skipSpace();
      const sep = this.text[this.pos++];
      if (sep === ']') return out;
      if (sep !== ',') throw new SyntaxError(`expected ',' or ']' at ${this.pos - 1}`);
    }
  }

  private parseString(): string {
    if (this.text[this.pos] !== '"') throw new SyntaxError(`expected string at ${this.pos}`);
    let end = this.pos + 1;
    while (end < this.text.length) {
      const c = this.text[end];
      if (c === '\\') end += 2;
      else if (c === '"') break;
      else end++;
    }
    const raw = this.text.slice(this.pos, end + 1);
    this.pos = end + 1;
    return JSON.parse(raw) as string;
  }

  private parseNumber(): number | bigint {
    const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match) throw new SyntaxError(`bad number at ${this.pos}`);
    this.pos += match[0].length;
    const literal = match[0];
    if (match[1] === undefined && match[2] === undefined) {
      const n = Number(literal);
      return Number.isSafeInteger(n) ? n : BigInt(literal);
    }
    return Number(literal);
  }
}
