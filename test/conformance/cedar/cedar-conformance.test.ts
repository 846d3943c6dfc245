import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCorpusTest } from './cedar-corpus-case.ts';
import { type CaseOutcome, REFUSED_BY_SERVICE, runCorpusTest } from './corpus-runner.ts';
import { CEDAR_GO_VERSION, generatedCorpusRoot, sampleCorpusTests } from './generated-corpus.ts';

// Cedar's own integration corpus through gatehouse build and a real decision server. See
// "Conformance with Cedar's test corpus" in docs/cedar.md for what runs and every exception.

const HERE = import.meta.dirname;
const HAND_WRITTEN_ROOT = join(HERE, 'integration-tests');
const exceptions = JSON.parse(readFileSync(join(HERE, 'exceptions.json'), 'utf8')) as {
  classes: Record<string, string>;
  handWritten: { test: string; request?: string; class: string }[];
};
const GENERATED_SAMPLE = 200;
const SAMPLE_SEED = 'gatehouse-cedar-conformance-1';

const work = mkdtempSync(join(tmpdir(), 'gatehouse-cedar-conformance-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function runAll(root: string, files: readonly string[]): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = [];
  for (const [index, file] of files.entries()) {
    outcomes.push(...(await runCorpusTest(readCorpusTest(root, file), join(work, `${root === HAND_WRITTEN_ROOT ? 'h' : 'g'}${index}`))));
  }
  return outcomes;
}

function unexplained(outcomes: readonly CaseOutcome[]): string[] {
  return outcomes.filter((o) => o.problems.length > 0).map((o) => `${o.test} / ${o.request ?? '(bundle)'}${o.exception ? ` [${o.exception}]` : ''}: ${o.problems.join('; ')}`);
}

function classCounts(outcomes: readonly CaseOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.exception ?? 'agrees'] = (counts[o.exception ?? 'agrees'] ?? 0) + 1;
  return counts;
}

describe('Cedar conformance', () => {
  it('every exception class is explained in docs/cedar.md', () => {
    const docs = readFileSync(join(HERE, '../../../docs/cedar.md'), 'utf8');
    for (const name of Object.keys(exceptions.classes)) expect(docs, name).toContain(`\`${name}\``);
  });

  it("Cedar's hand-written integration tests agree, apart from the listed exceptions", async () => {
    const files = readdirSync(join(HAND_WRITTEN_ROOT, 'tests'), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => `tests/${name.split('\\').join('/')}`);
    expect(files.length).toBe(22);
    const outcomes = await runAll(HAND_WRITTEN_ROOT, files);
    console.log(`hand-written: ${files.length} files, ${outcomes.length} cases`, classCounts(outcomes));
    expect(outcomes.length).toBeGreaterThan(70);
    expect(unexplained(outcomes)).toEqual([]);
    const listed = outcomes
      .filter((o) => o.exception)
      .map((o) => ({ test: o.test, ...(o.request === undefined ? {} : { request: o.request }), class: o.exception }));
    expect(listed).toEqual(exceptions.handWritten);
  }, 600_000);

  it(`a held-out sample of the generated corpus (cedar-go ${CEDAR_GO_VERSION}) agrees, apart from documented classes`, async () => {
    const root = await generatedCorpusRoot();
    const files = sampleCorpusTests(root, GENERATED_SAMPLE, SAMPLE_SEED);
    expect(files).toHaveLength(GENERATED_SAMPLE);
    const outcomes = await runAll(root, files);
    const counts = classCounts(outcomes);
    console.log(`generated sample: ${files.length} files, ${outcomes.length} cases`, counts);
    expect(unexplained(outcomes)).toEqual([]);
    for (const name of Object.keys(counts)) if (name !== 'agrees') expect(Object.keys(exceptions.classes)).toContain(name);
    // Most of the sample must be compared with Cedar's answer (in the service or, for requests
    // the service refuses, in the engine), not merely skipped as inexpressible.
    const compared = outcomes.filter((o) => !o.exception || REFUSED_BY_SERVICE.has(o.exception) || ['error-denies', 'request-long-beyond-exact'].includes(o.exception));
    expect(compared.length).toBeGreaterThan(outcomes.length * 0.75);
  }, 900_000);
});
