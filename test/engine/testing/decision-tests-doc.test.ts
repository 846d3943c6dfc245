import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDecisionTestFile } from '../../../engine/bundle/parse-decision-test-file.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const doc = readFileSync(resolve(ROOT, 'docs/decision-tests.md'), 'utf8');
const blocks = (lang: string) => [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);

describe('docs/decision-tests.md', () => {
  it('the format example is a valid decision-test file', () => {
    const example = blocks('yaml').find((b) => b.includes('cases:'));
    expect(example).toBeDefined();
    const file = parseDecisionTestFile('tests/example.yaml', example!);
    expect(file.cases.map((c) => c.name)).toEqual([
      'select by a dba is allowed with email masked',
      'select by a privileged dba is not masked',
      'delete without where needs approval at night too',
    ]);
  });

  it('embeds the published JSON Schema verbatim', () => {
    const schema = readFileSync(resolve(ROOT, 'schemas/decision-tests.schema.json'), 'utf8');
    expect(blocks('json')).toContain(schema);
  });
});
