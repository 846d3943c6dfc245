import { GatehouseError } from '../../model/index.ts';

/**
 * One problem found in Cedar policies, the schema or the entities, located in the author's
 * file (1-based line and column) when Cedar gives a position.
 */
export interface CedarDiagnostic {
  file: string;
  line?: number;
  column?: number;
  message: string;
  help?: string;
}

export function formatCedarDiagnostic(d: CedarDiagnostic): string {
  const where = d.line === undefined ? d.file : `${d.file}:${d.line}${d.column === undefined ? '' : `:${d.column}`}`;
  return `${where}: ${d.message}${d.help ? ` (${d.help})` : ''}`;
}

/**
 * Cedar policies, schema or entities that cannot be used: parse errors, duplicate ids, schema
 * validation errors, unsupported constructs. Build and load treat it as a policy error; the
 * message is the first diagnostic, the full list is in `diagnostics`.
 */
export class CedarPolicyError extends GatehouseError {
  constructor(readonly diagnostics: readonly CedarDiagnostic[]) {
    const first = diagnostics[0];
    const rest = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more Cedar problem${diagnostics.length > 2 ? 's' : ''})` : '';
    super('GATEHOUSE_CEDAR_POLICY', first ? `${formatCedarDiagnostic(first).replace(/\s*\n\s*/g, ' ')}${rest}` : 'invalid Cedar policies');
    this.name = 'CedarPolicyError';
  }
}
