import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadBundle } from '../../engine/testing/index.ts';
import { evaluateRequest } from '../../engine/bundle/index.ts';
import type { Decision } from '../../engine/model/index.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../engine/model/index.ts';
import type { DecisionInput, Resource, Subject, TokenFacts } from '../../engine/model/index.ts';
import { UsageError } from '../cli-error.ts';

const HELP = `usage: gatehouse eval --bundle B --input request.json [--explain] [--self-test]

Evaluates one request (the request model of docs/policies.md, as JSON) against a bundle, on the
same path the service uses (facts from the raw SQL/shell text, then every required engine,
combined), and prints the decision as JSON. "time" defaults to now unless the request sets it.

  --bundle B                the bundle (gatehouse build output) or a policy directory, which is
                            built first (as serve does)
  --input FILE              the request JSON ("-" reads stdin)
  --explain                 also list, per engine, its effect, the determining Rego result or
                            Cedar policy ids, reasons and errors
  --self-test               also run the bundle's own decision tests first and refuse it if one
                            fails, as serve does on load (slower: every case is evaluated)
  --verification-key FILE   refuse the bundle unless signed by this key (as serve does)

Exit status: 0 decided (whatever the effect), 1 bundle error, 2 usage or malformed request.`;

const REQUEST_KEYS = new Set(['subject', 'action', 'resource', 'context', 'token', 'time', 'sessionId', 'requestId']);

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        bundle: { type: 'string' },
        input: { type: 'string' },
        explain: { type: 'boolean' },
        'self-test': { type: 'boolean' },
        'verification-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`eval: ${(error as Error).message}`);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.bundle) throw new UsageError('eval: --bundle <bundle.tar.gz> is required');
  if (!values.input) throw new UsageError('eval: --input <request.json> is required');

  const input = parseRequest(await readRequest(values.input), new Date());
  const built = await bundleFileOf(values.bundle, values['verification-key']);
  try {
    // One evaluation does not need the bundle's decision tests: they are run only on request
    // (they took most of eval's time; docs/performance.md "gatehouse eval").
    const bundle = await loadBundle(built.path, { verificationKey: values['verification-key'], runOwnTests: values['self-test'] === true });
    try {
      const decision = evaluateRequest(bundle, input);
      process.stdout.write(`${JSON.stringify(present(decision, bundle.revision, values.explain === true), null, 2)}\n`);
    } finally {
      bundle.close();
    }
  } finally {
    await built.release();
  }
  return 0;
}

/** A bundle file as given, or a policy directory built into a temporary one (removed after). */
async function bundleFileOf(path: string, verificationKey: string | undefined): Promise<{ path: string; release: () => Promise<void> }> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) return { path, release: async () => undefined };
  // A freshly built bundle is unsigned: asking for a signed one means a signed file.
  if (verificationKey) throw new UsageError('eval: --verification-key needs a bundle file (gatehouse build --signing-key), not a policy directory');
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-eval-'));
  const out = join(dir, 'bundle.tar.gz');
  try {
    // Loaded only for a directory: evaluating a bundle file needs no compiler.
    const { buildBundle } = await import('../../engine/bundle/index.ts');
    await buildBundle(path, out);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { path: out, release: () => rm(dir, { recursive: true, force: true }) };
}

function present(decision: Decision, revision: string, explain: boolean): JsonObject {
  const out: JsonObject = {
    effect: decision.effect,
    reasons: decision.reasons,
    obligations: decision.obligations,
    policyRevision: revision,
  };
  if (explain) {
    out.engines = decision.engines.map((engine) => ({
      engine: engine.engine,
      effect: engine.effect,
      determining: engine.determining,
      reasons: engine.reasons,
      obligations: engine.obligations,
      errors: engine.errors,
    }));
  }
  return out;
}

async function readRequest(path: string): Promise<unknown> {
  let text: string;
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`eval: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`eval: ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Checks the request's shape; every problem names the field so the user knows what to fix. */
export function parseRequest(value: unknown, now: Date): DecisionInput {
  const bad = (field: string, problem: string): never => {
    throw new UsageError(`eval: request ${field}: ${problem}`);
  };
  if (!isJsonObject(value)) return bad('', 'must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!REQUEST_KEYS.has(key)) bad(key, `unknown field (expected ${[...REQUEST_KEYS].join(', ')})`);
  }
  const subject = value.subject;
  if (!isJsonObject(subject) || typeof subject.id !== 'string' || subject.id === '') return bad('subject', 'must be an object with a string id');
  if (subject.type !== undefined && typeof subject.type !== 'string') bad('subject.type', 'must be a string');
  if (subject.groups !== undefined && !isStringArray(subject.groups)) bad('subject.groups', 'must be a list of strings');
  if (subject.claims !== undefined && !isJsonObject(subject.claims)) bad('subject.claims', 'must be an object');
  if (typeof value.action !== 'string' || value.action === '') bad('action', 'must be a non-empty string such as "db.query"');
  const resource = value.resource;
  if (!isJsonObject(resource) || typeof resource.type !== 'string' || typeof resource.id !== 'string') {
    return bad('resource', 'must be an object with string type and id');
  }
  if (resource.attributes !== undefined && !isJsonObject(resource.attributes)) bad('resource.attributes', 'must be an object');
  const context = value.context ?? {};
  if (!isJsonObject(context)) return bad('context', 'must be an object');
  if (value.token !== undefined && !isJsonObject(value.token)) bad('token', 'must be an object (verified token facts)');
  let time = now.toISOString();
  if (value.time !== undefined) {
    if (typeof value.time !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(value.time) || Number.isNaN(Date.parse(value.time))) {
      bad('time', 'must be an RFC 3339 timestamp such as "2026-11-25T10:00:00Z"');
    }
    time = value.time as string;
  }
  for (const key of ['sessionId', 'requestId'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'string') bad(key, 'must be a string');
  }
  const input: DecisionInput = {
    subject: subject as unknown as Subject,
    action: value.action as string,
    resource: resource as unknown as Resource,
    context,
    time,
  };
  if (value.token !== undefined) input.token = value.token as unknown as TokenFacts;
  if (typeof value.sessionId === 'string') input.sessionId = value.sessionId;
  if (typeof value.requestId === 'string') input.requestId = value.requestId;
  return input;
}

function isStringArray(value: JsonValue): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
