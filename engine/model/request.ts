import type { JsonObject } from './json.ts';

/**
 * The request model (docs/architecture.md "The request model"). This is what Rego sees as `input`
 * and what the Cedar mapping reads. Every part of Gatehouse that evaluates policy
 * (service, `eval`, `test`, replay) builds one of these.
 */
export interface Subject {
  id: string;
  /** Cedar entity type of the principal; defaults to "User". */
  type?: string;
  groups?: string[];
  claims?: JsonObject;
}

export interface ResourceRef {
  type: string;
  id: string;
}

export interface Resource extends ResourceRef {
  attributes?: JsonObject;
}

/** Verified claims of a scoped token (never the raw token). */
export interface TokenFacts {
  id: string;
  subject: string;
  executor?: string;
  actions: string[];
  resource: ResourceRef;
  constraints: JsonObject;
  groups?: string[];
  maxUses?: number;
  uses?: number;
  expiresAt: string;
  /** "gatehouse" for a scoped token, "oidc" for an OIDC JWT presented directly. */
  kind?: 'gatehouse' | 'oidc';
}

export interface DecisionInput {
  subject: Subject;
  action: string;
  resource: Resource;
  /** Free-form context; `context.sql` and `context.command` facts are computed by the engine. */
  context: JsonObject;
  token?: TokenFacts;
  /** RFC 3339 instant set by the service clock (or by a test / replay). */
  time: string;
  sessionId?: string;
  requestId?: string;
}
