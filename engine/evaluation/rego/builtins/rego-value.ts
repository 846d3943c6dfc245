import { GatehouseError } from '../../../model/index.ts';

/**
 * Values as host builtins see them. Integers outside JavaScript's safe range arrive as `bigint`
 * so that nanosecond timestamps stay exact, as they are in OPA.
 */
export type RegoValue = null | boolean | number | bigint | string | RegoValue[] | RegoObject;
export interface RegoObject {
  [key: string]: RegoValue;
}

export interface BuiltinContext {
  /** The decision's clock (`input.time`) in nanoseconds since the Unix epoch. */
  readonly nowNs: bigint;
}

/**
 * A host builtin. Throwing makes the call undefined, as a builtin error does in OPA's default
 * (non-strict) mode; returning `undefined` does the same without an error.
 */
export type HostBuiltin = (args: RegoValue[], context: BuiltinContext) => RegoValue | undefined;

/** A builtin rejected its operands; OPA's message text is kept where it is known. */
export class BuiltinError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_REGO_BUILTIN', message);
    this.name = 'BuiltinError';
  }
}

export function typeName(value: RegoValue | undefined): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'bigint':
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'object':
      return 'object';
    default:
      return 'undefined';
  }
}

function operandError(position: number, value: RegoValue | undefined, expected: string): BuiltinError {
  return new BuiltinError(`operand ${position} must be ${expected} but got ${typeName(value)}`);
}

export function stringOperand(args: RegoValue[], position: number): string {
  const value = args[position - 1];
  if (typeof value !== 'string') throw operandError(position, value, 'string');
  return value;
}

export function numberOperand(args: RegoValue[], position: number): number | bigint {
  const value = args[position - 1];
  if (typeof value !== 'number' && typeof value !== 'bigint') throw operandError(position, value, 'number');
  return value;
}

/** An integral number (OPA's IntOperand): floats with a fraction are rejected. */
export function intOperand(args: RegoValue[], position: number): bigint {
  const value = numberOperand(args, position);
  if (typeof value === 'bigint') return value;
  if (!Number.isInteger(value)) throw new BuiltinError(`operand ${position} must be integer number but got floating-point number`);
  return BigInt(value);
}

export function objectOperand(args: RegoValue[], position: number): RegoObject {
  const value = args[position - 1];
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof value === 'bigint') {
    throw operandError(position, value, 'object');
  }
  return value;
}

/** Strings from a string, array or set operand (sets reach the host as arrays). */
export function stringsOperand(args: RegoValue[], position: number): string[] {
  const value = args[position - 1];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) throw operandError(position, value, 'string, array or set');
  return value.map((item) => {
    if (typeof item !== 'string') throw operandError(position, item, 'string');
    return item;
  });
}

/** A number as OPA prints it in JSON: integers without exponent, bigints exactly. */
export function integerValue(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}
