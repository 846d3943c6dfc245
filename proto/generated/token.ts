import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { DecideBatchRequest as _gatehouse_v1_DecideBatchRequest, DecideBatchRequest__Output as _gatehouse_v1_DecideBatchRequest__Output } from './gatehouse/v1/DecideBatchRequest.ts';
import type { DecideBatchResponse as _gatehouse_v1_DecideBatchResponse, DecideBatchResponse__Output as _gatehouse_v1_DecideBatchResponse__Output } from './gatehouse/v1/DecideBatchResponse.ts';
import type { DecideRequest as _gatehouse_v1_DecideRequest, DecideRequest__Output as _gatehouse_v1_DecideRequest__Output } from './gatehouse/v1/DecideRequest.ts';
import type { DecideResponse as _gatehouse_v1_DecideResponse, DecideResponse__Output as _gatehouse_v1_DecideResponse__Output } from './gatehouse/v1/DecideResponse.ts';
import type { DecideStreamError as _gatehouse_v1_DecideStreamError, DecideStreamError__Output as _gatehouse_v1_DecideStreamError__Output } from './gatehouse/v1/DecideStreamError.ts';
import type { DecideStreamRequest as _gatehouse_v1_DecideStreamRequest, DecideStreamRequest__Output as _gatehouse_v1_DecideStreamRequest__Output } from './gatehouse/v1/DecideStreamRequest.ts';
import type { DecideStreamResponse as _gatehouse_v1_DecideStreamResponse, DecideStreamResponse__Output as _gatehouse_v1_DecideStreamResponse__Output } from './gatehouse/v1/DecideStreamResponse.ts';
import type { DecisionServiceClient as _gatehouse_v1_DecisionServiceClient, DecisionServiceDefinition as _gatehouse_v1_DecisionServiceDefinition } from './gatehouse/v1/DecisionService.ts';
import type { GetJwksRequest as _gatehouse_v1_GetJwksRequest, GetJwksRequest__Output as _gatehouse_v1_GetJwksRequest__Output } from './gatehouse/v1/GetJwksRequest.ts';
import type { GetJwksResponse as _gatehouse_v1_GetJwksResponse, GetJwksResponse__Output as _gatehouse_v1_GetJwksResponse__Output } from './gatehouse/v1/GetJwksResponse.ts';
import type { IntrospectTokenRequest as _gatehouse_v1_IntrospectTokenRequest, IntrospectTokenRequest__Output as _gatehouse_v1_IntrospectTokenRequest__Output } from './gatehouse/v1/IntrospectTokenRequest.ts';
import type { IntrospectTokenResponse as _gatehouse_v1_IntrospectTokenResponse, IntrospectTokenResponse__Output as _gatehouse_v1_IntrospectTokenResponse__Output } from './gatehouse/v1/IntrospectTokenResponse.ts';
import type { IssueTokenRequest as _gatehouse_v1_IssueTokenRequest, IssueTokenRequest__Output as _gatehouse_v1_IssueTokenRequest__Output } from './gatehouse/v1/IssueTokenRequest.ts';
import type { IssueTokenResponse as _gatehouse_v1_IssueTokenResponse, IssueTokenResponse__Output as _gatehouse_v1_IssueTokenResponse__Output } from './gatehouse/v1/IssueTokenResponse.ts';
import type { JsonWebKey as _gatehouse_v1_JsonWebKey, JsonWebKey__Output as _gatehouse_v1_JsonWebKey__Output } from './gatehouse/v1/JsonWebKey.ts';
import type { Resource as _gatehouse_v1_Resource, Resource__Output as _gatehouse_v1_Resource__Output } from './gatehouse/v1/Resource.ts';
import type { RevokeTokenRequest as _gatehouse_v1_RevokeTokenRequest, RevokeTokenRequest__Output as _gatehouse_v1_RevokeTokenRequest__Output } from './gatehouse/v1/RevokeTokenRequest.ts';
import type { RevokeTokenResponse as _gatehouse_v1_RevokeTokenResponse, RevokeTokenResponse__Output as _gatehouse_v1_RevokeTokenResponse__Output } from './gatehouse/v1/RevokeTokenResponse.ts';
import type { Subject as _gatehouse_v1_Subject, Subject__Output as _gatehouse_v1_Subject__Output } from './gatehouse/v1/Subject.ts';
import type { TokenServiceClient as _gatehouse_v1_TokenServiceClient, TokenServiceDefinition as _gatehouse_v1_TokenServiceDefinition } from './gatehouse/v1/TokenService.ts';
import type { ListValue as _google_protobuf_ListValue, ListValue__Output as _google_protobuf_ListValue__Output } from './google/protobuf/ListValue.ts';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from './google/protobuf/Struct.ts';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.ts';
import type { Value as _google_protobuf_Value, Value__Output as _google_protobuf_Value__Output } from './google/protobuf/Value.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  gatehouse: {
    v1: {
      DecideBatchRequest: MessageTypeDefinition<_gatehouse_v1_DecideBatchRequest, _gatehouse_v1_DecideBatchRequest__Output>
      DecideBatchResponse: MessageTypeDefinition<_gatehouse_v1_DecideBatchResponse, _gatehouse_v1_DecideBatchResponse__Output>
      DecideRequest: MessageTypeDefinition<_gatehouse_v1_DecideRequest, _gatehouse_v1_DecideRequest__Output>
      DecideResponse: MessageTypeDefinition<_gatehouse_v1_DecideResponse, _gatehouse_v1_DecideResponse__Output>
      DecideStreamError: MessageTypeDefinition<_gatehouse_v1_DecideStreamError, _gatehouse_v1_DecideStreamError__Output>
      DecideStreamRequest: MessageTypeDefinition<_gatehouse_v1_DecideStreamRequest, _gatehouse_v1_DecideStreamRequest__Output>
      DecideStreamResponse: MessageTypeDefinition<_gatehouse_v1_DecideStreamResponse, _gatehouse_v1_DecideStreamResponse__Output>
      /**
       * Evaluates requests against the active policy bundle (Rego compiled to WASM plus Cedar).
       * 
       * Status codes used by all methods:
       * * `OK` with a `DecideResponse`: the request was decided (which includes deny for internal errors).
       * * `INVALID_ARGUMENT`: the request is malformed; the message names the offending field
       * (e.g. `resource.id: required`). Nothing was evaluated, consumed or recorded.
       * * `FAILED_PRECONDITION`: `request_id` was already used for a different request.
       * * `DEADLINE_EXCEEDED` / `CANCELLED`: the call ended before an answer; treat as deny.
       * * `UNAVAILABLE`: the service is shutting down; retry on another replica with the same `request_id`.
       */
      DecisionService: SubtypeConstructor<typeof grpc.Client, _gatehouse_v1_DecisionServiceClient> & { service: _gatehouse_v1_DecisionServiceDefinition }
      Effect: EnumTypeDefinition
      GetJwksRequest: MessageTypeDefinition<_gatehouse_v1_GetJwksRequest, _gatehouse_v1_GetJwksRequest__Output>
      GetJwksResponse: MessageTypeDefinition<_gatehouse_v1_GetJwksResponse, _gatehouse_v1_GetJwksResponse__Output>
      IntrospectTokenRequest: MessageTypeDefinition<_gatehouse_v1_IntrospectTokenRequest, _gatehouse_v1_IntrospectTokenRequest__Output>
      IntrospectTokenResponse: MessageTypeDefinition<_gatehouse_v1_IntrospectTokenResponse, _gatehouse_v1_IntrospectTokenResponse__Output>
      IssueTokenRequest: MessageTypeDefinition<_gatehouse_v1_IssueTokenRequest, _gatehouse_v1_IssueTokenRequest__Output>
      IssueTokenResponse: MessageTypeDefinition<_gatehouse_v1_IssueTokenResponse, _gatehouse_v1_IssueTokenResponse__Output>
      JsonWebKey: MessageTypeDefinition<_gatehouse_v1_JsonWebKey, _gatehouse_v1_JsonWebKey__Output>
      Resource: MessageTypeDefinition<_gatehouse_v1_Resource, _gatehouse_v1_Resource__Output>
      RevokeTokenRequest: MessageTypeDefinition<_gatehouse_v1_RevokeTokenRequest, _gatehouse_v1_RevokeTokenRequest__Output>
      RevokeTokenResponse: MessageTypeDefinition<_gatehouse_v1_RevokeTokenResponse, _gatehouse_v1_RevokeTokenResponse__Output>
      Subject: MessageTypeDefinition<_gatehouse_v1_Subject, _gatehouse_v1_Subject__Output>
      /**
       * Issues, inspects and revokes scoped tokens, and publishes the keys that verify them.
       * 
       * Status codes used by all methods:
       * * `UNAUTHENTICATED`: the caller's OIDC credential is missing or did not verify.
       * * `INVALID_ARGUMENT`: the request is malformed; the message names the field.
       * * `PERMISSION_DENIED`: policy (or ownership, for `RevokeToken`) refused; the message holds the reasons.
       * * `UNAVAILABLE`: the state store cannot be reached; nothing was issued or revoked. Retry.
       */
      TokenService: SubtypeConstructor<typeof grpc.Client, _gatehouse_v1_TokenServiceClient> & { service: _gatehouse_v1_TokenServiceDefinition }
    }
  }
  google: {
    protobuf: {
      ListValue: MessageTypeDefinition<_google_protobuf_ListValue, _google_protobuf_ListValue__Output>
      NullValue: EnumTypeDefinition
      Struct: MessageTypeDefinition<_google_protobuf_Struct, _google_protobuf_Struct__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
      Value: MessageTypeDefinition<_google_protobuf_Value, _google_protobuf_Value__Output>
    }
  }
}

