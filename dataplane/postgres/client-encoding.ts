/**
 * The proxy reads every statement as UTF-8 and decides on that reading. PostgreSQL reads it
 * in the session's client_encoding: under SJIS, BIG5, GBK, GB18030, UHC or JOHAB a byte of a
 * UTF-8 character can swallow the following backslash or quote, so text the proxy decided as
 * one SELECT string literal runs upstream as `SELECT …; DROP TABLE …`. Only encodings whose
 * reading of the bytes is the proxy's own are allowed: UTF8, and SQL_ASCII (no conversion,
 * validated as the server's UTF-8).
 */
const SAFE_ENCODINGS = new Set(['utf8', 'unicode', 'sqlascii']);

/** PostgreSQL's own normalisation of encoding names (clean_encoding_name): alphanumerics, lower case. */
export function isSafeClientEncoding(name: string): boolean {
  return SAFE_ENCODINGS.has(name.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/**
 * True when SQL text could change client_encoding (`SET client_encoding`, `SET NAMES`,
 * `set_config('client_encoding', …)`, `RESET client_encoding`). Such a statement is refused before it runs:
 * statements pipelined behind it would already be on their way upstream when the change is
 * reported. Broad on purpose (comments may sit between SET and NAMES); the relay also ends a
 * session whose upstream reports an unsafe client_encoding anyway.
 */
export function mayChangeClientEncoding(sql: string): boolean {
  const lower = sql.toLowerCase();
  return lower.includes('client_encoding') || /\bset\b[\s\S]*\bnames\b/.test(lower);
}
