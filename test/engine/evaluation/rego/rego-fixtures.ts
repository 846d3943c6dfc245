import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOpa } from '../../../../engine/evaluation/toolchain/opa-cli.ts';
import { parseExactJson } from '../../../../engine/evaluation/rego/exact-json.ts';
import type { RegoValue } from '../../../../engine/evaluation/rego/builtins/rego-value.ts';

/** A temporary directory holding Rego fixtures written by a test. */
export class RegoFixtureDir {
  readonly path = mkdtempSync(join(tmpdir(), 'gatehouse-rego-test-'));

  write(name: string, text: string): string {
    const file = join(this.path, name);
    writeFileSync(file, text);
    return file;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** The value of `query` under the real `opa eval` (undefined when opa says the query is undefined). */
export function opaEval(files: string[], query: string, input?: unknown): RegoValue | undefined {
  const args = ['eval', '--format', 'json', ...files.flatMap((f) => ['-d', f])];
  if (input !== undefined) args.push('--stdin-input');
  args.push(query);
  let text: string;
  try {
    text = runOpa(args, { input: input === undefined ? undefined : JSON.stringify(input) });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`opa eval failed: ${stdout ?? ''}${stderr ?? ''}`);
  }
  const output = parseExactJson(text) as {
    result?: Array<{ expressions: Array<{ value: RegoValue }> }>;
  };
  return output.result?.[0]?.expressions[0]?.value;
}
