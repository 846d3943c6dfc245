import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROTO_ROOT } from './gatehouse-protos.ts';

/**
 * The file descriptors of every service on the decision service's port, as buf compiled them
 * (proto/generated/descriptor-set.binpb, written by scripts/gen-proto-types). Server reflection
 * serves these exact bytes: descriptors re-derived from proto-loader's parsed definitions lose
 * the fully-qualified names of imported types, and grpcurl then cannot resolve
 * google.protobuf.Timestamp or the health messages.
 */
export const DESCRIPTOR_SET_PATH = join(PROTO_ROOT, 'generated', 'descriptor-set.binpb');

export interface ApiFile {
  /** The file's import path, e.g. `gatehouse/v1/decision.proto`. */
  name: string;
  /** The encoded FileDescriptorProto, exactly as buf wrote it. */
  bytes: Buffer;
  /** Import paths of the files this one imports. */
  dependencies: string[];
  /** Fully-qualified names (no leading dot) of the messages, enums, services and methods it declares. */
  symbols: string[];
  /** Fully-qualified names of the services it declares. */
  services: string[];
}

export class ApiDescriptors {
  private readonly byName = new Map<string, ApiFile>();
  private readonly bySymbol = new Map<string, ApiFile>();

  constructor(files: ApiFile[]) {
    for (const file of files) {
      if (this.byName.has(file.name)) throw new Error(`descriptor set declares ${file.name} twice`);
      this.byName.set(file.name, file);
      for (const symbol of file.symbols) this.bySymbol.set(symbol, file);
    }
  }

  fileByName(name: string): ApiFile | undefined {
    return this.byName.get(name);
  }

  /** The file declaring a message, enum, service or method (`pkg.Service.Method`); a leading dot is ignored. */
  fileContainingSymbol(symbol: string): ApiFile | undefined {
    return this.bySymbol.get(symbol.startsWith('.') ? symbol.slice(1) : symbol);
  }

  /** Whether `name` is a message this set declares (for the extension queries of reflection). */
  hasSymbol(name: string): boolean {
    return this.fileContainingSymbol(name) !== undefined;
  }

  /**
   * The file followed by every file it imports, directly or not, each once: a reflection client
   * needs all of them to resolve the types a method uses.
   */
  withDependencies(file: ApiFile): ApiFile[] {
    const ordered: ApiFile[] = [];
    const seen = new Set<string>();
    const visit = (current: ApiFile) => {
      if (seen.has(current.name)) return;
      seen.add(current.name);
      ordered.push(current);
      for (const dependency of current.dependencies) {
        const imported = this.byName.get(dependency);
        if (!imported) throw new Error(`descriptor set lacks ${dependency}, imported by ${current.name}`);
        visit(imported);
      }
    };
    visit(file);
    return ordered;
  }

  /** Every service the set declares. */
  serviceNames(): string[] {
    return [...this.byName.values()].flatMap((file) => file.services);
  }
}

let loaded: ApiDescriptors | undefined;

/** The committed descriptor set, read and indexed once per process. */
export function loadApiDescriptors(): ApiDescriptors {
  loaded ??= new ApiDescriptors(parseDescriptorSet(readFileSync(DESCRIPTOR_SET_PATH)));
  return loaded;
}

// Field numbers of google/protobuf/descriptor.proto that the index reads.
const SET_FILE = 1;
const FILE_NAME = 1;
const FILE_PACKAGE = 2;
const FILE_DEPENDENCY = 3;
const FILE_MESSAGE = 4;
const FILE_ENUM = 5;
const FILE_SERVICE = 6;
const MESSAGE_NESTED = 3;
const MESSAGE_ENUM = 4;
// Messages, enums, services and methods all carry their name in field 1.
const NAME = 1;
const SERVICE_METHOD = 2;

/** Decodes a FileDescriptorSet into its files, keeping each file's bytes untouched. */
export function parseDescriptorSet(bytes: Buffer): ApiFile[] {
  return fieldsOf(bytes)
    .filter((field) => field.number === SET_FILE)
    .map((field) => parseFile(lengthDelimited(field)));
}

function parseFile(bytes: Buffer): ApiFile {
  let name = '';
  let pkg = '';
  const dependencies: string[] = [];
  const symbols: string[] = [];
  const services: string[] = [];
  const fields = fieldsOf(bytes);
  for (const field of fields) {
    if (field.number === FILE_NAME) name = text(field);
    else if (field.number === FILE_PACKAGE) pkg = text(field);
    else if (field.number === FILE_DEPENDENCY) dependencies.push(text(field));
  }
  const qualify = (local: string) => (pkg ? `${pkg}.${local}` : local);
  for (const field of fields) {
    if (field.number === FILE_MESSAGE) collectMessage(lengthDelimited(field), qualify, symbols);
    else if (field.number === FILE_ENUM) symbols.push(qualify(nameOf(lengthDelimited(field))));
    else if (field.number === FILE_SERVICE) {
      const service = lengthDelimited(field);
      const serviceName = qualify(nameOf(service));
      services.push(serviceName);
      symbols.push(serviceName);
      for (const method of fieldsOf(service).filter((f) => f.number === SERVICE_METHOD)) {
        symbols.push(`${serviceName}.${nameOf(lengthDelimited(method))}`);
      }
    }
  }
  if (!name) throw new Error('descriptor set holds a file without a name');
  return { name, bytes, dependencies, symbols, services };
}

function collectMessage(bytes: Buffer, qualify: (local: string) => string, symbols: string[]): void {
  const fields = fieldsOf(bytes);
  const full = qualify(nameOf(bytes));
  symbols.push(full);
  for (const field of fields) {
    if (field.number === MESSAGE_NESTED) collectMessage(lengthDelimited(field), (local) => `${full}.${local}`, symbols);
    else if (field.number === MESSAGE_ENUM) symbols.push(`${full}.${nameOf(lengthDelimited(field))}`);
  }
}

function nameOf(bytes: Buffer): string {
  const field = fieldsOf(bytes).find((f) => f.number === NAME);
  return field ? text(field) : '';
}

interface WireField {
  number: number;
  wireType: number;
  /** For length-delimited fields, the payload; empty otherwise. */
  payload: Buffer;
}

function text(field: WireField): string {
  return lengthDelimited(field).toString('utf8');
}

function lengthDelimited(field: WireField): Buffer {
  if (field.wireType !== 2) throw new Error(`descriptor field ${field.number} is not length-delimited`);
  return field.payload;
}

/** The top-level fields of one protobuf message (the wire format: varint keys, four wire types). */
function fieldsOf(bytes: Buffer): WireField[] {
  const fields: WireField[] = [];
  let offset = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (offset >= bytes.length) throw new Error('descriptor set is truncated');
      const byte = bytes[offset++]!;
      // Lengths and keys in a descriptor fit in 53 bits; multiplication keeps them exact past 2^31.
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('descriptor set holds a malformed varint');
    }
  };
  while (offset < bytes.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    let payload: Buffer = Buffer.alloc(0);
    if (wireType === 0) varint();
    else if (wireType === 1) offset += 8;
    else if (wireType === 5) offset += 4;
    else if (wireType === 2) {
      const length = varint();
      if (offset + length > bytes.length) throw new Error('descriptor set is truncated');
      payload = bytes.subarray(offset, offset + length);
      offset += length;
    } else throw new Error(`descriptor set uses unsupported wire type ${wireType}`);
    fields.push({ number, wireType, payload });
  }
  return fields;
}
