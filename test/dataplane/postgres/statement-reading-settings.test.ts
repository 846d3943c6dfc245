import { describe, expect, it } from 'vitest';
import { mayChangeStatementReading } from '../../../dataplane/postgres/statement-reading-settings.ts';

describe('statements that may change how PostgreSQL reads text', () => {
  it.each([
    'SET client_encoding = LATIN1',
    "SET NAMES 'SJIS'",
    'SET /* x */ NAMES sjis',
    'SET standard_conforming_strings = off',
    'RESET standard_conforming_strings',
    "SELECT set_config('client_encoding', 'SJIS', false)",
    'SHOW client_encoding; SET client_encoding = SJIS',
    'SHOW standard_conforming_strings -- and more',
    'SHOW /* */ client_encoding',
    'SHOW client_encoding;;',
    "UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'",
  ])('%s is refused', (sql) => {
    expect(mayChangeStatementReading(sql)).toBe(true);
  });

  it.each(['SHOW client_encoding', 'show STANDARD_CONFORMING_STRINGS;', '  SHOW standard_conforming_strings ;\n', 'SELECT 1', "SET application_name = 'orm'"])(
    '%s only reads',
    (sql) => {
      expect(mayChangeStatementReading(sql)).toBe(false);
    },
  );
});
