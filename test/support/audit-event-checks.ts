import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';

const ROOT = join(import.meta.dirname, '..', '..');
const SCHEMAS = join(ROOT, 'schemas', 'audit');

let validators: Map<string, ValidateFunction> | undefined;

/** The JSON Schemas of schemas/audit/, one validator per event type (the envelope is shared). */
function schemaValidators(): Map<string, ValidateFunction> {
  if (validators) return validators;
  const ajv = new Ajv({ allErrors: true, strict: true });
  const files = readdirSync(SCHEMAS).filter((name) => name.endsWith('.schema.json'));
  for (const file of files) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as object, file);
  const compiled = new Map<string, ValidateFunction>();
  for (const file of files.filter((name) => name.startsWith('gatehouse.'))) {
    compiled.set(file.replace(/\.schema\.json$/, ''), ajv.getSchema(file)!);
  }
  validators = compiled;
  return compiled;
}

/** Schema violations of one event (empty when it validates against the schema of its type). */
export function schemaErrors(event: unknown): string[] {
  const type = typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined;
  const validate = typeof type === 'string' ? schemaValidators().get(type) : undefined;
  if (!validate) return [`no schema for type ${String(type)}`];
  if (validate(event)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}

/** One record for the CloudEvents SDK: an event line, or a Kafka record (headers, key, value). */
export type SdkInput = { line: string } | { headers: Record<string, string>; key: string | null; value: string };

export interface SdkVerdict {
  ok: boolean;
  error?: string;
  id?: string;
  type?: string;
  time?: string;
  extensions?: Record<string, string>;
  data?: unknown;
}

/**
 * Parses records with the official CloudEvents Python SDK (installed by
 * scripts/install-cloudevents-python; the test setup exports its python), one verdict per record.
 */
export function checkWithCloudEventsSdk(records: SdkInput[]): Promise<SdkVerdict[]> {
  const python = process.env.GATEHOUSE_CLOUDEVENTS_PYTHON;
  if (!python) throw new Error('GATEHOUSE_CLOUDEVENTS_PYTHON is not set: the test setup runs scripts/install-cloudevents-python');
  return new Promise((resolve, reject) => {
    const child = execFile(python, [join(ROOT, 'test', 'support', 'cloudevents-sdk-check.py')], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`the CloudEvents SDK check failed: ${stderr || error.message}`));
        return;
      }
      const verdicts = stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as SdkVerdict);
      if (verdicts.length !== records.length) reject(new Error(`the CloudEvents SDK check answered ${verdicts.length} of ${records.length} records: ${stderr}`));
      else resolve(verdicts);
    });
    child.stdin!.end(records.map((record) => JSON.stringify(record)).join('\n') + '\n');
  });
}
