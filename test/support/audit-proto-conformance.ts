import { join } from 'node:path';
import protobuf from 'protobufjs';
import { AUDIT_EVENT_MESSAGES } from '../../proto/audit-event-json.ts';
import { PROTO_ROOT } from '../../proto/gatehouse-protos.ts';

/**
 * Decodes an audit event strictly against proto/gatehouse/v1/audit.proto, as the proto3 JSON
 * mapping defines it, but stricter than a lenient parser: a field the message does not declare
 * is an error (not ignored), and so is a value of the wrong JSON type. The envelope is AuditEvent
 * without its `data` oneof; `data` is the message `type` names (AUDIT_EVENT_MESSAGES), because
 * the events carry the body under `data` whatever the type (audit.proto explains why).
 *
 * Accepted per field type: string → a string; bool → true/false; 32-bit integers → an integer
 * in range (or its decimal string); 64-bit integers → a safe integer (or its decimal string);
 * double/float → a finite number (or "NaN"/"Infinity"/"-Infinity"); enum → a value name;
 * message → an object decoded the same way; Struct → a JSON object; Value → any JSON; repeated
 * → an array of the item type. null is the default of any singular field.
 */

const MESSAGES = new Map<string, string>(Object.entries(AUDIT_EVENT_MESSAGES));

let root: protobuf.Root | undefined;

function auditRoot(): protobuf.Root {
  if (root) return root;
  const loaded = new protobuf.Root();
  // google/protobuf/* are protobufjs's bundled copies; ours resolve under proto/.
  loaded.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(PROTO_ROOT, target));
  loaded.loadSync('gatehouse/v1/audit.proto', { keepCase: true });
  loaded.resolveAll();
  root = loaded;
  return loaded;
}

/** The problems of one event (empty when it conforms), each naming the JSON path. */
export function auditProtoErrors(event: unknown): string[] {
  const errors: string[] = [];
  if (!isObject(event)) return ['the event is not a JSON object'];
  const envelope = auditRoot().lookupType('gatehouse.v1.AuditEvent');
  const { data, ...attributes } = event;
  decodeMessage(attributes, envelope, '', errors, (field) => field.partOf?.name !== 'data');
  const type = event.type;
  const messageName = typeof type === 'string' ? MESSAGES.get(type) : undefined;
  if (!messageName) errors.push(`type: ${JSON.stringify(type)} is not an audit event type of audit.proto`);
  else if (data === undefined || data === null) errors.push('data: missing');
  else decodeMessage(data, auditRoot().lookupType(messageName), 'data', errors);
  return errors;
}

/** Throws naming every problem when the event does not conform; `where` says which event. */
export function expectConformsToAuditProto(event: unknown, where: string): void {
  const errors = auditProtoErrors(event);
  if (errors.length > 0) throw new Error(`${where} does not conform to audit.proto: ${errors.join('; ')}`);
}

function decodeMessage(value: unknown, type: protobuf.Type, path: string, errors: string[], declared: (field: protobuf.Field) => boolean = () => true): void {
  if (!isObject(value)) {
    errors.push(`${path || '/'}: ${type.fullName.slice(1)} must be a JSON object, not ${describe(value)}`);
    return;
  }
  const byJsonName = new Map<string, protobuf.Field>();
  for (const field of type.fieldsArray.filter(declared)) {
    byJsonName.set(lowerCamelCase(field.name), field);
    byJsonName.set(field.name, field);
  }
  const seen = new Map<protobuf.Field, string>();
  const oneofs = new Map<string, string>();
  for (const [key, fieldValue] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    const field = byJsonName.get(key);
    if (!field) {
      errors.push(`${at}: not a field of ${type.fullName.slice(1)}`);
      continue;
    }
    const twice = seen.get(field);
    if (twice !== undefined) errors.push(`${at}: the same field as ${twice}`);
    seen.set(field, key);
    if (fieldValue === null) continue;
    if (field.partOf) {
      const other = oneofs.get(field.partOf.name);
      if (other !== undefined) errors.push(`${at}: oneof ${field.partOf.name} already set by ${other}`);
      oneofs.set(field.partOf.name, key);
    }
    if (field.repeated) {
      if (!Array.isArray(fieldValue)) errors.push(`${at}: repeated, must be an array, not ${describe(fieldValue)}`);
      else fieldValue.forEach((item, i) => decodeSingle(item, field, `${at}[${i}]`, errors));
    } else {
      decodeSingle(fieldValue, field, at, errors);
    }
  }
}

const INT32_TYPES = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32_TYPES = new Set(['uint32', 'fixed32']);
const INT64_TYPES = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

function decodeSingle(value: unknown, field: protobuf.Field, path: string, errors: string[]): void {
  const wrong = (expected: string) => errors.push(`${path}: ${field.type} field must be ${expected}, not ${describe(value)}`);
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    if (typeof value !== 'string' || !Object.hasOwn(resolved.values, value)) wrong(`one of ${Object.keys(resolved.values).join(', ')}`);
    return;
  }
  if (resolved instanceof protobuf.Type) {
    switch (resolved.fullName) {
      case '.google.protobuf.Struct':
        if (!isObject(value)) wrong('a JSON object');
        return;
      case '.google.protobuf.ListValue':
        if (!Array.isArray(value)) wrong('a JSON array');
        return;
      case '.google.protobuf.Value':
        return;
      default:
        decodeMessage(value, resolved, path, errors);
        return;
    }
  }
  if (field.type === 'string') {
    if (typeof value !== 'string') wrong('a string');
  } else if (field.type === 'bool') {
    if (typeof value !== 'boolean') wrong('true or false');
  } else if (INT32_TYPES.has(field.type)) {
    if (!isInteger(value, -(2 ** 31), 2 ** 31 - 1)) wrong('a 32-bit integer');
  } else if (UINT32_TYPES.has(field.type)) {
    if (!isInteger(value, 0, 2 ** 32 - 1)) wrong('an unsigned 32-bit integer');
  } else if (INT64_TYPES.has(field.type)) {
    const signed = !field.type.startsWith('u') && field.type !== 'fixed64';
    if (!isInteger(value, signed ? Number.MIN_SAFE_INTEGER : 0, Number.MAX_SAFE_INTEGER, true)) wrong('an integer (a JSON number that is a safe integer, or its decimal string)');
  } else if (field.type === 'double' || field.type === 'float') {
    const ok = (typeof value === 'number' && Number.isFinite(value)) || value === 'NaN' || value === 'Infinity' || value === '-Infinity';
    if (!ok) wrong('a number');
  } else if (field.type === 'bytes') {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) wrong('base64 text');
  } else {
    errors.push(`${path}: field type ${field.type} is not handled by the conformance check`);
  }
}

function isInteger(value: unknown, min: number, max: number, sixtyFourBit = false): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value >= min && value <= max;
  if (typeof value !== 'string' || !/^-?(0|[1-9][0-9]*)$/.test(value)) return false;
  // A 64-bit integer beyond 2^53 may be written as a string; 32-bit ones never need to be.
  if (sixtyFourBit) return value.startsWith('-') ? min < 0 && BigInt(value) >= -(2n ** 63n) : BigInt(value) < 2n ** 64n;
  const number = Number(value);
  return number >= min && number <= max;
}

function lowerCamelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40) ?? ''}`.trim();
}
