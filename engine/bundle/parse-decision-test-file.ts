import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { JsonObject } from '../model/index.ts';
import type { DecisionInput, Resource, Subject, TokenFacts } from '../model/index.ts';
import { DecisionTestError } from './decision-test-error.ts';
import type { DecisionExpectation, DecisionTestCase, DecisionTestFile } from './decision-test-file.ts';
import { closestName, describePath, explainSchemaError, pointerSegments } from './explain-schema-error.ts';

/** The published schema (schemas/decision-tests.schema.json), the one editors validate with. */
export const DECISION_TESTS_SCHEMA_URL = new URL('../../schemas/decision-tests.schema.json', import.meta.url);

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(readFileSync(DECISION_TESTS_SCHEMA_URL, 'utf8')) as object;
    validator = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
  }
  return validator;
}

interface RawCase {
  name: string;
  subject: string | Subject;
  action: string;
  resource: string | Resource;
  context?: JsonObject;
  token?: string | Partial<TokenFacts>;
  now?: string;
  sessionId?: string;
  requestId?: string;
  expect: DecisionExpectation;
}

interface RawFile {
  now?: string;
  fixtures?: {
    subjects?: Record<string, Subject>;
    resources?: Record<string, Resource>;
    tokens?: Record<string, Partial<TokenFacts>>;
  };
  cases: RawCase[];
}

/**
 * Parses one decision-test YAML file into cases ready to evaluate: schema-checked, fixtures
 * resolved, clock applied. Throws DecisionTestError naming file:line and the fix.
 */
export function parseDecisionTestFile(fileName: string, text: string): DecisionTestFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const [first, ...rest] = doc.errors.map((e) => ({
      line: e.linePos?.[0].line,
      text: `malformed YAML: ${firstLine(e.message)}`,
    }));
    throw new DecisionTestError(fileName, first.line, first.text, rest.map((r) => r.text));
  }
  const root: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (root === null || root === undefined) {
    throw new DecisionTestError(fileName, 1, 'the file is empty; a decision-test file has now:, optional fixtures:, and its cases under cases:');
  }
  const lineOf = (path: (string | number)[], key?: string) => nodeLine(doc, lineCounter, path, key);

  const validate = schemaValidator();
  if (!validate(root)) {
    const problems = (validate.errors ?? [])
      .filter((e) => e.keyword !== 'if')
      .map((e) => {
        const segments = pointerSegments(e.instancePath);
        const key = e.keyword === 'additionalProperties' ? String(e.params.additionalProperty) : undefined;
        // A misspelt key also makes the key it was meant to be "missing": name the misspelling first.
        const rank = e.keyword === 'additionalProperties' ? 0 : 1;
        return { rank, line: lineOf(segments, key), text: explainSchemaError(e, root) };
      })
      .filter((p, i, all) => all.findIndex((q) => q.text === p.text) === i)
      .sort((a, b) => a.rank - b.rank || (a.line ?? 0) - (b.line ?? 0));
    const [first, ...rest] = problems;
    throw new DecisionTestError(fileName, first.line, first.text, rest.map((r) => r.text));
  }
  const raw = root as RawFile;

  const seen = new Map<string, number>();
  const cases = raw.cases.map((c, index): DecisionTestCase => {
    const where = (path: (string | number)[]) => lineOf(['cases', index, ...path]);
    const line = where([]) ?? 1;
    const earlier = seen.get(c.name);
    if (earlier !== undefined) {
      throw new DecisionTestError(fileName, where(['name']), `case name "${c.name}" is used twice (first on line ${earlier}); give each case a unique name`);
    }
    seen.set(c.name, line);

    const now = c.now ?? raw.now;
    if (now === undefined) {
      throw new DecisionTestError(fileName, line, `case "${c.name}" has no clock; set now: "2026-11-25T10:00:00Z" at the top of the file or in the case`);
    }
    for (const [value, path] of [[c.now, ['cases', index, 'now']], [raw.now, ['now']]] as const) {
      if (value !== undefined && !Number.isFinite(Date.parse(value))) {
        throw new DecisionTestError(fileName, lineOf([...path]), `${describePath([...path], root)} ${JSON.stringify(value)} is not a real instant (check month, day and hour)`);
      }
    }

    const fixture = <T>(kind: 'subjects' | 'resources' | 'tokens', field: string, value: string | T): T => {
      if (typeof value !== 'string') return structuredClone(value);
      const named = raw.fixtures?.[kind] as Record<string, T> | undefined;
      const found = named && Object.hasOwn(named, value) ? named[value] : undefined;
      if (found === undefined) {
        const known = Object.keys(named ?? {});
        const guess = closestName(value, known);
        const hint = guess ? `did you mean '${guess}'? ` : '';
        const list = known.length > 0 ? `known: ${known.join(', ')}` : `fixtures.${kind} is empty`;
        throw new DecisionTestError(
          fileName,
          where([field]),
          `case "${c.name}": unknown ${field} fixture '${value}'; ${hint}(${list}); define it under fixtures.${kind} or write the ${field} inline`,
        );
      }
      return structuredClone(found);
    };

    const subject = fixture<Subject>('subjects', 'subject', c.subject);
    const input: DecisionInput = {
      subject,
      action: c.action,
      resource: fixture<Resource>('resources', 'resource', c.resource),
      context: structuredClone(c.context ?? {}),
      time: now,
    };
    if (c.token !== undefined) {
      const claims = fixture<Partial<TokenFacts>>('tokens', 'token', c.token);
      input.token = { id: 'test-token', subject: subject.id, constraints: {}, ...claims } as TokenFacts;
    }
    if (c.sessionId !== undefined) input.sessionId = c.sessionId;
    if (c.requestId !== undefined) input.requestId = c.requestId;
    return { file: fileName, line, name: c.name, input, expect: c.expect };
  });
  return { file: fileName, cases };
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/** 1-based line of the node at `path` (of `key` in that mapping when given), or of its nearest ancestor. */
function nodeLine(doc: Document, lines: LineCounter, path: (string | number)[], key?: string): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = (depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true)) as Node | null | undefined;
    if (!node) continue;
    let offset = node.range?.[0];
    if (key !== undefined && depth === path.length && isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
      if (pair && isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
    }
    if (offset !== undefined) return lines.linePos(offset).line;
  }
  return undefined;
}
