import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Approval as _gatehouse_v1_Approval, Approval__Output as _gatehouse_v1_Approval__Output } from './gatehouse/v1/Approval.ts';
import type { ApprovalServiceClient as _gatehouse_v1_ApprovalServiceClient, ApprovalServiceDefinition as _gatehouse_v1_ApprovalServiceDefinition } from './gatehouse/v1/ApprovalService.ts';
import type { ApproveRequest as _gatehouse_v1_ApproveRequest, ApproveRequest__Output as _gatehouse_v1_ApproveRequest__Output } from './gatehouse/v1/ApproveRequest.ts';
import type { ApproveResponse as _gatehouse_v1_ApproveResponse, ApproveResponse__Output as _gatehouse_v1_ApproveResponse__Output } from './gatehouse/v1/ApproveResponse.ts';
import type { AwaitApprovalRequest as _gatehouse_v1_AwaitApprovalRequest, AwaitApprovalRequest__Output as _gatehouse_v1_AwaitApprovalRequest__Output } from './gatehouse/v1/AwaitApprovalRequest.ts';
import type { AwaitApprovalResponse as _gatehouse_v1_AwaitApprovalResponse, AwaitApprovalResponse__Output as _gatehouse_v1_AwaitApprovalResponse__Output } from './gatehouse/v1/AwaitApprovalResponse.ts';
import type { DecideBatchRequest as _gatehouse_v1_DecideBatchRequest, DecideBatchRequest__Output as _gatehouse_v1_DecideBatchRequest__Output } from './gatehouse/v1/DecideBatchRequest.ts';
import type { DecideBatchResponse as _gatehouse_v1_DecideBatchResponse, DecideBatchResponse__Output as _gatehouse_v1_DecideBatchResponse__Output } from './gatehouse/v1/DecideBatchResponse.ts';
import type { DecideRequest as _gatehouse_v1_DecideRequest, DecideRequest__Output as _gatehouse_v1_DecideRequest__Output } from './gatehouse/v1/DecideRequest.ts';
import type { DecideResponse as _gatehouse_v1_DecideResponse, DecideResponse__Output as _gatehouse_v1_DecideResponse__Output } from './gatehouse/v1/DecideResponse.ts';
import type { DecideStreamError as _gatehouse_v1_DecideStreamError, DecideStreamError__Output as _gatehouse_v1_DecideStreamError__Output } from './gatehouse/v1/DecideStreamError.ts';
import type { DecideStreamRequest as _gatehouse_v1_DecideStreamRequest, DecideStreamRequest__Output as _gatehouse_v1_DecideStreamRequest__Output } from './gatehouse/v1/DecideStreamRequest.ts';
import type { DecideStreamResponse as _gatehouse_v1_DecideStreamResponse, DecideStreamResponse__Output as _gatehouse_v1_DecideStreamResponse__Output } from './gatehouse/v1/DecideStreamResponse.ts';
import type { DecisionServiceClient as _gatehouse_v1_DecisionServiceClient, DecisionServiceDefinition as _gatehouse_v1_DecisionServiceDefinition } from './gatehouse/v1/DecisionService.ts';
import type { DenyRequest as _gatehouse_v1_DenyRequest, DenyRequest__Output as _gatehouse_v1_DenyRequest__Output } from './gatehouse/v1/DenyRequest.ts';
import type { DenyResponse as _gatehouse_v1_DenyResponse, DenyResponse__Output as _gatehouse_v1_DenyResponse__Output } from './gatehouse/v1/DenyResponse.ts';
import type { GetApprovalRequest as _gatehouse_v1_GetApprovalRequest, GetApprovalRequest__Output as _gatehouse_v1_GetApprovalRequest__Output } from './gatehouse/v1/GetApprovalRequest.ts';
import type { GetApprovalResponse as _gatehouse_v1_GetApprovalResponse, GetApprovalResponse__Output as _gatehouse_v1_GetApprovalResponse__Output } from './gatehouse/v1/GetApprovalResponse.ts';
import type { ListApprovalsRequest as _gatehouse_v1_ListApprovalsRequest, ListApprovalsRequest__Output as _gatehouse_v1_ListApprovalsRequest__Output } from './gatehouse/v1/ListApprovalsRequest.ts';
import type { ListApprovalsResponse as _gatehouse_v1_ListApprovalsResponse, ListApprovalsResponse__Output as _gatehouse_v1_ListApprovalsResponse__Output } from './gatehouse/v1/ListApprovalsResponse.ts';
import type { Resource as _gatehouse_v1_Resource, Resource__Output as _gatehouse_v1_Resource__Output } from './gatehouse/v1/Resource.ts';
import type { Subject as _gatehouse_v1_Subject, Subject__Output as _gatehouse_v1_Subject__Output } from './gatehouse/v1/Subject.ts';
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
      Approval: MessageTypeDefinition<_gatehouse_v1_Approval, _gatehouse_v1_Approval__Output>
      ApprovalKind: EnumTypeDefinition
      /**
       * Lists, reviews and awaits approvals.
       * 
       * Status codes used by all methods:
       * * `UNAUTHENTICATED`: the caller's OIDC credential is missing or did not verify.
       * * `NOT_FOUND`: no approval has that id.
       * * `PERMISSION_DENIED`: policy does not allow the caller `approval.review`, or the caller is the
       * approval's subject or executor (nobody reviews their own request).
       * * `FAILED_PRECONDITION`: the approval is no longer pending, or its token failed the check at release.
       * * `INVALID_ARGUMENT`: a malformed field, named in the message.
       */
      ApprovalService: SubtypeConstructor<typeof grpc.Client, _gatehouse_v1_ApprovalServiceClient> & { service: _gatehouse_v1_ApprovalServiceDefinition }
      ApprovalStatus: EnumTypeDefinition
      ApproveRequest: MessageTypeDefinition<_gatehouse_v1_ApproveRequest, _gatehouse_v1_ApproveRequest__Output>
      ApproveResponse: MessageTypeDefinition<_gatehouse_v1_ApproveResponse, _gatehouse_v1_ApproveResponse__Output>
      AwaitApprovalRequest: MessageTypeDefinition<_gatehouse_v1_AwaitApprovalRequest, _gatehouse_v1_AwaitApprovalRequest__Output>
      AwaitApprovalResponse: MessageTypeDefinition<_gatehouse_v1_AwaitApprovalResponse, _gatehouse_v1_AwaitApprovalResponse__Output>
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
      DenyRequest: MessageTypeDefinition<_gatehouse_v1_DenyRequest, _gatehouse_v1_DenyRequest__Output>
      DenyResponse: MessageTypeDefinition<_gatehouse_v1_DenyResponse, _gatehouse_v1_DenyResponse__Output>
      Effect: EnumTypeDefinition
      GetApprovalRequest: MessageTypeDefinition<_gatehouse_v1_GetApprovalRequest, _gatehouse_v1_GetApprovalRequest__Output>
      GetApprovalResponse: MessageTypeDefinition<_gatehouse_v1_GetApprovalResponse, _gatehouse_v1_GetApprovalResponse__Output>
      ListApprovalsRequest: MessageTypeDefinition<_gatehouse_v1_ListApprovalsRequest, _gatehouse_v1_ListApprovalsRequest__Output>
      ListApprovalsResponse: MessageTypeDefinition<_gatehouse_v1_ListApprovalsResponse, _gatehouse_v1_ListApprovalsResponse__Output>
      Resource: MessageTypeDefinition<_gatehouse_v1_Resource, _gatehouse_v1_Resource__Output>
      Subject: MessageTypeDefinition<_gatehouse_v1_Subject, _gatehouse_v1_Subject__Output>
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

