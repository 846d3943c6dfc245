import { isSafeClientEncoding } from './statement-reading-settings.ts';
import { GatehouseError } from '../../engine/model/index.ts';

/**
 * Startup parameters a client may pass through to the upstream session. Anything else is
 * refused: `options` and `replication` change the security context (arbitrary GUCs, the
 * replication protocol), and `search_path` would change what the table names that policy
 * sees resolve to.
 */
const PASS_THROUGH = new Set([
  'application_name',
  'client_encoding',
  'DateStyle',
  'TimeZone',
  'extra_float_digits',
  'IntervalStyle',
  'lc_monetary',
  'lc_numeric',
  'lc_time',
]);

export class StartupRefused extends GatehouseError {
  constructor(
    message: string,
    readonly sqlState: string,
  ) {
    super('GATEHOUSE_PG_STARTUP', message);
    this.name = 'StartupRefused';
  }
}

/** Validates the client's startup parameters; returns those to forward upstream. */
export function checkStartupParameters(parameters: Map<string, string>, database: string): Record<string, string> {
  const forwarded: Record<string, string> = {};
  const requested = parameters.get('database') ?? parameters.get('user');
  if (requested !== database) {
    throw new StartupRefused(`database "${requested ?? ''}" is not served here: connect to database "${database}"`, '3D000');
  }
  for (const [name, value] of parameters) {
    if (name === 'user' || name === 'database') continue;
    if (name === 'options' || name === 'replication') {
      throw new StartupRefused(`startup parameter "${name}" is refused by Gatehouse: it changes the session's security context`, '42501');
    }
    if (!PASS_THROUGH.has(name)) {
      throw new StartupRefused(`startup parameter "${name}" is not allowed through Gatehouse`, '42501');
    }
    if (value.length > 256) throw new StartupRefused(`startup parameter "${name}" is too long`, '08P01');
    if (name === 'client_encoding' && !isSafeClientEncoding(value)) {
      throw new StartupRefused(`client_encoding "${value}" is not allowed through Gatehouse: use UTF8`, '42501');
    }
    forwarded[name] = value;
  }
  return forwarded;
}
