import { describe, expect, it } from 'vitest';
import { decisionEventDraft } from '../../audit/decision-event.ts';
import { redactArgv, redactText } from '../../audit/redact-secrets.ts';

describe('redactText', () => {
  it.each([
    ["CREATE ROLE app LOGIN PASSWORD 'p''ss word'", "CREATE ROLE app LOGIN PASSWORD '[REDACTED]'"],
    ["alter user bob with encrypted password E'x\\'y'", "alter user bob with encrypted password '[REDACTED]'"],
    ['ALTER ROLE a PASSWORD $$dollar$$', "ALTER ROLE a PASSWORD '[REDACTED]'"],
    ['ALTER ROLE a PASSWORD $q$tagged$q$;', "ALTER ROLE a PASSWORD '[REDACTED]';"],
    ['mysql -uroot -pS3cret db', 'mysql -uroot -p[REDACTED] db'],
    ["mysql -p'two words' db", 'mysql -p[REDACTED] db'],
    ['tool --password=abc --password "x y" --passwd z', 'tool --password=[REDACTED] --password [REDACTED] --passwd [REDACTED]'],
    ['psql postgres://app:pw@db:5432/x', 'psql postgres://app:[REDACTED]@db:5432/x'],
    ["curl -H 'Authorization: Bearer abc.def' https://x", "curl -H 'Authorization: Bearer [REDACTED]' https://x"],
    ['PGPASSWORD=secret psql -h db', 'PGPASSWORD=[REDACTED] psql -h db'],
    ['echo eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig_part', 'echo [REDACTED]'],
  ])('%s → %s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it('leaves ordinary commands and SQL untouched', () => {
    for (const text of ['mkdir -p /tmp/x', 'ssh -p 22 host', 'SELECT password_hash FROM users WHERE id = 1', 'ls -la /var/log']) {
      expect(redactText(text)).toBe(text);
    }
  });
});

describe('redactArgv', () => {
  it('redacts -pX, --password=X and the word after --password', () => {
    expect(redactArgv(['mysql', '-pX', '--password=Y', '--password', 'Z', '-h', 'db'])).toEqual([
      'mysql', '-p[REDACTED]', '--password=[REDACTED]', '--password', '[REDACTED]', '-h', 'db',
    ]);
  });
});

describe('decisionEventDraft', () => {
  it('records redactions and masks masked context values, keyed by session id', () => {
    const draft = decisionEventDraft({
      decisionId: 'd', requestId: 'r', sessionId: 'sess', effect: 'allow', reasons: [], obligations: { mask: ['email'] },
      policyRevision: 'rev', engineMicros: 1,
      input: {
        subject: { id: 'alice' }, action: 'db.query', resource: { type: 'Database', id: 'orders' }, time: '2026-11-25T10:00:00Z',
        context: {
          sql: { text: "ALTER ROLE x PASSWORD 'pw'", statements: [{ kind: 'alter', columns: [{ name: 'email' }] }] },
          row: { email: 'bob@example.com', id: 1 },
          command: { text: 'x', commands: [{ argv: ['mysql', '-ppw'], dynamic: false }] },
        },
      },
    });
    expect(draft.subject).toBe('sess');
    const input = draft.data.input as { context: Record<string, unknown> };
    expect(input.context.row).toEqual({ email: '[MASKED]', id: 1 });
    expect(JSON.stringify(draft)).not.toContain('bob@example.com');
    expect(JSON.stringify(draft)).not.toContain("'pw'");
    expect(draft.data.redactions).toEqual([
      'input.context.sql.text',
      'input.context.row.email',
      'input.context.command.commands.0.argv.1',
    ]);
    const noSession = decisionEventDraft({
      decisionId: 'd', requestId: 'r', effect: 'deny', reasons: [], obligations: {}, policyRevision: 'rev', engineMicros: 1,
      input: { subject: { id: 'alice' }, action: 'a', resource: { type: 'T', id: 'i' }, context: {}, time: 't' },
    });
    expect(noSession.subject).toBe('alice');
  });
});
