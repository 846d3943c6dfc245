import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { decisionEventDraft } from '../../audit/index.ts';
import type { AuditSink } from '../../audit/index.ts';
import type { ApprovalBinding, ApprovalGate, TokenGate } from './decision-hooks.ts';
import type { Decision, Effect } from '../model/index.ts';
import { EFFECTS } from '../model/index.ts';
import type { JsonObject } from '../model/index.ts';
import { isJsonObject } from '../model/index.ts';
import type { DecisionInput, Subject, TokenFacts } from '../model/index.ts';
import { dropCallerFacts } from '../evaluation/index.ts';
import type { DecideCall, DecisionAnswer } from './decide-call.ts';
import type { IdempotencyStore } from './idempotency-store.ts';
import { MemoryIdempotencyStore } from './idempotency-store.ts';
import { RequestIdConflictError } from './request-errors.ts';
import { requestFingerprint } from './request-fingerprint.ts';

/** What the pipeline needs of a prepared bundle (engine/bundle/prepared-bundle.ts PreparedBundle fits). */
export interface DecidingBundle {
  readonly revision: string;
  evaluate(input: DecisionInput): Decision;
  /** The same evaluation on an evaluation worker (engine/decision/evaluation-pool); preferred when present. */
  evaluateOffThread?(input: DecisionInput): Promise<Decision>;
}

/** The active bundle at this instant (swapped atomically on hot reload). */
export interface BundleProvider {
  current(): DecidingBundle | undefined;
}

/** engine/evaluation/facts computeFacts: fills sql/command facts from raw text; errors mean deny. */
export type FactComputer = (context: JsonObject) => { context: JsonObject; errors: string[] };

export interface DecisionObserver {
  decided(effect: Effect, seconds: number, engineSeconds: number): void;
}

export interface DecisionPipelineOptions {
  bundles: BundleProvider;
  computeFacts: FactComputer;
  auditSink: AuditSink;
  /** Default true: an audit event that cannot be appended turns the answer into a deny. */
  auditRequired?: boolean;
  tokenGate?: TokenGate;
  approvalGate?: ApprovalGate;
  /** Default: a MemoryIdempotencyStore. */
  idempotency?: IdempotencyStore;
  /** How long a request_id is remembered; default 10 minutes. */
  idempotencyTtlMs?: number;
  /** The service clock; input.time and time.now_ns() see it. Default `new Date()`. */
  clock?: () => Date;
  observer?: DecisionObserver;
  /**
   * `serve --trust-caller-facts`: evaluate sql/command facts a caller sent without their text.
   * Default false: such facts are dropped and the decision's reasons say so.
   */
  trustCallerFacts?: boolean;
  /** Told about every failure that became a deny (for logging); never sees a raw token. */
  onFailure?: (stage: string, error: unknown) => void;
}

export interface DecideOptions {
  /** Epoch milliseconds after which the caller no longer waits; the answer is then never allow. */
  deadline?: number;
}

interface Remembered {
  fingerprint: string;
  answer: DecisionAnswer;
}

interface Outcome {
  answer: DecisionAnswer;
  /** False for denies caused by a failure of the service: a retry should be decided afresh. */
  remember: boolean;
}

const UNAUTHENTICATED: Subject = { id: 'unauthenticated', type: 'User', groups: [], claims: {} };

/**
 * One decision, in the order of docs/architecture.md "The decision path": validate (done by the caller) → idempotency → facts
 * → token check → token use → policy → approval → audit → answer. It resolves with a deny for
 * every failure (fail closed); it rejects only with RequestIdConflictError.
 */
export class DecisionPipeline {
  readonly #o: DecisionPipelineOptions;
  readonly #idempotency: IdempotencyStore;
  readonly #ttl: number;
  readonly #clock: () => Date;
  readonly #auditRequired: boolean;
  readonly #inFlight = new Map<string, Promise<Remembered | Outcome>>();

  constructor(options: DecisionPipelineOptions) {
    this.#o = options;
    this.#idempotency = options.idempotency ?? new MemoryIdempotencyStore();
    this.#ttl = options.idempotencyTtlMs ?? 10 * 60_000;
    this.#clock = options.clock ?? (() => new Date());
    this.#auditRequired = options.auditRequired ?? true;
  }

  async decide(call: DecideCall, options: DecideOptions = {}): Promise<DecisionAnswer> {
    const answer = await this.#decideRemembered(call, options);
    const gate = this.#o.approvalGate;
    if (answer.approvalId === undefined || !gate?.capabilityFor) return answer;
    return { ...answer, approvalCapability: gate.capabilityFor(answer.approvalId) };
  }

  async #decideRemembered(call: DecideCall, options: DecideOptions): Promise<DecisionAnswer> {
    const requestId = call.requestId;
    if (requestId === undefined) return (await this.#decideFresh(call, options)).answer;
    const fingerprint = requestFingerprint(call);
    const key = `decide:${requestId}`;
    // Concurrent duplicates wait for the first instead of deciding (and consuming) twice.
    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = this.#decideOnce(key, call, fingerprint, options);
      this.#inFlight.set(key, pending);
      const settled = pending;
      void settled.finally(() => {
        if (this.#inFlight.get(key) === settled) this.#inFlight.delete(key);
      });
    }
    const result = await pending;
    if ('remember' in result) return result.answer;
    if (result.fingerprint !== fingerprint) throw new RequestIdConflictError(requestId);
    return result.answer;
  }

  async #decideOnce(key: string, call: DecideCall, fingerprint: string, options: DecideOptions): Promise<Remembered | Outcome> {
    let stored: unknown;
    try {
      stored = await this.#idempotency.get<unknown>(key);
    } catch (error) {
      this.#o.onFailure?.('idempotency', error);
      return { answer: this.#denyAnswer(call, randomUUID(), 'service: idempotency store unavailable'), remember: false };
    }
    if (isRemembered(stored)) return stored;
    const outcome = await this.#decideFresh(call, options, fingerprint);
    if (!outcome.remember) return outcome;
    const remembered: Remembered = { fingerprint, answer: outcome.answer };
    try {
      await this.#idempotency.put(key, remembered, this.#ttl);
    } catch (error) {
      // The answer stands: token uses and approvals are themselves idempotent per request_id.
      this.#o.onFailure?.('idempotency', error);
    }
    return remembered;
  }

  async #decideFresh(call: DecideCall, options: DecideOptions, fingerprint?: string): Promise<Outcome> {
    const started = performance.now();
    const decisionId = randomUUID();
    const now = this.#clock();
    let input: DecisionInput = this.#input(call, call.subject ?? UNAUTHENTICATED, call.context, undefined, now);
    let engineMicros = 0;
    let revision = '';
    try {
      if (expired(options)) return await this.#failure(input, decisionId, 'service: deadline exceeded before evaluation', 0, '', started);
      const engineStart = performance.now();
      const untrusted = this.#o.trustCallerFacts ? { context: call.context, dropped: [] } : dropCallerFacts(call.context);
      const facts = this.#o.computeFacts(untrusted.context);
      engineMicros += (performance.now() - engineStart) * 1000;
      input = this.#input(call, call.subject ?? UNAUTHENTICATED, facts.context, undefined, now);

      let token: TokenFacts | undefined;
      if (call.token !== undefined) {
        const gate = this.#o.tokenGate;
        if (!gate) return await this.#failure(input, decisionId, 'token: token verification not configured on this service', engineMicros, '', started);
        const check = await gate.check(call.token, { action: call.action, resource: call.resource, context: facts.context, now });
        if (!check.ok) {
          return await this.#finish(input, { effect: 'deny', reasons: [`token:${check.check}: ${check.reason}`], obligations: {}, engines: [] }, decisionId, engineMicros, '', started, options);
        }
        token = check.token;
        input = this.#input(call, check.subject, facts.context, token, now);
      }
      if (facts.errors.length > 0) {
        const reasons = facts.errors.map((error) => (error.startsWith('facts:') ? error : `facts: ${error}`));
        return await this.#finish(input, { effect: 'deny', reasons, obligations: {}, engines: [] }, decisionId, engineMicros, '', started, options);
      }
      if (token && !call.action.endsWith('.connect')) {
        if (expired(options)) return await this.#failure(input, decisionId, 'service: deadline exceeded before the token use', engineMicros, '', started);
        // The use is keyed by the request itself, not only its id: once the idempotency entry
        // has expired, a different command sent under an old request_id must still count.
        const useKey = call.requestId !== undefined && fingerprint !== undefined ? `${call.requestId}:${fingerprint}` : decisionId;
        const use = await this.#o.tokenGate!.consumeUse(token, useKey);
        if (!use.ok) {
          return await this.#finish(input, { effect: 'deny', reasons: [`token:uses: ${use.reason}`], obligations: {}, engines: [] }, decisionId, engineMicros, '', started, options);
        }
        token = { ...token, uses: use.uses };
        input = { ...input, token };
      }

      const bundle = this.#o.bundles.current();
      if (!bundle) return await this.#failure(input, decisionId, 'service: no active policy bundle', engineMicros, '', started);
      revision = bundle.revision;
      const evalStart = performance.now();
      // A worker that crashes or hangs rejects: the catch below turns that into a deny.
      const decision = normalise(bundle.evaluateOffThread ? await bundle.evaluateOffThread(input) : bundle.evaluate(input));
      engineMicros += (performance.now() - evalStart) * 1000;
      if (untrusted.dropped.length > 0) decision.reasons = [...decision.reasons, ...untrusted.dropped];

      let approvalId: string | undefined;
      if (decision.effect === 'require_approval' && this.#o.approvalGate) {
        if (expired(options)) return await this.#failure(input, decisionId, 'service: deadline exceeded before the approval', engineMicros, revision, started);
        const binding = approvalBinding(input, token);
        const window = await this.#o.approvalGate.findWindow(binding, now);
        if (window) {
          decision.effect = 'allow';
          decision.reasons = [...decision.reasons, `approval:${window.approvalId}: allowed within the approval window`];
          approvalId = window.approvalId;
        } else {
          const requested = await this.#o.approvalGate.requestApproval({
            binding,
            input,
            decision,
            decisionId,
            requestId: call.requestId ?? decisionId,
          });
          approvalId = requested.approvalId;
        }
      }
      return await this.#finish(input, decision, decisionId, engineMicros, revision, started, options, approvalId);
    } catch (error) {
      this.#o.onFailure?.('decide', error);
      const message = error instanceof Error ? error.message : String(error);
      return await this.#failure(input, decisionId, `service: internal error: ${oneLine(message)}`, engineMicros, revision, started);
    }
  }

  /** Audits, then answers. A decision that cannot be audited (when audit is required) is a deny. */
  async #finish(
    input: DecisionInput,
    decision: Decision,
    decisionId: string,
    engineMicros: number,
    revision: string,
    started: number,
    options: DecideOptions,
    approvalId?: string,
  ): Promise<Outcome> {
    if (expired(options)) {
      return this.#failure(input, decisionId, 'service: deadline exceeded before the answer', engineMicros, revision, started);
    }
    const answer: DecisionAnswer = {
      decisionId,
      effect: decision.effect,
      reasons: decision.reasons,
      obligations: decision.obligations,
      policyRevision: revision,
    };
    // approval_id is reported only while an approval is pending; a window's id is in the reasons.
    if (approvalId !== undefined && decision.effect === 'require_approval') answer.approvalId = approvalId;
    if (input.requestId !== undefined) answer.requestId = input.requestId;
    try {
      await this.#o.auditSink.append(decisionEventDraft({
        decisionId,
        requestId: input.requestId ?? '',
        sessionId: input.sessionId,
        effect: answer.effect,
        reasons: answer.reasons,
        obligations: answer.obligations,
        policyRevision: revision,
        engineMicros,
        input,
        approvalId,
      }));
    } catch (error) {
      if (this.#auditRequired) {
        this.#o.onFailure?.('audit', error);
        const message = error instanceof Error ? error.message : String(error);
        return this.#observed({ answer: this.#denyAnswer(input, decisionId, `audit: ${oneLine(message)}`, revision), remember: false }, started, engineMicros);
      }
      this.#o.onFailure?.('audit-optional', error);
    }
    return this.#observed({ answer, remember: true }, started, engineMicros);
  }

  /** A deny caused by the service itself: audited when possible, never remembered. */
  async #failure(input: DecisionInput, decisionId: string, reason: string, engineMicros: number, revision: string, started: number): Promise<Outcome> {
    const answer = this.#denyAnswer(input, decisionId, reason, revision);
    try {
      await this.#o.auditSink.append(decisionEventDraft({
        decisionId,
        requestId: input.requestId ?? '',
        sessionId: input.sessionId,
        effect: 'deny',
        reasons: answer.reasons,
        obligations: {},
        policyRevision: revision,
        engineMicros,
        input,
      }));
    } catch (error) {
      this.#o.onFailure?.('audit', error);
    }
    return this.#observed({ answer, remember: false }, started, engineMicros);
  }

  #observed(outcome: Outcome, started: number, engineMicros: number): Outcome {
    this.#o.observer?.decided(outcome.answer.effect, (performance.now() - started) / 1000, engineMicros / 1e6);
    return outcome;
  }

  #denyAnswer(from: { requestId?: string }, decisionId: string, reason: string, revision = ''): DecisionAnswer {
    const answer: DecisionAnswer = { decisionId, effect: 'deny', reasons: [reason], obligations: {}, policyRevision: revision };
    if (from.requestId !== undefined) answer.requestId = from.requestId;
    return answer;
  }

  #input(call: DecideCall, subject: Subject, context: JsonObject, token: TokenFacts | undefined, now: Date): DecisionInput {
    const input: DecisionInput = { subject, action: call.action, resource: call.resource, context, time: now.toISOString() };
    if (token) input.token = token;
    if (call.sessionId !== undefined) input.sessionId = call.sessionId;
    if (call.requestId !== undefined) input.requestId = call.requestId;
    return input;
  }
}

function expired(options: DecideOptions): boolean {
  return options.deadline !== undefined && Date.now() >= options.deadline;
}

/** An engine result outside the contract (unknown effect, odd shapes) is a deny, never an allow. */
function normalise(decision: Decision): Decision {
  const reasons = Array.isArray(decision.reasons) ? decision.reasons.filter((r) => typeof r === 'string') : [];
  const obligations = isJsonObject(decision.obligations) ? decision.obligations : {};
  if (!EFFECTS.includes(decision.effect)) {
    return { ...decision, effect: 'deny', reasons: [...reasons, `service: engine returned unknown effect ${JSON.stringify(decision.effect)}`], obligations };
  }
  return { ...decision, reasons, obligations };
}

function approvalBinding(input: DecisionInput, token: TokenFacts | undefined): ApprovalBinding {
  const binding: ApprovalBinding = {
    subject: input.subject.id,
    action: input.action,
    resource: { type: input.resource.type, id: input.resource.id },
    text: rawText(input.context),
  };
  if (token?.executor !== undefined) binding.executor = token.executor;
  const sql = input.context.sql;
  if (isJsonObject(sql) && Array.isArray(sql.parameters)) binding.parameters = sql.parameters;
  return binding;
}

function rawText(context: JsonObject): string {
  for (const key of ['sql', 'command']) {
    const source = context[key];
    if (isJsonObject(source) && typeof source.text === 'string') return source.text;
  }
  return '';
}

function oneLine(text: string): string {
  return text.split('\n', 1)[0].slice(0, 500);
}

function isRemembered(value: unknown): value is Remembered {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as { fingerprint?: unknown; answer?: unknown };
  if (typeof record.fingerprint !== 'string' || typeof record.answer !== 'object' || record.answer === null) return false;
  const answer = record.answer as { decisionId?: unknown; effect?: unknown };
  return typeof answer.decisionId === 'string' && EFFECTS.includes(answer.effect as Effect);
}
