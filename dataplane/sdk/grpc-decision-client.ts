import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Effect, JsonObject } from '../../engine/model/index.ts';
import { loadGatehouseProtos } from '../../proto/gatehouse-protos.ts';
import type { DecideRequest } from '../../proto/generated/gatehouse/v1/DecideRequest.ts';
import type { DecideResponse__Output } from '../../proto/generated/gatehouse/v1/DecideResponse.ts';
import type { DecideStreamRequest } from '../../proto/generated/gatehouse/v1/DecideStreamRequest.ts';
import type { DecideStreamResponse__Output } from '../../proto/generated/gatehouse/v1/DecideStreamResponse.ts';
import type { DecisionServiceClient } from '../../proto/generated/gatehouse/v1/DecisionService.ts';
import type { ApprovalOutcome, DataPlaneDecision, DecisionAsk, DecisionClient } from './data-plane-decision.ts';
import { awaitApprovalOverGrpc, grpcDetail } from './approval-waiter.ts';
import type { GrpcDecisionClientOptions } from './grpc-decision-client-options.ts';
import { replicaAddresses } from './replica-addresses.ts';
import { jsonToStruct, structToJson, StructJsonError } from '../../proto/struct-json.ts';
import { encodeContextJson } from './context-json-encoding.ts';

export type { GrpcDecisionClientOptions };

const EFFECTS: Record<string, Effect> = {
  EFFECT_ALLOW: 'allow',
  EFFECT_DENY: 'deny',
  EFFECT_REQUIRE_APPROVAL: 'require_approval',
};

const MIN_ATTEMPTS = 3;

const MAX_CAPABILITIES = 10_000;

interface Pending {
  resolve: (response: DecideResponse__Output) => void;
  fail: (reason: string) => void;
  /** Epoch ms after which the request is failed (deadline sweep). */
  deadline: number;
}

/**
 * The data plane's decision client. It keeps one DecideStream open (several times the
 * throughput of unary calls) and matches answers by request_id. It fails closed: a
 * deadline, a broken stream that cannot be re-opened in time, a stream error or
 * EFFECT_UNSPECIFIED all come back as a deny whose reason says which. A request is only
 * ever retried with the same request_id, so the service decides it (and counts a token
 * use) once.
 */
export class GrpcDecisionClient implements DecisionClient {
  private readonly clients: DecisionServiceClient[];
  /** The replica the stream is (re-)opened on; a broken stream moves it to the next. */
  private current = 0;
  private readonly maxAttempts: number;
  private stream: grpc.ClientDuplexStream<DecideStreamRequest, DecideStreamResponse__Output> | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly deadlineMs: number;
  /**
   * One timer for every pending request instead of one each: armed for the earliest deadline
   * (new requests' deadlines are later, so most sends arm nothing), and on firing it fails what
   * has expired and re-arms for the earliest left.
   */
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweepAt = Infinity;
  /** approval id → its await capability, from the require_approval answers this client received. */
  private readonly capabilities = new Map<string, string>();

  constructor(private readonly options: GrpcDecisionClientOptions) {
    const protos = loadGatehouseProtos();
    const credentials = options.credentials ?? grpc.credentials.createInsecure();
    this.clients = replicaAddresses(options.address).map(
      (address) =>
        new protos.services.DecisionService(address, credentials, {
          'grpc.keepalive_time_ms': 30_000,
          'grpc.max_reconnect_backoff_ms': 2_000,
        }),
    );
    // Every replica gets a try, and the first one a second.
    this.maxAttempts = Math.max(MIN_ATTEMPTS, this.clients.length + 1);
    this.deadlineMs = options.deadlineMs ?? 5_000;
  }

  decide(ask: DecisionAsk): Promise<DataPlaneDecision> {
    let contextJson: Buffer;
    try {
      contextJson = encodeContextJson(ask.context);
    } catch (error) {
      return Promise.resolve(cannotEncode(error));
    }
    return this.decideEncoded(ask, contextJson);
  }

  /**
   * `decide` with the context already encoded by `encodeContextJson(ask.context)`: a caller that measured the request's size reuses that encoding. The context travels
   * as `context_json`, which the service parses once, instead of a nested Struct built here,
   * encoded by protobuf and decoded value by value there.
   */
  async decideEncoded(ask: DecisionAsk, contextJson: Buffer): Promise<DataPlaneDecision> {
    const requestId = ask.requestId ?? randomUUID();
    let request: DecideRequest;
    try {
      request = decideRequest(ask, requestId, contextJson);
    } catch (error) {
      return cannotEncode(error);
    }
    const deadline = Date.now() + this.deadlineMs;
    let lastFailure = 'no answer';
    // A broken stream is re-opened (on the next replica) and the same request re-sent, a few
    // times while time remains: enough to ride over a service restart or a replica's loss, not
    // so many that a service that is down holds every statement for the whole deadline before
    // failing closed. The request_id is the same each time, so it is decided (and a token use
    // counted) once, whichever replica answers.
    for (let attempt = 0; attempt < this.maxAttempts && Date.now() < deadline; attempt++) {
      try {
        const response = await this.sendOnStream(request, requestId, deadline);
        // An older service ignores context_json and decided on an empty context: never enforce that.
        if (!response.reads_context_json) {
          return denial('gatehouse: the decision service does not read context_json (it is older than this data plane); upgrade it; denied');
        }
        if (response.approval_id && response.approval_capability) this.rememberCapability(response.approval_id, response.approval_capability);
        return toDecision(response);
      } catch (failure) {
        lastFailure = failure instanceof Error ? failure.message : String(failure);
        if (lastFailure.startsWith('deadline') || lastFailure.startsWith('rejected')) break;
        await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, deadline - Date.now()))));
      }
    }
    return denial(`gatehouse: decision service unavailable (${lastFailure}); denied (fail closed)`);
  }

  async awaitApproval(approvalId: string, token: string | undefined, signal?: AbortSignal): Promise<ApprovalOutcome> {
    const capability = this.capabilities.get(approvalId) ?? '';
    try {
      return await awaitApprovalOverGrpc(this.options, approvalId, capability, token, signal);
    } finally {
      this.capabilities.delete(approvalId);
    }
  }

  /** Kept only until the approval is awaited; bounded so a flood of unawaited approvals cannot grow it. */
  private rememberCapability(approvalId: string, capability: string): void {
    this.capabilities.delete(approvalId);
    this.capabilities.set(approvalId, capability);
    if (this.capabilities.size > MAX_CAPABILITIES) this.capabilities.delete(this.capabilities.keys().next().value!);
  }

  close(): void {
    this.stream?.end();
    this.stream = undefined;
    for (const [, pending] of this.pending) pending.fail('client closed');
    this.pending.clear();
    this.disarmSweep();
    for (const client of this.clients) client.close();
  }

  private sendOnStream(request: DecideRequest, requestId: string, deadline: number): Promise<DecideResponse__Output> {
    const stream = this.openStream();
    return new Promise<DecideResponse__Output>((resolve, reject) => {
      this.pending.set(requestId, { resolve, fail: (reason) => reject(new Error(reason)), deadline });
      if (deadline < this.sweepAt) this.armSweep(deadline);
      stream.write({ request });
    });
  }

  private armSweep(at: number): void {
    if (this.sweepTimer !== undefined) clearTimeout(this.sweepTimer);
    this.sweepAt = at;
    this.sweepTimer = setTimeout(() => this.sweep(), Math.max(0, at - Date.now()));
  }

  /** Nothing pending: no timer keeps the process alive (as when each request had its own). */
  private disarmSweep(): void {
    if (this.sweepTimer !== undefined) clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.sweepAt = Infinity;
  }

  /** Fails every request past its deadline, then waits for the earliest one left. */
  private sweep(): void {
    this.sweepTimer = undefined;
    this.sweepAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const [id, pending] of this.pending) {
      if (pending.deadline <= now) {
        this.pending.delete(id);
        pending.fail(`deadline of ${this.deadlineMs} ms passed`);
      } else if (pending.deadline < next) next = pending.deadline;
    }
    if (next !== Infinity) this.armSweep(next);
  }

  private openStream(): grpc.ClientDuplexStream<DecideStreamRequest, DecideStreamResponse__Output> {
    if (this.stream) return this.stream;
    const stream = this.clients[this.current]!.DecideStream();
    this.stream = stream;
    stream.on('data', (message: DecideStreamResponse__Output) => {
      const pending = this.pending.get(message.request_id);
      if (!pending) return;
      this.pending.delete(message.request_id);
      if (this.pending.size === 0) this.disarmSweep();
      if (message.result === 'response' && message.response) pending.resolve(message.response);
      else pending.fail(`rejected by the service: ${message.error?.message ?? 'no answer'}`);
    });
    const broken = (reason: string): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.current = (this.current + 1) % this.clients.length;
      for (const [id, pending] of this.pending) {
        this.pending.delete(id);
        pending.fail(reason);
      }
      this.disarmSweep();
    };
    stream.on('error', (error: grpc.ServiceError) => broken(`stream failed: ${grpcDetail(error)}`));
    stream.on('end', () => broken('stream ended'));
    return stream;
  }
}

function decideRequest(ask: DecisionAsk, requestId: string, contextJson: Buffer): DecideRequest {
  return {
    action: ask.action,
    resource: { type: ask.resource.type, id: ask.resource.id, attributes: jsonToStruct(ask.resource.attributes ?? {}, 'resource.attributes') },
    context_json: contextJson,
    token: ask.token ?? '',
    session_id: ask.sessionId,
    request_id: requestId,
    subject: ask.subject
      ? { id: ask.subject.id, type: ask.subject.type ?? '', groups: ask.subject.groups ?? [], claims: jsonToStruct(ask.subject.claims ?? {}, 'subject.claims') }
      : undefined,
  };
}

/** A value JSON cannot carry (NaN, Infinity) in the ask: nothing is sent, and nothing is allowed. */
export function cannotEncode(error: unknown): DataPlaneDecision {
  if (error instanceof StructJsonError) return denial(`gatehouse: the request cannot be encoded (${error.message}); denied`);
  throw error;
}

function toDecision(response: DecideResponse__Output): DataPlaneDecision {
  const effect = EFFECTS[response.effect];
  if (!effect) return denial(`gatehouse: the service answered ${response.effect || 'EFFECT_UNSPECIFIED'}; denied`);
  let obligations: JsonObject;
  try {
    obligations = structToJson(response.obligations, 'obligations');
  } catch (error) {
    // Obligations the data plane cannot read cannot be enforced.
    if (error instanceof StructJsonError) return denial(`gatehouse: the service sent unreadable obligations (${error.message}); denied`);
    throw error;
  }
  return {
    decisionId: response.decision_id,
    effect,
    reasons: response.reasons,
    obligations,
    approvalId: response.approval_id || undefined,
    policyRevision: response.policy_revision,
  };
}

function denial(reason: string): DataPlaneDecision {
  return { decisionId: '', effect: 'deny', reasons: [reason], obligations: {}, policyRevision: '' };
}
