import type { ShellWord } from './shell-words.ts';

/**
 * Commands that run another command. For policy, `sudo env FOO=1 rm -rf /` must also be seen as
 * `rm -rf /`, and `bash -c 'rm -rf /'` as the commands in its string. `unwrapCommand` says what
 * one simple command runs in turn.
 */
export type InnerCommand =
  /** The wrapper runs this argv (`sudo rm …`). `dynamic` when arguments are added at run time. */
  | { type: 'argv'; via: string; argv: ShellWord[]; dynamic: boolean }
  /** The wrapper runs this text as shell code (`sh -c '…'`, `eval`, `su -c`). */
  | { type: 'script'; via: string; script: ShellWord }
  /** A shell reading its commands from standard input. */
  | { type: 'stdin'; via: string };

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'fish', 'rbash', 'yash', 'posh']);

interface OptionSpec {
  /** Options followed by a value (`-u root`). */
  withValue: readonly string[];
  /** Positional words before the command (`timeout 5 cmd`, `chroot /srv cmd`). */
  leading?: number;
}

const PREFIX_WRAPPERS: Record<string, OptionSpec> = {
  sudo: { withValue: ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-T', '-U', '-R', '--user', '--group', '--chdir', '--host', '--prompt', '--role', '--type', '--other-user', '--close-from', '--command-timeout', '--chroot'] },
  doas: { withValue: ['-u', '-C'] },
  nohup: { withValue: [] },
  coproc: { withValue: [] },
  setsid: { withValue: [] },
  time: { withValue: ['-f', '-o', '--format', '--output'] },
  command: { withValue: [] },
  builtin: { withValue: [] },
  exec: { withValue: ['-a'] },
  nice: { withValue: ['-n', '--adjustment'] },
  ionice: { withValue: ['-c', '-n', '--class', '--classdata'] },
  timeout: { withValue: ['-s', '-k', '--signal', '--kill-after'], leading: 1 },
  stdbuf: { withValue: ['-i', '-o', '-e', '--input', '--output', '--error'] },
  chroot: { withValue: ['--userspec', '--groups'], leading: 1 },
  taskset: { withValue: [], leading: 1 },
  unbuffer: { withValue: [] },
  busybox: { withValue: [] },
  strace: { withValue: ['-o', '-e', '-p', '-s', '-u', '-E', '-P', '-b', '-a', '-X', '-I', '-S', '-O'] },
  ltrace: { withValue: ['-o', '-e', '-p', '-s', '-u', '-n', '-a', '-l', '-L', '-x'] },
};

export function commandBaseName(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash >= 0 ? word.slice(slash + 1) : word;
}

/** Skips options (`-x`, `--long`, `--long=v`, `-u v`) and returns the index of the first operand. */
function skipOptions(argv: ShellWord[], start: number, spec: OptionSpec): number {
  let i = start;
  while (i < argv.length) {
    const arg = argv[i]!.text;
    if (arg === '--') return i + 1;
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg.startsWith('--')) i += spec.withValue.includes(arg) ? 2 : 1;
    else if (spec.withValue.includes(arg)) i += 2;
    else if (spec.withValue.some((o) => !o.startsWith('--') && arg.startsWith(o))) i += 1; // -uroot
    else i += 1;
  }
  return i;
}

export function unwrapCommand(argv: ShellWord[], stdinIsData: boolean): InnerCommand | undefined {
  if (argv.length === 0) return undefined;
  const name = commandBaseName(argv[0]!.text);
  const rest = (from: number): ShellWord[] => argv.slice(from);
  if (SHELLS.has(name)) return unwrapShell(name, argv, stdinIsData);
  if (name === 'eval') return { type: 'script', via: 'eval', script: joinWords(rest(1)) };
  if (name === 'env') return unwrapEnv(argv);
  if (name === 'su' || name === 'runuser') return unwrapSu(name, argv);
  if (name === 'xargs') {
    const start = skipOptions(argv, 1, { withValue: ['-a', '-d', '-E', '-I', '-L', '-n', '-P', '-s', '--arg-file', '--delimiter', '--max-args', '--max-procs', '--max-chars', '--max-lines', '--replace'] });
    const inner = rest(start);
    return { type: 'argv', via: 'xargs', argv: inner.length > 0 ? inner : [{ text: 'echo', dynamic: false }], dynamic: true };
  }
  if (name === 'find') return unwrapFind(argv);
  if (name === 'watch') {
    const start = skipOptions(argv, 1, { withValue: ['-n', '-d', '--interval', '--differences', '-q', '--equexit'] });
    return start < argv.length ? { type: 'script', via: 'watch', script: joinWords(rest(start)) } : undefined;
  }
  if (name === 'flock') {
    const c = argv.findIndex((w, i) => i > 0 && (w.text === '-c' || w.text === '--command'));
    if (c > 0 && c + 1 < argv.length) return { type: 'script', via: 'flock', script: argv[c + 1]! };
    const start = skipOptions(argv, 1, { withValue: ['-w', '-E', '--timeout', '--conflict-exit-code'], leading: 1 });
    return start + 1 < argv.length ? { type: 'argv', via: 'flock', argv: rest(start + 1), dynamic: false } : undefined;
  }
  const spec = PREFIX_WRAPPERS[name];
  if (!spec) return undefined;
  if (name === 'command' && argv.some((w) => w.text === '-v' || w.text === '-V')) return undefined;
  const start = skipOptions(argv, 1, spec) + (spec.leading ?? 0);
  if (start >= argv.length) return undefined;
  return { type: 'argv', via: name, argv: rest(start), dynamic: false };
}

function unwrapShell(name: string, argv: ShellWord[], stdinIsData: boolean): InnerCommand | undefined {
  let hasC = false;
  let readsStdin = false;
  let i = 1;
  for (; i < argv.length; i++) {
    const arg = argv[i]!.text;
    if (arg === '--' || arg === '-') {
      i++;
      break;
    }
    if (arg === '-o' || arg === '+o' || arg === '-O' || arg === '+O' || arg === '--rcfile' || arg === '--init-file') {
      i++;
      continue;
    }
    if (arg.startsWith('--')) continue;
    if (!/^[-+]/.test(arg)) break;
    if (arg.startsWith('-') && arg.includes('c')) hasC = true;
    if (arg.startsWith('-') && arg.includes('s')) readsStdin = true;
  }
  if (hasC) {
    const script = argv[i];
    return script ? { type: 'script', via: `${name} -c`, script } : undefined;
  }
  // `bash script.sh` runs a file this parser cannot see; without a file it reads stdin.
  if (i < argv.length && !readsStdin) return undefined;
  return stdinIsData ? { type: 'stdin', via: name } : undefined;
}

function unwrapEnv(argv: ShellWord[]): InnerCommand | undefined {
  let i = 1;
  for (; i < argv.length; i++) {
    const arg = argv[i]!.text;
    if (arg === '--') {
      i++;
      break;
    }
    if (arg === '-S' || arg === '--split-string') return argv[i + 1] ? { type: 'script', via: 'env -S', script: argv[i + 1]! } : undefined;
    if (arg.startsWith('--split-string=')) return { type: 'script', via: 'env -S', script: { text: arg.slice(15), dynamic: argv[i]!.dynamic } };
    if (arg === '-u' || arg === '-C' || arg === '--unset' || arg === '--chdir') {
      i++;
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') continue;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(arg)) continue;
    break;
  }
  return i < argv.length ? { type: 'argv', via: 'env', argv: argv.slice(i), dynamic: false } : undefined;
}

function unwrapSu(name: string, argv: ShellWord[]): InnerCommand | undefined {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!.text;
    if (arg === '-c' || arg === '--command') return argv[i + 1] ? { type: 'script', via: `${name} -c`, script: argv[i + 1]! } : undefined;
    if (arg.startsWith('--command=')) return { type: 'script', via: `${name} -c`, script: { text: arg.slice(10), dynamic: argv[i]!.dynamic } };
  }
  return undefined;
}

function unwrapFind(argv: ShellWord[]): InnerCommand | undefined {
  const start = argv.findIndex((w) => ['-exec', '-execdir', '-ok', '-okdir'].includes(w.text));
  if (start < 0) {
    // `find … -delete` removes what it matches: reported as a `find` command, which it already is.
    return undefined;
  }
  let end = start + 1;
  while (end < argv.length && argv[end]!.text !== ';' && argv[end]!.text !== '+') end++;
  const inner = argv.slice(start + 1, end);
  return inner.length > 0 ? { type: 'argv', via: 'find', argv: inner, dynamic: true } : undefined;
}

function joinWords(words: ShellWord[]): ShellWord {
  return { text: words.map((w) => w.text).join(' '), dynamic: words.some((w) => w.dynamic) };
}
