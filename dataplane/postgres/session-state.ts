/**
 * The session state the proxy's decisions assume, read from the upstream session itself: the
 * settings that change how PostgreSQL reads text and the security context statements run in.
 * Most are not reported by ParameterStatus, so the proxy asks after any statement that may
 * change settings (and once at the start, for the baseline); a difference from the baseline
 * ends the session.
 */
export const SESSION_STATE_SETTINGS = [
  'search_path',
  'role',
  'session_authorization',
  'session_replication_role',
  'standard_conforming_strings',
  'backslash_quote',
  'client_encoding',
] as const;

export const SESSION_STATE_SQL = `SELECT ${SESSION_STATE_SETTINGS.map((name) => `pg_catalog.current_setting('${name}')`).join(', ')}, current_user::text`;

const LABELS = [...SESSION_STATE_SETTINGS, 'current_user'];

export type SessionState = (string | null)[];

/** The first setting that differs, as "name: before → now", or undefined when all agree. */
export function stateDifference(baseline: SessionState, now: SessionState): string | undefined {
  if (baseline.length !== now.length) return 'the session state could not be read';
  for (let i = 0; i < baseline.length; i++) {
    if (baseline[i] !== now[i]) return `${LABELS[i] ?? `setting ${i}`} (${baseline[i] ?? 'null'} → ${now[i] ?? 'null'})`;
  }
  return undefined;
}
