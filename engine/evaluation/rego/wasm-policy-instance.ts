import { parseExactJson, stringifyExactJson } from './exact-json.ts';
import type { BuiltinContext, HostBuiltin, RegoValue } from './builtins/rego-value.ts';
import { RegoLoadError } from './rego-errors.ts';

/**
 * One instance of an opa-compiled WASM module (ABI 1.2+ one-shot `opa_eval`).
 *
 * This follows `@open-policy-agent/opa-wasm`'s LoadedPolicy closely but owns the builtin
 * dispatch, because the SDK (1) parses builtin arguments with JSON.parse and serialises results
 * with JSON.stringify, losing integers beyond 2^53 that OPA keeps exact (nanosecond clocks),
 * (2) lets an exception from a builtin abort the whole evaluation where OPA makes the call
 * undefined, and (3) lets its JavaScript-RegExp `regex.split` shadow any host implementation.
 * The SDK's own builtins (sprintf, yaml.*) are still used, through the host builtin table.
 */

interface OpaExports {
  memory?: WebAssembly.Memory;
  opa_malloc(size: number): number;
  opa_json_parse(addr: number, len: number): number;
  opa_json_dump(addr: number): number;
  opa_heap_ptr_get(): number;
  opa_heap_ptr_set(addr: number): void;
  opa_eval(reserved: number, entrypoint: number, data: number, input: number, inputLen: number, heap: number, format: number): number;
  builtins(): number;
  entrypoints(): number;
  opa_wasm_abi_version?: WebAssembly.Global | number;
  opa_wasm_abi_minor_version?: WebAssembly.Global | number;
}

const PAGE = 64 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function globalNumber(value: WebAssembly.Global | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? value : Number(value.value);
}

export class WasmPolicyInstance {
  private readonly memory: WebAssembly.Memory;
  private readonly exports: OpaExports;
  private readonly builtinNames = new Map<number, string>();
  readonly entrypoints: ReadonlyMap<string, number>;
  /** Names of the non-native builtins the module calls. */
  readonly requiredBuiltins: readonly string[];
  private baseHeapPtr: number;
  private dataAddr = 0;
  private dataHeapPtr = 0;
  private context: BuiltinContext = { nowNs: 0n };
  /** Builtin errors of the last evaluation (each made its call undefined, as in OPA). */
  builtinErrors: string[] = [];

  constructor(module: WebAssembly.Module, private readonly hostBuiltins: ReadonlyMap<string, HostBuiltin>) {
    this.memory = new WebAssembly.Memory({ initial: 5 });
    const dispatch = (id: number, ...args: number[]) => this.callBuiltin(id, args);
    const instance = new WebAssembly.Instance(module, {
      env: {
        memory: this.memory,
        opa_abort: (addr: number) => {
          throw new Error(`opa_abort: ${this.readCString(addr)}`);
        },
        opa_println: () => undefined,
        opa_builtin0: (id: number) => dispatch(id),
        opa_builtin1: (id: number, _ctx: number, a: number) => dispatch(id, a),
        opa_builtin2: (id: number, _ctx: number, a: number, b: number) => dispatch(id, a, b),
        opa_builtin3: (id: number, _ctx: number, a: number, b: number, c: number) => dispatch(id, a, b, c),
        opa_builtin4: (id: number, _ctx: number, a: number, b: number, c: number, d: number) => dispatch(id, a, b, c, d),
      },
    });
    this.exports = instance.exports as unknown as OpaExports;

    const abi = globalNumber(this.exports.opa_wasm_abi_version);
    const minor = globalNumber(this.exports.opa_wasm_abi_minor_version);
    if (abi !== 1 || minor === undefined || minor < 2) {
      throw new RegoLoadError(`policy.wasm has OPA WASM ABI ${abi ?? '?'}.${minor ?? '?'}; Gatehouse needs ABI 1.2 or later (rebuild with a current opa)`);
    }

    const builtins = this.dumpValue(this.exports.builtins());
    const required: string[] = [];
    if (builtins && typeof builtins === 'object' && !Array.isArray(builtins)) {
      for (const [name, id] of Object.entries(builtins)) {
        this.builtinNames.set(Number(id), name);
        required.push(name);
      }
    }
    this.requiredBuiltins = required.sort();

    const entrypoints = this.dumpValue(this.exports.entrypoints());
    const table = new Map<string, number>();
    if (entrypoints && typeof entrypoints === 'object' && !Array.isArray(entrypoints)) {
      for (const [name, id] of Object.entries(entrypoints)) table.set(name, Number(id));
    }
    this.entrypoints = table;
    this.baseHeapPtr = this.exports.opa_heap_ptr_get();
  }

  /** Loads the data document (the bundle's data.json), replacing any previous one. */
  setData(dataJson: Uint8Array): void {
    this.exports.opa_heap_ptr_set(this.baseHeapPtr);
    this.dataAddr = this.loadJsonBytes(dataJson);
    this.dataHeapPtr = this.exports.opa_heap_ptr_get();
  }

  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Evaluates one entrypoint with a JSON input text and returns the result-set JSON text.
   * The input is encoded straight into WASM memory (no intermediate buffer).
   */
  evaluate(entrypoint: number, inputJson: string, context: BuiltinContext): string {
    this.context = context;
    this.builtinErrors = [];
    const inputAddr = this.dataHeapPtr;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const needed = inputAddr + inputJson.length * 3 - this.memory.buffer.byteLength;
    if (needed > 0) this.memory.grow(Math.ceil(needed / PAGE));
    const target = new Uint8Array(this.memory.buffer, inputAddr, inputJson.length * 3);
    const { written } = encoder.encodeInto(inputJson, target);
    const resultAddr = this.exports.opa_eval(0, entrypoint, this.dataAddr, inputAddr, written, inputAddr + written, 0);
    return this.readCString(resultAddr);
  }

  private callBuiltin(id: number, argAddrs: number[]): number {
    const name = this.builtinNames.get(id) ?? `#${id}`;
    const impl = this.hostBuiltins.get(name);
    if (!impl) {
      // Load-time checks make this unreachable; fail the evaluation rather than guess.
      throw new Error(`builtin ${name} is not supplied`);
    }
    let result: RegoValue | undefined;
    try {
      const args = argAddrs.map((addr) => this.dumpValue(addr));
      result = impl(args, this.context);
    } catch (err) {
      this.builtinErrors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      return 0;
    }
    if (result === undefined) return 0;
    return this.loadJsonBytes(encoder.encode(stringifyExactJson(result)));
  }

  private dumpValue(addr: number): RegoValue {
    return parseExactJson(this.readCString(this.exports.opa_json_dump(addr)));
  }

  private loadJsonBytes(bytes: Uint8Array): number {
    const addr = this.exports.opa_malloc(bytes.byteLength);
    new Uint8Array(this.memory.buffer).set(bytes, addr);
    const parsed = this.exports.opa_json_parse(addr, bytes.byteLength);
    if (parsed === 0) throw new Error('WASM runtime could not parse a JSON value');
    return parsed;
  }

  private readCString(addr: number): string {
    const bytes = new Uint8Array(this.memory.buffer);
    const end = bytes.indexOf(0, addr);
    return decoder.decode(bytes.subarray(addr, end < 0 ? bytes.length : end));
  }
}
