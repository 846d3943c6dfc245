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
import type { Resource as _gatehouse_v1_Resource, Resource__Output as _gatehouse_v1_Resource__Output } from './gatehouse/v1/Resource.ts';
import type { Subject as _gatehouse_v1_Subject, Subject__Output as _gatehouse_v1_Subject__Output } from './gatehouse/v1/Subject.ts';
import type { ListValue as _google_protobuf_ListValue, ListValue__Output as _google_protobuf_ListValue__Output } from './google/protobuf/ListValue.ts';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from './google/protobuf/Struct.ts';
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
      Resource: MessageTypeDefinition<_gatehouse_v1_Resource, _gatehouse_v1_Resource__Output>
      Subject: MessageTypeDefinition<_gatehouse_v1_Subject, _gatehouse_v1_Subject__Output>
    }
  }
  google: {
    protobuf: {
      ListValue: MessageTypeDefinition<_google_protobuf_ListValue, _google_protobuf_ListValue__Output>
      NullValue: EnumTypeDefinition
      Struct: MessageTypeDefinition<_google_protobuf_Struct, _google_protobuf_Struct__Output>
      Value: MessageTypeDefinition<_google_protobuf_Value, _google_protobuf_Value__Output>
    }
  }
}

