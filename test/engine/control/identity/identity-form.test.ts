import { describe, expect, it } from 'vitest';
import { identityClaimProblem, sameIdentity } from '../../../../engine/control/identity/identity-form.ts';

describe('identity form', () => {
  it('accepts plain identities, including non-ASCII ones in NFC', () => {
    for (const id of ['planner-web', 'agent-7', 'rita@example.com', 'Zoë', 'spiffe://example.org/ns/prod/sa/agent']) {
      expect(identityClaimProblem(id), id).toBeUndefined();
    }
  });

  it('refuses surrounding whitespace, controls, invisible characters and non-NFC text', () => {
    expect(identityClaimProblem('planner-web ')).toMatch(/whitespace/);
    expect(identityClaimProblem('\tplanner-web')).toMatch(/whitespace/);
    expect(identityClaimProblem('planner\u0000web')).toMatch(/control/);
    expect(identityClaimProblem('planner\u200bweb')).toMatch(/control/);
    expect(identityClaimProblem('planner\u202eweb')).toMatch(/control/);
    expect(identityClaimProblem('Zoe\u0308')).toMatch(/NFC/);
    expect(identityClaimProblem('')).toMatch(/empty/);
  });

  it('compares identities in normalised form and never matches an absent one', () => {
    expect(sameIdentity('planner-web', 'planner-web ')).toBe(true);
    expect(sameIdentity('Zoë', 'Zoe\u0308')).toBe(true);
    expect(sameIdentity('planner-web', 'planner-wep')).toBe(false);
    expect(sameIdentity(undefined, undefined)).toBe(false);
    expect(sameIdentity('', ' ')).toBe(false);
  });
});
