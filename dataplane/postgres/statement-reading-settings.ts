import { GatehouseError } from '../../engine/model/index.ts';

/**
 * The proxy reads every statement as UTF-8 with standard-conforming strings, the way the
 * engine's parser (libpg-query) does, and decides on that reading. PostgreSQL reads it with the
 * session's settings, and two of them change what the same bytes mean:
 *
 * - `client_encoding`: under SJIS, BIG5, GBK, GB18030, UHC or JOHAB a byte of a UTF-8 character
 *   can swallow the following backslash or quote, so text decided as one SELECT string literal
 *   runs upstream as `SELECT …; DROP TABLE …`. Only UTF8 and SQL_ASCII (no conversion, validated
 *   as the server's UTF-8) read the bytes as the proxy does.
 * - `standard_conforming_strings`: when off, a backslash escapes a quote inside a plain '…'
 *   literal, so `SELECT '\''; DROP TABLE users; --'` (one SELECT to the parser) runs the DROP.
 *
 * A session is only served while both read as the proxy reads; statements that could change
 * them are refused before they run, and the relay ends a session whose upstream reports a change.
 */
const SAFE_ENCODINGS = new Set(['utf8', 'unicode', 'sqlascii']);

/** PostgreSQL's own normalisation of encoding names (clean_encoding_name): alphanumerics, lower case. */
export function isSafeClientEncoding(name: string): boolean {
  return SAFE_ENCODINGS.has(name.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/** Why a reported session parameter makes PostgreSQL read statements differently, if it does. */
export function unsafeReadingSetting(name: string, value: string): string | undefined {
  if (name === 'client_encoding' && !isSafeClientEncoding(value)) return `client_encoding ${value} (statements are decided as UTF8)`;
  if (name === 'standard_conforming_strings' && value.toLowerCase() !== 'on') {
    return `standard_conforming_strings ${value} (statements are decided with standard-conforming strings)`;
  }
  return undefined;
}

/**
 * A lone `SHOW client_encoding` or `SHOW standard_conforming_strings` (ORMs ask, e.g.
 * SQLAlchemy on connect): only reads the setting. Nothing else may share the text, not even a
 * comment, so the exception cannot carry a second statement (whitespace is PostgreSQL's own).
 */
const READS_ONE_SETTING = /^[ \t\n\r\f\v]*show[ \t\n\r\f\v]+(?:client_encoding|standard_conforming_strings)[ \t\n\r\f\v]*;?[ \t\n\r\f\v]*$/i;

/**
 * True when SQL text could change how statements are read (`SET client_encoding`, `SET NAMES`,
 * `set_config('client_encoding', …)`, `SET standard_conforming_strings`, their RESETs). Such a
 * statement is refused before it runs: statements pipelined behind it would already be on their
 * way upstream when the change is reported. Broad on purpose (comments may sit between SET and
 * NAMES).
 */
export function mayChangeStatementReading(sql: string): boolean {
  if (READS_ONE_SETTING.test(sql)) return false;
  const lower = sql.toLowerCase();
  return lower.includes('client_encoding') || lower.includes('standard_conforming_strings') || /\bset\b[\s\S]*\bnames\b/.test(lower);
}

/**
 * The upstream reported a setting that makes PostgreSQL read statements differently from how
 * they were decided: the session ends (FATAL 42501) before another statement is read that way.
 */
export class SessionSettingsChanged extends GatehouseError {
  readonly sqlState = '42501';
  constructor(why: string) {
    super('GATEHOUSE_PG_SESSION_SETTINGS', `gatehouse: the session's ${why} changed how PostgreSQL reads statements; the session is closed, reconnect`);
    this.name = 'SessionSettingsChanged';
  }
}
