import { randomBytes } from 'node:crypto';
import type { BindMessage } from './wire/frontend-messages.ts';

/**
 * The extended protocol's named objects (prepared statements, portals) as the proxy knows
 * them, so an Execute is decided on exactly the SQL the upstream will run.
 *
 * Why names are rewritten: SQL itself can create and drop objects in the same namespaces
 * (PREPARE/DEALLOCATE, DECLARE/CLOSE). Were client names passed through, a client could bind a
 * harmless statement, replace it by name with SQL the proxy never matched to that name, and
 * execute it under the harmless statement's decision. Every named object the proxy creates
 * upstream gets a fresh name under a per-session prefix that SQL text may not mention (see
 * `mentionsReservedName`), is never reused, and so always holds the SQL recorded for it.
 * Unnamed objects cannot be created by SQL at all; a simple Query destroys them upstream, and
 * `clearUnnamed` mirrors that.
 *
 * Entries change only when the upstream confirms (ParseComplete, BindComplete, CloseComplete);
 * a batch works on a speculative copy. Where the two disagree, the upstream object is missing
 * and the upstream refuses the Execute, so no disagreement runs different SQL.
 */
export interface StatementEntry {
  upstream: string;
  sql: string;
}

export interface PortalEntry {
  upstream: string;
  /** The statement's SQL at Bind time (a portal keeps its plan even if the statement is replaced). */
  sql: string | undefined;
  /** The Bind that made it: its parameters go into the decision context. */
  bind: BindMessage;
}

/** Every upstream name the proxy makes starts with this; SQL text containing it is refused. */
export const RESERVED_PREFIX = 'gatehouse_';

/**
 * True when SQL text could name one of the proxy's upstream objects: it contains the reserved
 * prefix in any letter case, or a Unicode-escaped identifier (U&"..."), which could spell it
 * without containing it.
 */
export function mentionsReservedName(sql: string): boolean {
  const lower = sql.toLowerCase();
  return lower.includes(RESERVED_PREFIX) || /u&\s*"/.test(lower);
}

export class ProtocolObjects {
  readonly statements = new Map<string, StatementEntry>();
  readonly portals = new Map<string, PortalEntry>();
  private readonly prefix = `${RESERVED_PREFIX}${randomBytes(6).toString('hex')}_`;
  private counter = 0;

  /** A name that never exists upstream: for references to objects the client never made. */
  get missing(): string {
    return `${this.prefix}missing`;
  }

  fresh(kind: 's' | 'p', clientName: string): string {
    if (clientName === '') return '';
    this.counter++;
    return `${this.prefix}${kind}${this.counter}`;
  }

  /** A simple Query dropped the unnamed statement and portal upstream. */
  clearUnnamed(): void {
    this.statements.delete('');
    this.portals.delete('');
  }

  /** The speculative state a batch is decided on. */
  speculate(): { statements: Map<string, StatementEntry>; portals: Map<string, PortalEntry> } {
    return { statements: new Map(this.statements), portals: new Map(this.portals) };
  }
}
