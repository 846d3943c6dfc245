import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../engine/model/index.ts';
import { matchExpectation } from '../../../engine/testing/match-expectation.ts';

const ALLOW_MASKED: Decision = {
  effect: 'allow',
  reasons: ['rego:gatehouse/decision: select allowed'],
  obligations: { mask: ['email', 'phone'] },
  engines: [
    { engine: 'rego', effect: 'allow', reasons: [], obligations: { mask: ['email', 'phone'] }, determining: ['gatehouse/decision'], errors: [] },
    { engine: 'cedar', effect: 'allow', reasons: [], obligations: {}, determining: ['dba-may-query'], errors: [] },
  ],
};

describe('matchExpectation', () => {
  it('obligations match as a subset, mask names case-insensitively', () => {
    expect(matchExpectation({ effect: 'allow', obligations: { mask: ['EMAIL'] } }, ALLOW_MASKED)).toEqual([]);
  });

  it('a missing mask column is named, with the obligations received', () => {
    const diff = matchExpectation({ effect: 'allow', obligations: { mask: ['ssn'] } }, ALLOW_MASKED);
    expect(diff[0]).toBe('obligations: expected mask to contain "ssn"');
    expect(diff).toContain('  got obligations {"mask":["email","phone"]}');
  });

  it('exactObligations refuses an obligation not expected and ignores an empty mask', () => {
    expect(matchExpectation({ effect: 'allow', obligations: { mask: ['email'] }, exactObligations: true }, ALLOW_MASKED)[0]).toBe(
      'obligations: did not expect mask to contain "phone"',
    );
    const unmasked = { ...ALLOW_MASKED, obligations: { mask: [] } };
    expect(matchExpectation({ effect: 'allow', obligations: {}, exactObligations: true }, unmasked)).toEqual([]);
  });

  it('reasons match by substring', () => {
    expect(matchExpectation({ effect: 'allow', reasons: ['select allowed'] }, ALLOW_MASKED)).toEqual([]);
    expect(matchExpectation({ effect: 'allow', reasons: ['no WHERE'] }, ALLOW_MASKED)[0]).toBe('reasons: expected one containing "no WHERE"');
  });

  it('a wrong effect says expected and got, and which engine and policy decided', () => {
    const diff = matchExpectation({ effect: 'deny' }, ALLOW_MASKED);
    expect(diff[0]).toBe('effect: expected deny, got allow');
    expect(diff.join('\n')).toMatch(/rego\s+allow\s+decided by gatehouse\/decision/);
    expect(diff.join('\n')).toMatch(/cedar\s+allow\s+decided by dba-may-query/);
  });

  it('per-engine effects are checked', () => {
    expect(matchExpectation({ effect: 'allow', engines: { cedar: 'deny' } }, ALLOW_MASKED)[0]).toBe('engine cedar: expected deny, got allow');
  });
});
