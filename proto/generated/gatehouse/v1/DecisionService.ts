// Original file: gatehouse/v1/decision.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DecideBatchRequest as _gatehouse_v1_DecideBatchRequest, DecideBatchRequest__Output as _gatehouse_v1_DecideBatchRequest__Output } from './DecideBatchRequest.ts';
import type { DecideBatchResponse as _gatehouse_v1_DecideBatchResponse, DecideBatchResponse__Output as _gatehouse_v1_DecideBatchResponse__Output } from './DecideBatchResponse.ts';
import type { DecideRequest as _gatehouse_v1_DecideRequest, DecideRequest__Output as _gatehouse_v1_DecideRequest__Output } from './DecideRequest.ts';
import type { DecideResponse as _gatehouse_v1_DecideResponse, DecideResponse__Output as _gatehouse_v1_DecideResponse__Output } from './DecideResponse.ts';
import type { DecideStreamRequest as _gatehouse_v1_DecideStreamRequest, DecideStreamRequest__Output as _gatehouse_v1_DecideStreamRequest__Output } from './DecideStreamRequest.ts';
import type { DecideStreamResponse as _gatehouse_v1_DecideStreamResponse, DecideStreamResponse__Output as _gatehouse_v1_DecideStreamResponse__Output } from './DecideStreamResponse.ts';

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
export interface DecisionServiceClient extends grpc.Client {
  /**
   * Decides one request.
   */
  Decide(argument: _gatehouse_v1_DecideRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  Decide(argument: _gatehouse_v1_DecideRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  Decide(argument: _gatehouse_v1_DecideRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  Decide(argument: _gatehouse_v1_DecideRequest, callback: grpc.requestCallback<_gatehouse_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Decides one request.
   */
  decide(argument: _gatehouse_v1_DecideRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  decide(argument: _gatehouse_v1_DecideRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  decide(argument: _gatehouse_v1_DecideRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  decide(argument: _gatehouse_v1_DecideRequest, callback: grpc.requestCallback<_gatehouse_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Decides up to 1000 requests in one call. Each request is decided independently (as by
   * `Decide`), and the responses are returned in request order. If any request is malformed, the
   * whole call fails with `INVALID_ARGUMENT` naming `requests[<index>].<field>` and none is decided.
   */
  DecideBatch(argument: _gatehouse_v1_DecideBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_DecideBatchResponse__Output>): grpc.ClientUnaryCall;
  DecideBatch(argument: _gatehouse_v1_DecideBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_DecideBatchResponse__Output>): grpc.ClientUnaryCall;
  DecideBatch(argument: _gatehouse_v1_DecideBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_DecideBatchResponse__Output>): grpc.ClientUnaryCall;
  DecideBatch(argument: _gatehouse_v1_DecideBatchRequest, callback: grpc.requestCallback<_gatehouse_v1_DecideBatchResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Decides up to 1000 requests in one call. Each request is decided independently (as by
   * `Decide`), and the responses are returned in request order. If any request is malformed, the
   * whole call fails with `INVALID_ARGUMENT` naming `requests[<index>].<field>` and none is decided.
   */
  decideBatch(argument: _gatehouse_v1_DecideBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_DecideBatchResponse__Output>): grpc.ClientUnaryCall;
  decideBatch(argument: _gatehouse_v1_DecideBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_DecideBatchResponse__Output>): grpc.ClientUnaryCall;
  decideBatch(argument: _gatehouse_v1_DecideBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_DecideBatchResponse__Output>): grpc.ClientUnaryCall;
  decideBatch(argument: _gatehouse_v1_DecideBatchRequest, callback: grpc.requestCallback<_gatehouse_v1_DecideBatchResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A long-lived bidirectional stream: the data plane sends requests as they arise and the service
   * answers each one as soon as it is decided, possibly out of order. Answers are matched to
   * requests by `request_id`, which is therefore required on this method. A malformed request
   * is answered with a `DecideStreamResponse.error` and does not end the stream. Per message this
   * costs far less than a unary call, so data planes should keep one stream open.
   * 
   * The service processes up to 256 requests of one stream concurrently and stops reading from the
   * stream while that many are pending (flow control applies back-pressure to the client). When the
   * service shuts down it answers the requests it has read and then ends the stream with `OK`;
   * the client re-opens it on another replica.
   */
  DecideStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_gatehouse_v1_DecideStreamRequest, _gatehouse_v1_DecideStreamResponse__Output>;
  DecideStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_gatehouse_v1_DecideStreamRequest, _gatehouse_v1_DecideStreamResponse__Output>;
  /**
   * A long-lived bidirectional stream: the data plane sends requests as they arise and the service
   * answers each one as soon as it is decided, possibly out of order. Answers are matched to
   * requests by `request_id`, which is therefore required on this method. A malformed request
   * is answered with a `DecideStreamResponse.error` and does not end the stream. Per message this
   * costs far less than a unary call, so data planes should keep one stream open.
   * 
   * The service processes up to 256 requests of one stream concurrently and stops reading from the
   * stream while that many are pending (flow control applies back-pressure to the client). When the
   * service shuts down it answers the requests it has read and then ends the stream with `OK`;
   * the client re-opens it on another replica.
   */
  decideStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_gatehouse_v1_DecideStreamRequest, _gatehouse_v1_DecideStreamResponse__Output>;
  decideStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_gatehouse_v1_DecideStreamRequest, _gatehouse_v1_DecideStreamResponse__Output>;
  
}

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
export interface DecisionServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Decides one request.
   */
  Decide: grpc.handleUnaryCall<_gatehouse_v1_DecideRequest__Output, _gatehouse_v1_DecideResponse>;
  
  /**
   * Decides up to 1000 requests in one call. Each request is decided independently (as by
   * `Decide`), and the responses are returned in request order. If any request is malformed, the
   * whole call fails with `INVALID_ARGUMENT` naming `requests[<index>].<field>` and none is decided.
   */
  DecideBatch: grpc.handleUnaryCall<_gatehouse_v1_DecideBatchRequest__Output, _gatehouse_v1_DecideBatchResponse>;
  
  /**
   * A long-lived bidirectional stream: the data plane sends requests as they arise and the service
   * answers each one as soon as it is decided, possibly out of order. Answers are matched to
   * requests by `request_id`, which is therefore required on this method. A malformed request
   * is answered with a `DecideStreamResponse.error` and does not end the stream. Per message this
   * costs far less than a unary call, so data planes should keep one stream open.
   * 
   * The service processes up to 256 requests of one stream concurrently and stops reading from the
   * stream while that many are pending (flow control applies back-pressure to the client). When the
   * service shuts down it answers the requests it has read and then ends the stream with `OK`;
   * the client re-opens it on another replica.
   */
  DecideStream: grpc.handleBidiStreamingCall<_gatehouse_v1_DecideStreamRequest__Output, _gatehouse_v1_DecideStreamResponse>;
  
}

export interface DecisionServiceDefinition extends grpc.ServiceDefinition {
  Decide: MethodDefinition<_gatehouse_v1_DecideRequest, _gatehouse_v1_DecideResponse, _gatehouse_v1_DecideRequest__Output, _gatehouse_v1_DecideResponse__Output>
  DecideBatch: MethodDefinition<_gatehouse_v1_DecideBatchRequest, _gatehouse_v1_DecideBatchResponse, _gatehouse_v1_DecideBatchRequest__Output, _gatehouse_v1_DecideBatchResponse__Output>
  DecideStream: MethodDefinition<_gatehouse_v1_DecideStreamRequest, _gatehouse_v1_DecideStreamResponse, _gatehouse_v1_DecideStreamRequest__Output, _gatehouse_v1_DecideStreamResponse__Output>
}
