import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ApprovalEventData as _gatehouse_v1_ApprovalEventData, ApprovalEventData__Output as _gatehouse_v1_ApprovalEventData__Output } from './gatehouse/v1/ApprovalEventData.ts';
import type { AuditEvent as _gatehouse_v1_AuditEvent, AuditEvent__Output as _gatehouse_v1_AuditEvent__Output } from './gatehouse/v1/AuditEvent.ts';
import type { DecisionEventData as _gatehouse_v1_DecisionEventData, DecisionEventData__Output as _gatehouse_v1_DecisionEventData__Output } from './gatehouse/v1/DecisionEventData.ts';
import type { SessionEventData as _gatehouse_v1_SessionEventData, SessionEventData__Output as _gatehouse_v1_SessionEventData__Output } from './gatehouse/v1/SessionEventData.ts';
import type { SessionResource as _gatehouse_v1_SessionResource, SessionResource__Output as _gatehouse_v1_SessionResource__Output } from './gatehouse/v1/SessionResource.ts';
import type { TokenEventData as _gatehouse_v1_TokenEventData, TokenEventData__Output as _gatehouse_v1_TokenEventData__Output } from './gatehouse/v1/TokenEventData.ts';
import type { ListValue as _google_protobuf_ListValue, ListValue__Output as _google_protobuf_ListValue__Output } from './google/protobuf/ListValue.ts';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from './google/protobuf/Struct.ts';
import type { Value as _google_protobuf_Value, Value__Output as _google_protobuf_Value__Output } from './google/protobuf/Value.ts';

export interface ProtoGrpcType {
  gatehouse: {
    v1: {
      ApprovalEventData: MessageTypeDefinition<_gatehouse_v1_ApprovalEventData, _gatehouse_v1_ApprovalEventData__Output>
      AuditEvent: MessageTypeDefinition<_gatehouse_v1_AuditEvent, _gatehouse_v1_AuditEvent__Output>
      DecisionEventData: MessageTypeDefinition<_gatehouse_v1_DecisionEventData, _gatehouse_v1_DecisionEventData__Output>
      SessionEventData: MessageTypeDefinition<_gatehouse_v1_SessionEventData, _gatehouse_v1_SessionEventData__Output>
      SessionResource: MessageTypeDefinition<_gatehouse_v1_SessionResource, _gatehouse_v1_SessionResource__Output>
      TokenEventData: MessageTypeDefinition<_gatehouse_v1_TokenEventData, _gatehouse_v1_TokenEventData__Output>
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

