// Original file: gatehouse/v1/decision.proto

import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.ts';

/**
 * What is acted on.
 */
export interface Resource {
  /**
   * Required. Cedar entity type of the resource, e.g. `Database` (PostgreSQL proxy), `Host` (SSH
   * proxy), `Approval`. Identifiers separated by `::` (`[A-Za-z_][A-Za-z0-9_]*`), at most 128
   * characters.
   */
  'type'?: (string);
  /**
   * Required. The resource's identifier, 1 to 512 characters, no control characters.
   */
  'id'?: (string);
  /**
   * Attributes of the resource, e.g. `{"env": "prod"}`. Passed to Rego as
   * `input.resource.attributes` and to Cedar as entity attributes (request attributes win over
   * those of `entities.json`). Optional; absent means `{}`. Numbers must be finite.
   */
  'attributes'?: (_google_protobuf_Struct | null);
}

/**
 * What is acted on.
 */
export interface Resource__Output {
  /**
   * Required. Cedar entity type of the resource, e.g. `Database` (PostgreSQL proxy), `Host` (SSH
   * proxy), `Approval`. Identifiers separated by `::` (`[A-Za-z_][A-Za-z0-9_]*`), at most 128
   * characters.
   */
  'type': (string);
  /**
   * Required. The resource's identifier, 1 to 512 characters, no control characters.
   */
  'id': (string);
  /**
   * Attributes of the resource, e.g. `{"env": "prod"}`. Passed to Rego as
   * `input.resource.attributes` and to Cedar as entity attributes (request attributes win over
   * those of `entities.json`). Optional; absent means `{}`. Numbers must be finite.
   */
  'attributes': (_google_protobuf_Struct__Output | null);
}
