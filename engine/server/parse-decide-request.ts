import type { DecideRequest__Output } from '../../proto/generated/gatehouse/v1/DecideRequest.ts';
import type { JsonObject } from '../model/index.ts';
import { isJsonObject } from '../model/index.ts';
import type { Resource, Subject } from '../model/index.ts';
import type { DecideCall } from '../decision/index.ts';
import { InvalidRequestError } from '../decision/index.ts';
import { DEFAULT_STRUCT_LIMITS } from '../../proto/struct-json.ts';
import { parseContextJson } from './context-json.ts';
import { decodeRequestStruct } from './decode-request-struct.ts';

/**
 * Validation of DecideRequest at the boundary (the limits are documented field by field in
 * proto/gatehouse/v1/decision.proto; keep both in step). Every failure is an InvalidRequestError
 * naming the field, so a data plane author sees exactly what to fix.
 */

const ACTION = /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
const ENTITY_TYPE = /^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$/;
// Printable ASCII: ids end up in log lines, Kafka keys and SQL parameters.
const PRINTABLE_ID = /^[\x21-\x7e]+$/;
// C0/C1 controls make identifiers ambiguous in logs and Cedar uids.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const MAX_ACTION = 128;
const MAX_TYPE = 128;
const MAX_ID = 512;
const MAX_GROUPS = 256;
const MAX_GROUP = 256;
const MAX_TOKEN = 16 * 1024;
const MAX_REQUEST_ID = 128;
const SMALL_STRUCT = { maxDepth: 16, maxChars: 64 * 1024 };

export interface ParseOptions {
  /** DecideStream needs request_id to match answers. */
  requireRequestId?: boolean;
}

export function parseDecideRequest(request: DecideRequest__Output, options: ParseOptions = {}): DecideCall {
  const requestId = optionalPrintable(request.request_id, 'request_id', MAX_REQUEST_ID);
  if (options.requireRequestId && requestId === undefined) {
    throw new InvalidRequestError('request_id', 'required on DecideStream (answers are matched by it)');
  }
  const sessionId = optionalPrintable(request.session_id, 'session_id', MAX_REQUEST_ID);
  const action = parseAction(request.action);
  const resource = parseResource(request.resource);
  const token = request.token ?? '';
  if (token.length > MAX_TOKEN) throw new InvalidRequestError('token', `longer than ${MAX_TOKEN} characters`);
  if (token !== '' && token.trim() === '') throw new InvalidRequestError('token', 'must not be blank');
  const hasToken = token !== '';
  // With a token the subject comes from it; a caller-supplied one is ignored, not merged.
  const subject = hasToken ? undefined : parseSubject(request.subject);
  const contextJson = request.context_json;
  const hasContextJson = contextJson !== undefined && contextJson !== null && contextJson.length > 0;
  if (hasContextJson && request.context !== undefined && request.context !== null) {
    throw new InvalidRequestError('context_json', 'set either context or context_json, not both');
  }
  const context = hasContextJson
    ? parseContextJson(contextJson, 'context_json', DEFAULT_STRUCT_LIMITS)
    : decodeRequestStruct(request.context, 'context', DEFAULT_STRUCT_LIMITS);
  checkFactSources(context);
  const call: DecideCall = { action, resource, context };
  if (hasContextJson) call.contextJson = contextJson;
  if (subject) call.subject = subject;
  if (hasToken) call.token = token;
  if (sessionId !== undefined) call.sessionId = sessionId;
  if (requestId !== undefined) call.requestId = requestId;
  return call;
}

function parseAction(action: string | undefined): string {
  if (!action) throw new InvalidRequestError('action', 'required (e.g. "db.query")');
  if (action.length > MAX_ACTION) throw new InvalidRequestError('action', `longer than ${MAX_ACTION} characters`);
  if (!ACTION.test(action)) {
    throw new InvalidRequestError('action', 'must be dot-separated segments of letters, digits, "_" or "-", starting with a letter');
  }
  return action;
}

function parseResource(resource: DecideRequest__Output['resource']): Resource {
  if (!resource) throw new InvalidRequestError('resource', 'required');
  const type = entityType(resource.type, 'resource.type', true) ?? '';
  const id = identifier(resource.id, 'resource.id');
  const attributes = decodeRequestStruct(resource.attributes, 'resource.attributes', SMALL_STRUCT);
  return { type, id, attributes };
}

function parseSubject(subject: DecideRequest__Output['subject']): Subject {
  if (!subject) throw new InvalidRequestError('subject', 'required when no token is sent');
  const id = identifier(subject.id, 'subject.id');
  const type = entityType(subject.type, 'subject.type', false);
  const groups = subject.groups ?? [];
  if (groups.length > MAX_GROUPS) throw new InvalidRequestError('subject.groups', `more than ${MAX_GROUPS} entries`);
  groups.forEach((group, index) => {
    const field = `subject.groups[${index}]`;
    if (!group) throw new InvalidRequestError(field, 'must not be empty');
    if (group.length > MAX_GROUP) throw new InvalidRequestError(field, `longer than ${MAX_GROUP} characters`);
    if (CONTROL.test(group)) throw new InvalidRequestError(field, 'must not contain control characters');
  });
  const claims = decodeRequestStruct(subject.claims, 'subject.claims', SMALL_STRUCT);
  const out: Subject = { id, type: type ?? 'User', groups: [...groups], claims };
  return out;
}

function identifier(value: string | undefined, field: string): string {
  if (!value) throw new InvalidRequestError(field, 'required');
  if (value.length > MAX_ID) throw new InvalidRequestError(field, `longer than ${MAX_ID} characters`);
  if (CONTROL.test(value)) throw new InvalidRequestError(field, 'must not contain control characters');
  return value;
}

function entityType(value: string | undefined, field: string, required: boolean): string | undefined {
  if (!value) {
    if (required) throw new InvalidRequestError(field, 'required (a Cedar entity type, e.g. "Database")');
    return undefined;
  }
  if (value.length > MAX_TYPE) throw new InvalidRequestError(field, `longer than ${MAX_TYPE} characters`);
  if (!ENTITY_TYPE.test(value)) {
    throw new InvalidRequestError(field, 'must be a Cedar entity type: identifiers separated by "::"');
  }
  return value;
}

function optionalPrintable(value: string | undefined, field: string, max: number): string | undefined {
  if (!value) return undefined;
  if (value.length > max) throw new InvalidRequestError(field, `longer than ${max} characters`);
  if (!PRINTABLE_ID.test(value)) throw new InvalidRequestError(field, 'must be printable ASCII without spaces');
  return value;
}

/** `context.sql` / `context.command` feed the fact extractors, which need an object with string text. */
function checkFactSources(context: JsonObject): void {
  for (const key of ['sql', 'command'] as const) {
    if (!(key in context)) continue;
    const source = context[key];
    if (!isJsonObject(source)) throw new InvalidRequestError(`context.${key}`, 'must be an object (e.g. {"text": "..."})');
    if ('text' in source && typeof source.text !== 'string') {
      throw new InvalidRequestError(`context.${key}.text`, 'must be a string');
    }
  }
}
