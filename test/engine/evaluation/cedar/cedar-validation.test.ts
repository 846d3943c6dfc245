import { describe, expect, it } from 'vitest';
import {
  CedarPolicyError,
  formatCedar,
  listCedarPolicies,
  prepareCedarEvaluator,
  validateCedarPolicies,
} from '../../../../engine/evaluation/cedar/index.ts';

const schema = {
  file: 'schema.cedarschema',
  text: `entity Group;
entity User in [Group];
entity Database { env: String };
action "db.query" appliesTo { principal: User, resource: Database, context: {} };
`,
};

describe('Cedar policy ids and listing', () => {
  it('lists every policy with @id or file:line, effect and annotations, across files', () => {
    const policies = listCedarPolicies([
      {
        file: 'rbac.cedar',
        text: `// a comment with ; and "quotes
@id("dba-read")
@reason("dba may read; always")
permit(principal in Group::"dba", action, resource)
when { context has note && context.note == "a;b // not a comment \\" still string;" };

permit(principal, action, resource); @id("f") forbid(principal, action, resource) when { resource.env == "x;" };
`,
      },
      { file: 'guard.cedar', text: '\n\n  @mask("email")\n  permit(principal, action, resource);' },
    ]);
    expect(policies.map(({ id, file, line, column, effect, annotations }) => ({ id, file, line, column, effect, annotations }))).toEqual([
      { id: 'dba-read', file: 'rbac.cedar', line: 2, column: 1, effect: 'permit', annotations: { id: 'dba-read', reason: 'dba may read; always' } },
      { id: 'rbac.cedar:7', file: 'rbac.cedar', line: 7, column: 1, effect: 'permit', annotations: {} },
      { id: 'f', file: 'rbac.cedar', line: 7, column: 38, effect: 'forbid', annotations: { id: 'f' } },
      { id: 'guard.cedar:3', file: 'guard.cedar', line: 3, column: 3, effect: 'permit', annotations: { mask: 'email' } },
    ]);
  });

  it('reports two un-annotated policies on one line as a duplicate id', () => {
    const diagnostics = validateCedarPolicies({
      policies: [{ file: 'a.cedar', text: 'permit(principal, action, resource); forbid(principal, action, resource);' }],
    });
    expect(diagnostics).toEqual([expect.objectContaining({ file: 'a.cedar', line: 1, column: 38, message: expect.stringContaining('duplicate Cedar policy id "a.cedar:1"') })]);
  });

  it('reports a duplicate @id across files at the second use', () => {
    const diagnostics = validateCedarPolicies({
      policies: [
        { file: 'a.cedar', text: '@id("x") permit(principal, action, resource);' },
        { file: 'b.cedar', text: '\n@id("x") forbid(principal, action, resource);' },
      ],
    });
    expect(diagnostics).toEqual([
      expect.objectContaining({ file: 'b.cedar', line: 2, message: 'duplicate Cedar policy id "x" (first used at a.cedar:1)' }),
    ]);
  });
});

describe('validateCedarPolicies', () => {
  it('returns no diagnostics for valid policies, schema and entities', () => {
    expect(
      validateCedarPolicies({
        policies: [{ file: 'a.cedar', text: 'permit(principal in Group::"dba", action == Action::"db.query", resource) when { resource.env == "prod" };' }],
        schema,
        entities: [{ uid: { type: 'Group', id: 'dba' }, attrs: {}, parents: [] }],
      }),
    ).toEqual([]);
  });

  it('reports a parse error at its file:line:column, counting characters not bytes', () => {
    const diagnostics = validateCedarPolicies({
      policies: [
        { file: 'ok.cedar', text: 'permit(principal, action, resource);' },
        { file: 'bad.cedar', text: '// café ünïcödé\npermit(principal, action, resource);\n\npermit(principal, action, resource) when { 1 + };\n' },
      ],
    });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ file: 'bad.cedar', line: 4, column: 48, message: 'unexpected token `}`' });
  });

  it('reports a schema validation error at the policy\'s file:line', () => {
    const diagnostics = validateCedarPolicies({
      policies: [
        { file: 'ok.cedar', text: 'permit(principal, action == Action::"db.query", resource) when { resource.env == "prod" };' },
        {
          file: 'typo.cedar',
          text: '// ünïcödé comment\n@id("typo")\npermit(principal, action == Action::"db.query", resource)\nwhen { resource.envv == "prod" };\n',
        },
      ],
      schema,
    });
    expect(diagnostics).toEqual([
      expect.objectContaining({ file: 'typo.cedar', line: 4, column: 8, message: expect.stringContaining('attribute `envv`'), help: expect.stringContaining('did you mean `env`?') }),
    ]);
  });

  it('reports an unknown action against the schema', () => {
    const diagnostics = validateCedarPolicies({
      policies: [{ file: 'a.cedar', text: '\npermit(principal, action == Action::"db.drop", resource);' }],
      schema,
    });
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics[0]).toMatchObject({ file: 'a.cedar', line: 2 });
  });

  it('reports a schema parse error at the schema\'s file:line', () => {
    const diagnostics = validateCedarPolicies({
      policies: [{ file: 'a.cedar', text: 'permit(principal, action, resource);' }],
      schema: { file: 'schema.cedarschema', text: 'entity Group;\nentity User in [Group;\n' },
    });
    expect(diagnostics).toEqual([expect.objectContaining({ file: 'schema.cedarschema', line: 2, message: expect.stringContaining('unexpected token') })]);
  });

  it('reports entities that do not parse or do not match the schema', () => {
    expect(validateCedarPolicies({ policies: [], entities: { not: 'an array' } })).toEqual([
      expect.objectContaining({ file: 'entities.json', message: expect.stringContaining('JSON array') }),
    ]);
    expect(validateCedarPolicies({ policies: [], entities: [{ uid: { type: 'Group' }, attrs: {}, parents: [] }] })).toHaveLength(1);
    const wrongType = validateCedarPolicies({ policies: [], schema, entities: [{ uid: { type: 'Database', id: 'o' }, attrs: { env: 7 }, parents: [] }] });
    expect(wrongType).toEqual([expect.objectContaining({ file: 'entities.json' })]);
  });

  it('rejects templates, @approval or @mask on a forbid, and an empty @mask', () => {
    const diagnostics = validateCedarPolicies({
      policies: [
        {
          file: 'a.cedar',
          text: `permit(principal == ?principal, action, resource);
@approval("x") forbid(principal, action, resource);
@mask("email") forbid(principal, action, resource);
@id("m") @mask(" , ") permit(principal, action, resource);`,
        },
      ],
    });
    expect(diagnostics.map((d) => [d.line, d.message])).toEqual([
      [1, 'Cedar templates (?principal, ?resource) are not supported'],
      [2, '@approval applies only to permit policies'],
      [3, '@mask applies only to permit policies'],
      [4, '@mask names no columns'],
    ]);
  });
});

describe('prepareCedarEvaluator and formatCedar errors', () => {
  it('throws CedarPolicyError (GATEHOUSE_CEDAR_POLICY) with every diagnostic and a one-line message', () => {
    let caught: unknown;
    try {
      prepareCedarEvaluator({
        revision: 'r',
        policies: [{ file: 'a.cedar', text: 'permit(principal, action, resource) when { resource.envv == "x" };\nforbid(principal,action,resource) when { 1 + };' }],
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CedarPolicyError);
    const error = caught as CedarPolicyError;
    expect(error.code).toBe('GATEHOUSE_CEDAR_POLICY');
    expect(error.message).toMatch(/^a\.cedar:2:46: unexpected token `}`/);
    expect(error.message).not.toContain('\n');
  });

  it('throws CedarPolicyError when a policy fails schema validation at prepare', () => {
    expect(() =>
      prepareCedarEvaluator({
        revision: 'r',
        policies: [{ file: 'a.cedar', text: 'permit(principal, action, resource) when { resource.envv == "x" };' }],
        schema,
      }),
    ).toThrow(/a\.cedar:1:\d+: .*envv/);
  });

  it('formats policies with Cedar\'s formatter, keeping comments', () => {
    expect(formatCedar('// keep me\n@id("x")\npermit(principal,action,resource) when {context.a==1};\n')).toBe(
      '// keep me\n@id("x")\npermit (principal, action, resource)\nwhen { context.a == 1 };\n',
    );
  });

  it('formatCedar throws CedarPolicyError located in the named file', () => {
    expect(() => formatCedar('permit(principal, action, resource);\npermit(', 'x.cedar')).toThrow(CedarPolicyError);
    expect(() => formatCedar('permit(principal, action, resource);\npermit(', 'x.cedar')).toThrow(/^x\.cedar:2/);
  });
});
