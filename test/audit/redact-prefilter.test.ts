import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyRules, redactText } from '../../audit/redact-secrets.ts';

// redactText skips the rules for text holding none of their literals; it must redact exactly
// what the rules alone redact, for any text.
const fragments = [
  'SELECT ', 'abalance', ' FROM pgbench_accounts', ' WHERE aid = 1', "'x'", "''", 'E\'a\\\\\'b\'', '$q$ s $q$', ' ', '\n', ';',
  'PASSWORD ', 'password', 'PassWd', '--password=', '-p', '-P', 'pwd=', 'SECRET', 'token=', 'API_KEY=', 'apikey', 'Authorization: ',
  'Bearer abc', 'postgres://u:', 'pw@host/db', 'eyJhbGciOi.eyJzdWIiOj.sig', 'eyj', '"', '|', '&', '(', 'x=', 'Ünïcode',
];

describe('redaction shortcut', () => {
  it('any text from secret-ish fragments: redactText equals every rule applied', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 8 })), { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        expect(redactText(text)).toBe(applyRules(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('a plain SELECT is returned unchanged without running the rules; a password is still redacted', () => {
    expect(redactText('SELECT abalance FROM pgbench_accounts WHERE aid = 7;')).toBe('SELECT abalance FROM pgbench_accounts WHERE aid = 7;');
    expect(redactText("ALTER ROLE x PASSWORD 'hunter2'")).toBe("ALTER ROLE x PASSWORD '[REDACTED]'");
  });
});
