import type { EngineDecision } from '../../model/index.ts';
import type { JsonObject } from '../../model/index.ts';
import type { DecisionInput } from '../../model/index.ts';
import type { PolicyEvaluator } from '../policy-evaluator.ts';
import { HOST_BUILTINS } from './builtins/host-builtins.ts';
import { clockFromInputTime } from './builtins/time-builtins.ts';
import { DEFAULT_REGO_ENTRYPOINT } from './compile-rego.ts';
import { parseExactJson } from './exact-json.ts';
import { failedDecision, mapRegoResult } from './rego-decision.ts';
import { RegoLoadError } from './rego-errors.ts';
import { WasmPolicyInstance } from './wasm-policy-instance.ts';

export interface PrepareRegoOptions {
  wasm: Uint8Array;
  data: JsonObject;
  /** Default `gatehouse/decision`. */
  entrypoint?: string;
  /**
   * Reload the data document every N evaluations, which resets the WASM heap (the SDK's memory
   * growth issue, npm-opa-wasm#143). Default 10,000.
   */
  resetEvery?: number;
  /** Re-instantiate when linear memory (which never shrinks) passes this size. Default 256 MiB. */
  maxMemoryBytes?: number;
}

/** The prepared Rego engine of one bundle revision. */
export interface RegoEvaluator extends PolicyEvaluator {
  readonly entrypoint: string;
  /** Non-native builtins the module calls (all supplied by Gatehouse). */
  readonly requiredBuiltins: readonly string[];
  /** Builtin errors of the last evaluation; OPA makes such calls undefined (for --explain). */
  lastBuiltinErrors(): readonly string[];
  /** Current WASM linear memory size, for metrics and tests. */
  memoryBytes(): number;
}

/**
 * Instantiates an opa-compiled policy.wasm once; `evaluate` then runs it synchronously per request.
 * Throws RegoLoadError when the module needs a builtin Gatehouse does not supply, lacks the
 * entrypoint, or has an unsupported ABI.
 */
export async function prepareRegoEvaluator(options: PrepareRegoOptions): Promise<RegoEvaluator> {
  const entrypoint = options.entrypoint ?? DEFAULT_REGO_ENTRYPOINT;
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(options.wasm.slice());
  } catch (err) {
    throw new RegoLoadError(`policy.wasm is not a valid WebAssembly module: ${(err as Error).message}`);
  }
  if (!WebAssembly.Module.exports(module).some((e) => e.name === 'opa_eval')) {
    throw new RegoLoadError('policy.wasm was not built by opa (no opa_eval export)');
  }
  const first = new WasmPolicyInstance(module, HOST_BUILTINS);
  const missing = first.requiredBuiltins.filter((name) => !HOST_BUILTINS.has(name));
  if (missing.length === 1) {
    throw new RegoLoadError(`bundle needs builtin ${missing[0]}, which Gatehouse does not supply`);
  }
  if (missing.length > 1) {
    throw new RegoLoadError(`bundle needs builtins ${missing.join(', ')}, which Gatehouse does not supply`);
  }
  const entrypointId = first.entrypoints.get(entrypoint);
  if (entrypointId === undefined) {
    const known = [...first.entrypoints.keys()].join(', ') || 'none';
    throw new RegoLoadError(`policy.wasm has no entrypoint ${entrypoint} (it has: ${known})`);
  }
  const dataBytes = new TextEncoder().encode(JSON.stringify(options.data));
  first.setData(dataBytes);
  return new WasmRegoEvaluator(module, first, dataBytes, entrypoint, entrypointId, options.resetEvery ?? 10_000, options.maxMemoryBytes ?? 256 * 1024 * 1024);
}

class WasmRegoEvaluator implements RegoEvaluator {
  readonly engine = 'rego' as const;
  readonly requiredBuiltins: readonly string[];
  private instance: WasmPolicyInstance | undefined;
  private evaluations = 0;

  constructor(
    private readonly module: WebAssembly.Module,
    instance: WasmPolicyInstance,
    private readonly dataBytes: Uint8Array,
    readonly entrypoint: string,
    private readonly entrypointId: number,
    private readonly resetEvery: number,
    private readonly maxMemoryBytes: number,
  ) {
    this.instance = instance;
    this.requiredBuiltins = instance.requiredBuiltins;
  }

  evaluate(input: DecisionInput): EngineDecision {
    const instance = this.instance;
    if (!instance) return failedDecision(this.entrypoint, 'the Rego engine is closed or could not be restarted');
    let nowNs: bigint;
    try {
      nowNs = clockFromInputTime(input.time);
    } catch {
      return failedDecision(this.entrypoint, `input.time ${JSON.stringify(input.time)} is not an RFC 3339 instant`);
    }
    let decision: EngineDecision;
    try {
      const resultText = instance.evaluate(this.entrypointId, JSON.stringify(input), { nowNs });
      decision = mapRegoResult(parseExactJson(resultText), this.entrypoint);
    } catch (err) {
      // An abort can leave the instance's allocator mid-operation: start a fresh one.
      this.restart();
      return failedDecision(this.entrypoint, err instanceof Error ? err.message : String(err));
    }
    this.recycle();
    return decision;
  }

  /** Bounds WASM memory: reset the heap periodically, re-instantiate if memory grew too far. */
  private recycle(): void {
    const instance = this.instance;
    if (!instance) return;
    this.evaluations++;
    if (instance.memoryBytes > this.maxMemoryBytes) {
      this.restart();
    } else if (this.evaluations % this.resetEvery === 0) {
      try {
        instance.setData(this.dataBytes);
      } catch {
        this.restart();
      }
    }
  }

  private restart(): void {
    try {
      const fresh = new WasmPolicyInstance(this.module, HOST_BUILTINS);
      fresh.setData(this.dataBytes);
      this.instance = fresh;
    } catch {
      this.instance = undefined;
    }
  }

  lastBuiltinErrors(): readonly string[] {
    return this.instance?.builtinErrors ?? [];
  }

  memoryBytes(): number {
    return this.instance?.memoryBytes ?? 0;
  }

  close(): void {
    this.instance = undefined;
  }
}
