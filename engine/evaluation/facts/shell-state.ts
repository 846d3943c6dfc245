/**
 * Commands and assignments that change the shell itself for the lines that follow: a later
 * prompt hook, alias, trap, option or terminal setting runs code no later line shows. The
 * policy never treats these as read-only.
 */
const STATE_COMMANDS = new Set([
  'alias', 'unalias', 'trap', 'set', 'shopt', 'stty', 'bind', 'enable', 'source', '.', 'history', 'fc', 'declare', 'typeset',
  'export', 'local', 'readonly', 'unset', 'cd', 'pushd', 'popd', 'umask', 'ulimit', 'hash', 'complete', 'compopt', 'builtin',
  'read', 'mapfile', 'readarray', 'let', 'getopts', 'exec', 'tput', 'reset', 'setterm', 'disown', 'shift', 'caller', 'ulimit',
]);

/** Builtins that read from standard input (the terminal in a shell session). */
const READS_INPUT = new Set(['read', 'mapfile', 'readarray', 'select']);

export interface ShellStateChange {
  changes: boolean;
  /** Variable names the command sets, when known. */
  sets: string[];
  readsInput: boolean;
}

const NAME = /^([A-Za-z_][A-Za-z0-9_]*)(\[.*\])?\+?=/;

export function describeShellState(argv: readonly string[], assignments: readonly string[]): ShellStateChange {
  const sets = new Set<string>();
  const name = argv[0] ?? '';
  const base = name.slice(name.lastIndexOf('/') + 1);
  // A prefix assignment (`PS1=x cmd`) is temporary for most commands, but persists for special
  // builtins and functions: it is reported either way.
  for (const a of assignments) {
    const m = NAME.exec(a);
    if (m) sets.add(m[1]!);
  }
  let changes = argv.length === 0 && assignments.length > 0;
  if (argv.length > 0 && STATE_COMMANDS.has(base)) changes = true;
  if (['declare', 'typeset', 'export', 'local', 'readonly'].includes(base)) {
    for (const word of argv.slice(1)) {
      const m = NAME.exec(word) ?? /^([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
      if (m) sets.add(m[1]!);
    }
  }
  if (base === 'printf') {
    // `printf -v NAME` assigns instead of printing; `-vNAME` too.
    for (let i = 1; i < argv.length; i++) {
      const word = argv[i]!;
      if (word === '--' || !word.startsWith('-')) break;
      if (word === '-v' && argv[i + 1] !== undefined) {
        sets.add(argv[i + 1]!.replace(/\[.*$/, ''));
        changes = true;
        i++;
      } else if (word.startsWith('-v')) {
        sets.add(word.slice(2).replace(/\[.*$/, ''));
        changes = true;
      }
    }
  }
  if (base === 'read' || base === 'mapfile' || base === 'readarray' || base === 'getopts') {
    for (const word of argv.slice(1)) if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) sets.add(word);
  }
  return { changes: changes || sets.size > 0, sets: [...sets], readsInput: READS_INPUT.has(base) };
}
