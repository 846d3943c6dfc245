import { GatehouseError } from '../model/index.ts';

/**
 * A decision-test file that cannot be used: malformed YAML, a schema violation, an unknown
 * fixture. The message is one line, `<file>:<line>: <what is wrong and how to fix it>`, so the
 * CLI prints it as is and an editor can jump to it.
 */
export class DecisionTestError extends GatehouseError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
    /** Further problems in the same file, reported as a count so the message stays one line. */
    readonly more: string[] = [],
  ) {
    const where = line === undefined ? file : `${file}:${line}`;
    const tail = more.length > 0 ? ` (and ${more.length} more problem${more.length === 1 ? '' : 's'} in this file)` : '';
    super('GATEHOUSE_DECISION_TEST', `${where}: ${problem}${tail}`);
    this.name = 'DecisionTestError';
  }
}
