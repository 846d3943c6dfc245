import { describe, expect, it } from 'vitest';
import { checkAuditFlags } from '../../cli/audit-settings.ts';
import { UsageError } from '../../cli/cli-error.ts';

const defaults = { audit: 'file:var/audit.jsonl', journal: 'var/journal' };

describe('--audit-source', () => {
  it('is absent by default, so each command keeps its own per-host source', () => {
    expect(checkAuditFlags('serve', {}, defaults).auditSource).toBeUndefined();
  });

  it('names the source (and hash chain) of this instance when given, e.g. one per replica on a host', () => {
    expect(checkAuditFlags('serve', { 'audit-source': 'gatehouse://host-a/serve-2' }, defaults).auditSource).toBe('gatehouse://host-a/serve-2');
  });

  it('a value that is not a URI is a usage error naming the flag', () => {
    expect(() => checkAuditFlags('serve', { 'audit-source': 'two words' }, defaults)).toThrow(UsageError);
    expect(() => checkAuditFlags('serve', { 'audit-source': 'two words' }, defaults)).toThrow(/serve: --audit-source must be a URI/);
  });
});
