import { describe, expect, it } from 'vitest';
import { decisionEventDraft } from '../../audit/decision-event.ts';
import { redactArgv, redactJson, redactText } from '../../audit/redact-secrets.ts';

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

describe('redactText over many texts', () => {
  it('redacts a secret however often its text recurs, among more distinct clean texts than are remembered', () => {
    const gh = `ghp_${'A1b2C3d4E5'.repeat(3)}x9Y8z7`;
    const secret = `SELECT * FROM t WHERE note = 'token ${gh}'`;
    for (let i = 0; i < 10_000; i++) {
      const clean = `SELECT abalance FROM pgbench_accounts WHERE aid = ${i % 5_000};`;
      expect(redactText(clean)).toBe(clean);
      if (i % 1_000 === 0) {
        expect(redactText(secret)).not.toContain(gh);
        expect(redactText(`${clean} -- ${gh}`)).not.toContain(gh);
      }
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

describe('redactJson', () => {
  it('reports the path of every changed value, masks only within maskWithin, and leaves the input untouched', () => {
    const value = {
      context: { rows: [{ email: 'a@b', id: 1 }, [{ note: "PASSWORD 'x'" }]], sql: { email: 'kept' } },
      other: { email: 'not masked here', cmd: ['--token=abc'], argv: ['curl', '--token', 'abc'] },
    };
    const before = JSON.stringify(value);
    const { value: out, paths } = redactJson(value, { mask: ['EMAIL'], maskWithin: 'input.context', path: 'input' });
    expect(paths).toEqual([
      'input.context.rows.0.email',
      'input.context.rows.1.0.note',
      'input.other.cmd.0',
      'input.other.argv.2',
    ]);
    expect(out.context.rows[0]).toEqual({ email: '[MASKED]', id: 1 });
    expect(out.context.sql.email).toBe('kept');
    expect(out.other.email).toBe('not masked here');
    expect(JSON.stringify(value)).toBe(before);
    expect(redactJson(["PASSWORD 'x'", { a: ["PASSWORD 'y'"] }]).paths).toEqual(['.0', '.1.a.0']);
    // What has nothing to redact is returned as it is; what changed is a copy, in the same key order.
    expect(out.other.argv).not.toBe(value.other.argv);
    expect(out.context.sql).toBe(value.context.sql);
    expect(Object.keys(out.context)).toEqual(['rows', 'sql']);
    const clean = { a: { b: ['x', 1, null] }, c: 'plain text' };
    expect(redactJson(clean).value).toBe(clean);
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

  it('redacts the free-form parts of the input (context, resource attributes, subject claims, token constraints), a repeated reason alike, and records identifiers as they are', () => {
    const gh = `ghp_${'A1b2C3d4E5'.repeat(3)}x9Y8z7`;
    const fields = {
      decisionId: 'd', requestId: 'req-0123456789abcdef', sessionId: 'sess-0123456789abcdef', effect: 'deny' as const,
      reasons: [`rego:p: token ${gh} is not allowed`], obligations: {}, policyRevision: 'rev', engineMicros: 1,
      input: {
        subject: { id: 'alice-0123456789abcdef', groups: ['dba'], claims: { note: `key ${gh}` } },
        action: 'db.query',
        resource: { type: 'Database', id: 'orders', attributes: { dsn: 'postgres://app:pw@db:5432/x' } },
        context: { sql: { text: "ALTER ROLE x PASSWORD 'pw'", statements: [{ kind: 'alter_role', text: "ALTER ROLE x PASSWORD 'pw'" }] } },
        token: {
          id: 'tok-1', subject: 'alice-0123456789abcdef', actions: ['db.query'], resource: { type: 'Database', id: 'orders' },
          constraints: { comment: `use ${gh}` }, expiresAt: '2026-11-25T11:00:00Z',
        },
        time: '2026-11-25T10:00:00Z',
        sessionId: 'sess-0123456789abcdef',
        requestId: 'req-0123456789abcdef',
      },
    };
    for (const draft of [decisionEventDraft(fields), decisionEventDraft(fields)]) {
      const text = JSON.stringify(draft);
      expect(text).not.toContain(gh);
      expect(text).not.toContain(':pw@');
      expect(text).not.toContain("'pw'");
      expect(draft.data.reasons).toEqual(['rego:p: token [REDACTED] is not allowed']);
      expect(draft.data.redactions).toEqual([
        'input.subject.claims.note',
        'input.resource.attributes.dsn',
        'input.context.sql.text',
        'input.context.sql.statements.0.text',
        'input.token.constraints.comment',
      ]);
      const input = draft.data.input as Record<string, unknown>;
      expect(input.subject).toMatchObject({ id: 'alice-0123456789abcdef', groups: ['dba'] });
      expect(input.resource).toMatchObject({ type: 'Database', id: 'orders' });
      expect([input.time, input.sessionId, input.requestId, input.action]).toEqual(['2026-11-25T10:00:00Z', 'sess-0123456789abcdef', 'req-0123456789abcdef', 'db.query']);
    }
  });
});
