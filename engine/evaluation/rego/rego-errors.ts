import { GatehouseError } from '../../model/index.ts';

/** One problem the Rego compiler reported, located in a policy file. */
export interface RegoCompileIssue {
  /** Path relative to the base directory the caller compiled from ('' when opa gave no location). */
  file: string;
  /** 1-based line, 0 when opa gave no location. */
  line: number;
  column?: number;
  message: string;
}

/** `opa build` rejected the policies; `errors` lists every problem it reported. */
export class RegoCompileError extends GatehouseError {
  readonly errors: RegoCompileIssue[];
  constructor(errors: RegoCompileIssue[], fallback = 'opa build failed') {
    super('GATEHOUSE_REGO_COMPILE', summarize(errors, fallback));
    this.name = 'RegoCompileError';
    this.errors = errors;
  }
}

/** A compiled Rego module cannot be instantiated by Gatehouse (e.g. it needs a builtin nobody supplies). */
export class RegoLoadError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_REGO_LOAD', message);
    this.name = 'RegoLoadError';
  }
}

function summarize(errors: RegoCompileIssue[], fallback: string): string {
  const first = errors[0];
  if (!first) return fallback;
  const where = first.file ? `${first.file}:${first.line}${first.column ? `:${first.column}` : ''}: ` : '';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${where}${first.message}${more}`;
}
