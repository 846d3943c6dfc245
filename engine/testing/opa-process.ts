import { spawnSync } from 'node:child_process';
import { findOpa } from '../evaluation/index.ts';
import { GatehouseError } from '../model/index.ts';

export class RegoToolError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_REGO_TEST', message);
    this.name = 'RegoToolError';
  }
}

export interface OpaOutcome {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs opa with an argv (never a shell string) and returns its exit status and output, because
 * `opa test` exits non-zero when a test fails and that is a result, not an error.
 */
export function runOpaProcess(args: string[], cwd: string): OpaOutcome {
  const result = spawnSync(findOpa(), args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw new RegoToolError(`cannot run opa: ${result.error.message}`);
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** The first meaningful line of opa's complaint, e.g. `main.rego:3: rego_parse_error: unexpected ...`. */
export function opaComplaint(outcome: OpaOutcome): string {
  const lines = `${outcome.stderr}\n${outcome.stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const located = lines.find((l) => /\.rego:\d+/.test(l))?.replace(/^\d+ errors? occurred[^:]*: /, '');
  return located ?? lines.find((l) => !/^\d+ errors? occurred/.test(l)) ?? `opa exited with status ${outcome.status}`;
}
