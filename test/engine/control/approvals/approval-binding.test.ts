import { describe, expect, it } from 'vitest';
import { approvalBindingHash } from '../../../../engine/control/approvals/approval-binding.ts';
import type { ApprovalBinding } from '../../../../engine/decision/decision-hooks.ts';

const base: ApprovalBinding = {
  subject: 'planner',
  action: 'db.query',
  resource: { type: 'Database', id: 'orders' },
  text: 'DELETE FROM orders WHERE total < $1',
};

describe('approval binding', () => {
  it('binds the parameter values of an Execute: other values need their own approval', () => {
    const approved = approvalBindingHash({ ...base, parameters: [{ value: '10' }] });
    expect(approvalBindingHash({ ...base, parameters: [{ value: '10' }] })).toBe(approved);
    expect(approvalBindingHash({ ...base, parameters: [{ value: '1000000' }] })).not.toBe(approved);
    expect(approvalBindingHash({ ...base, parameters: [{ value: null }] })).not.toBe(approved);
    expect(approvalBindingHash(base)).not.toBe(approved);
  });

  it('keeps the hash of a text without parameters, and tells no parameters from an empty list', () => {
    expect(approvalBindingHash(base)).toBe(approvalBindingHash({ ...base }));
    expect(approvalBindingHash({ ...base, parameters: [] })).not.toBe(approvalBindingHash(base));
  });
});
