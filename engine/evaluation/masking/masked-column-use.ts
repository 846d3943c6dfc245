/**
 * The one deny reason for a masked column used other than plainly selected. Its own file because
 * both the statement-level check (check-mask-usage.ts) and the alias walk (masked-alias-use.ts)
 * report it, and neither should import the other.
 */
export function used(column: string, usage: string): string {
  return `gatehouse:mask: column "${column}" is used in ${usage}; masked columns may only be selected plainly`;
}
