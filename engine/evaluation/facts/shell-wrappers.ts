import { optionGiven, parseOptions, shortOptions, type ParsedOption } from './shell-getopt.ts';
import { WRAPPER_SPECS } from './shell-wrapper-specs.ts';
import type { ShellWord } from './shell-words.ts';

/**
 * Commands that run another command or code. For policy, `sudo env FOO=1 rm -rf /` must also be
 * seen as `rm -rf /`, and `bash -c 'rm -rf /'` as the commands in its string. `readCommand` says
 * what one simple command runs in turn, and when the engine cannot know (`unreadable`).
 */
export type InnerCommand =
  /** The wrapper runs this argv (`sudo rm …`). `dynamic` when arguments are added at run time. */
  | { type: 'argv'; via: string; argv: ShellWord[]; dynamic: boolean }
  /** The wrapper runs this text as shell code (`sh -c '…'`, `eval`, `su -c`, `trap '…'`). */
  | { type: 'script'; via: string; script: ShellWord }
  /** A shell reading its commands from standard input. */
  | { type: 'stdin'; via: string };

export interface CommandReading {
  inner?: InnerCommand;
  /** Why the engine cannot say what this command runs (code in a file, another language, …). */
  unreadable: string[];
  /** The command reads further commands from the terminal (a shell, `su`, `ssh host`). */
  interactive: boolean;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'fish', 'rbash', 'yash', 'posh', 'csh', 'tcsh']);

/** Interpreters and the options whose value is a program (`python -c`, `perl -e`). */
const INTERPRETERS: Readonly<Record<string, readonly string[]>> = {
  python: ['-c'], python2: ['-c'], python3: ['-c'], pypy: ['-c'], pypy3: ['-c'],
  perl: ['-e', '-E'], ruby: ['-e'], node: ['-e', '-p', '--eval', '--print'], nodejs: ['-e', '-p', '--eval', '--print'],
  deno: ['eval'], bun: ['-e', '--eval'], php: ['-r', '-R', '-B', '-E'], lua: ['-e'], luajit: ['-e'], tclsh: [], wish: [],
  Rscript: ['-e'], R: ['-e'], julia: ['-e', '--eval'], guile: ['-c'], racket: ['-e'], ocaml: [], irb: [], jshell: [],
  gawk: [], awk: [], mawk: [], nawk: [], busybox: [],
};

/** Commands whose arguments or input are programs the engine does not read. */
const RUNS_CODE: Readonly<Record<string, string>> = {
  at: 'at runs commands read later',
  batch: 'batch runs commands read later',
  crontab: 'crontab installs commands that run later',
  parallel: 'parallel builds and runs commands at run time',
  expect: 'expect runs a Tcl program',
  'systemd-run': 'systemd-run starts a command as a service',
  'systemd-nspawn': 'systemd-nspawn runs a container',
  machinectl: 'machinectl can run commands in a container',
  docker: 'docker can run commands in a container',
  podman: 'podman can run commands in a container',
  kubectl: 'kubectl can run commands in a pod',
  gdb: 'gdb can run commands and shell code',
  socat: 'socat can start programs',
  busybox: 'busybox runs an applet chosen by its argument',
  sshpass: 'sshpass runs a command with a password',
  dbus: 'dbus can run programs',
  'run-parts': 'run-parts runs every program in a directory',
  strace: 'strace runs a command',
  ltrace: 'ltrace runs a command',
};

/** A long option whose name says it runs something (`--to-command`, `--compress-program`, `--rsh`). */
const CODE_OPTION = /^--?[A-Za-z0-9-]*(command|program|exec|script|rsh|shell|hook|filter|checkpoint-action|ssh)(=|$)/i;

/** Long options known to run a program; GNU accepts any unique prefix, so prefixes count too. */
const CODE_LONG_OPTIONS = [
  '--compress-program', '--use-compress-program', '--to-command', '--checkpoint-action', '--info-script', '--new-volume-script',
  '--rsh', '--rsync-path', '--command', '--exec', '--execdir', '--eval', '--shell', '--pager', '--editor', '--filter',
  '--ssh-command', '--upload-pack', '--receive-pack', '--proxy-command', '--run', '--hook', '--script', '--interpreter',
];

function runsCode(option: string): boolean {
  if (CODE_OPTION.test(option)) return true;
  const spelled = option.split('=')[0]!;
  return spelled.startsWith('--') && spelled.length >= 5 && CODE_LONG_OPTIONS.some((known) => known.startsWith(spelled));
}

export function commandBaseName(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash >= 0 ? word.slice(slash + 1) : word;
}

const readable = (inner?: InnerCommand, interactive = false): CommandReading => ({ inner, unreadable: [], interactive });
const unreadable = (reason: string, inner?: InnerCommand): CommandReading => ({ inner, unreadable: [reason], interactive: false });

export function readCommand(argv: ShellWord[], stdinIsData: boolean): CommandReading {
  if (argv.length === 0) return readable();
  const name = commandBaseName(argv[0]!.text);
  const rest = (from: number): ShellWord[] => argv.slice(from);
  if (SHELLS.has(name)) return readShell(name, argv, stdinIsData);
  if (name in INTERPRETERS) return readInterpreter(name, argv, stdinIsData);
  if (name === 'eval') return readable({ type: 'script', via: 'eval', script: joinWords(rest(1)) });
  if (name === 'trap') return readTrap(argv);
  if (name === 'su' || name === 'runuser') return readSu(name, argv);
  if (name === 'script') return readScript(argv);
  if (name === 'xargs') {
    const parsed = parseOptions(argv, 1, XARGS, 'xargs');
    if (!parsed.ok) return unreadable(parsed.reason);
    const inner = rest(parsed.index);
    return readable({ type: 'argv', via: 'xargs', argv: inner.length > 0 ? inner : [{ text: 'echo', dynamic: false }], dynamic: true });
  }
  if (name === 'find') return readFind(argv);
  if (name === 'watch') return readWatch(argv);
  if (name === 'flock') return readFlock(argv);
  if (name === 'ssh') return readSsh(argv);
  if (name === 'ip') return readIp(argv);
  if (name === 'sed' || name === 'gsed') return readSed(argv);
  if (name === 'nc' || name === 'ncat' || name === 'netcat') {
    if (argv.some((w) => /^-[A-Za-z]*[ec]/.test(w.text) || /^--(exec|sh-exec|lua-exec)/.test(w.text))) return unreadable(`${name} -e/-c runs a program for the connection`);
  }
  if (name === 'sudoedit') return readable(undefined, true);
  if (RUNS_CODE[name]) return unreadable(RUNS_CODE[name]!);
  const spec = WRAPPER_SPECS[name];
  if (spec) return readWrapper(name, argv);
  const codeOption = argv.slice(1).find((w) => runsCode(w.text));
  if (codeOption) return unreadable(`${name} ${codeOption.text.split('=')[0]} runs another program`);
  return readable();
}

const XARGS = {
  short: shortOptions('0prtox', 'adEIiLlnPs'.replace('i', '').replace('l', ''), 'eil'),
  long: {
    help: 'none', version: 'none', null: 'none', interactive: 'none', 'no-run-if-empty': 'none', verbose: 'none', 'show-limits': 'none', exit: 'none', 'open-tty': 'none',
    'arg-file': 'required', delimiter: 'required', 'max-args': 'required', 'max-procs': 'required', 'max-chars': 'required', 'process-slot-var': 'required',
    eof: 'optional', replace: 'optional', 'max-lines': 'optional',
  },
} as const;

function readWrapper(name: string, argv: ShellWord[]): CommandReading {
  const spec = WRAPPER_SPECS[name]!;
  const parsed = parseOptions(argv, 1, spec, name);
  if (!parsed.ok) return unreadable(`${parsed.reason}; what it runs is not known`);
  const { options } = parsed;
  let i = parsed.index;
  if (name === 'env') {
    const split = optionGiven(options, '-S', '--split-string');
    if (split?.value) {
      // env -S has its own quoting and ${VAR} rules: the string is read as shell words to find
      // what it names, and the command is unreadable because the two readings can differ.
      const script = joinWords([split.value, ...skipAssignments(argv, i).words]);
      return { inner: { type: 'script', via: 'env -S', script }, unreadable: ['env -S splits a string with its own rules'], interactive: false };
    }
  }
  if (spec.noCommand && options.some((o) => spec.noCommand!.includes(o.name))) return readable();
  if (name === 'sudo' || name === 'doas') {
    const shell = options.some((o) => ['-s', '--shell', '-i', '--login'].includes(o.name));
    const after = spec.assignments ? skipAssignments(argv, i).index : i;
    if (after >= argv.length) return readable(undefined, shell || name === 'doas' ? shell : false);
    if (shell) return { inner: { type: 'script', via: `${name} -s`, script: joinWords(argv.slice(after)) }, unreadable: [], interactive: false };
  }
  if (spec.assignments) i = skipAssignments(argv, i).index;
  i += spec.leading ?? 0;
  if (i >= argv.length) {
    // `chroot DIR` and `unshare` without a command start a shell.
    return readable(undefined, name === 'chroot' || name === 'unshare' || name === 'nsenter');
  }
  return readable({ type: 'argv', via: name, argv: argv.slice(i), dynamic: false });
}

function skipAssignments(argv: ShellWord[], start: number): { index: number; words: ShellWord[] } {
  let i = start;
  while (i < argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i]!.text)) i++;
  return { index: i, words: argv.slice(i) };
}

const SHELL_OPTIONS = {
  short: shortOptions('abefhiklmnprstuvxBCEHPTcsDO', 'o', ''),
  long: {
    norc: 'none', noprofile: 'none', noediting: 'none', posix: 'none', login: 'none', restricted: 'none', verbose: 'none', version: 'none', help: 'none',
    debugger: 'none', 'dump-strings': 'none', 'dump-po-strings': 'none', pretty_print: 'none', 'wordexp': 'none',
    rcfile: 'required', 'init-file': 'required',
  },
} as const;

function readShell(name: string, argv: ShellWord[], stdinIsData: boolean): CommandReading {
  let hasC = false;
  let readsStdin = false;
  let i = 1;
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    const arg = word.text;
    if (word.dynamic && /^[-+$`]/.test(arg)) return unreadable(`${name}: the option '${arg}' is only known at run time`);
    if (arg === '--' || arg === '-') {
      i++;
      break;
    }
    if (/^[-+]o$/.test(arg) || /^[-+]O$/.test(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('--')) {
      const long = arg.slice(2).split('=')[0]!;
      if (!(long in SHELL_OPTIONS.long)) return unreadable(`${name}: unknown option '${arg}'`);
      if (SHELL_OPTIONS.long[long as keyof typeof SHELL_OPTIONS.long] === 'required' && !arg.includes('=')) i++;
      continue;
    }
    if (!/^[-+]/.test(arg)) break;
    if (arg.startsWith('-') && arg.includes('c')) hasC = true;
    if (arg.startsWith('-') && arg.includes('s')) readsStdin = true;
    // `-o opt` / `-O opt` inside a cluster take the next word.
    if (/[oO]$/.test(arg)) i++;
  }
  if (hasC) {
    const script = argv[i];
    return script ? readable({ type: 'script', via: `${name} -c`, script }) : unreadable(`${name} -c without a command string`);
  }
  // `bash script.sh` runs a file, as `./script.sh` would: what is in it is out of any line
  // gate's sight (the recording shows what ran). Without a file it reads stdin.
  if (i < argv.length && !readsStdin) return readable();
  if (stdinIsData) return readable({ type: 'stdin', via: name });
  return readable(undefined, true);
}

function readInterpreter(name: string, argv: ShellWord[], stdinIsData: boolean): CommandReading {
  if (name === 'busybox') {
    // `busybox rm -rf /` runs the applet named by its first operand.
    return argv.length > 1 ? readCommandAs(argv.slice(1), stdinIsData, 'busybox') : readable();
  }
  if (name.endsWith('awk')) return unreadable(`${name} runs an awk program`);
  const codeOptions = INTERPRETERS[name]!;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!.text;
    if (codeOptions.some((o) => arg === o || (o.length === 2 && arg.startsWith('-') && !arg.startsWith('--') && arg.slice(1).includes(o[1]!)) || arg.startsWith(`${o}=`))) {
      return unreadable(`${name} ${arg} runs a ${name} program given on the line`);
    }
  }
  // `python3 report.py` runs a file, like any executable does.
  if (argv.slice(1).some((w) => !w.text.startsWith('-'))) return readable();
  if (stdinIsData) return unreadable(`${name} runs a program read from its input`);
  return { unreadable: [], interactive: true };
}

function readCommandAs(argv: ShellWord[], _stdinIsData: boolean, via: string): CommandReading {
  return readable({ type: 'argv', via, argv, dynamic: false }, false);
}

function readTrap(argv: ShellWord[]): CommandReading {
  let i = 1;
  while (i < argv.length && /^-[lpP]+$/.test(argv[i]!.text)) i++;
  if (argv[i]?.text === '--') i++;
  const action = argv[i];
  if (!action || i + 1 >= argv.length || action.text === '-' || action.text === '') return readable();
  // The action runs later, on a signal or at exit: it is read like `eval`.
  return readable({ type: 'script', via: 'trap', script: action });
}

function readSu(name: string, argv: ShellWord[]): CommandReading {
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    const arg = word.text;
    if (word.dynamic && arg.startsWith('-')) return unreadable(`${name}: the option '${arg}' is only known at run time`);
    if (arg === '--command' || arg === '--session-command' || /^-[A-Za-z]*c$/.test(arg)) {
      return argv[i + 1] ? readable({ type: 'script', via: `${name} -c`, script: argv[i + 1]! }) : unreadable(`${name} -c without a command`);
    }
    const attached = /^-[A-Za-z]*c(.+)$/.exec(arg);
    if (attached && !arg.startsWith('--')) return readable({ type: 'script', via: `${name} -c`, script: { text: attached[1]!, dynamic: word.dynamic } });
    if (arg.startsWith('--command=') || arg.startsWith('--session-command=')) {
      return readable({ type: 'script', via: `${name} -c`, script: { text: arg.slice(arg.indexOf('=') + 1), dynamic: word.dynamic } });
    }
  }
  return readable(undefined, true);
}

const SCRIPT = {
  short: shortOptions('aefqhVk', 'cEmoBITO', 't'),
  long: {
    help: 'none', version: 'none', append: 'none', 'return': 'none', flush: 'none', force: 'none', quiet: 'none', 'log-io': 'required', 'log-in': 'required', 'log-out': 'required',
    'log-timing': 'required', 'logging-format': 'required', command: 'required', echo: 'required', 'output-limit': 'required', timing: 'optional',
  },
} as const;

function readScript(argv: ShellWord[]): CommandReading {
  const parsed = parseOptions(argv, 1, SCRIPT, 'script');
  if (!parsed.ok) return unreadable(`${parsed.reason}; what it runs is not known`);
  const command = optionGiven(parsed.options, '-c', '--command');
  if (command?.value) return readable({ type: 'script', via: 'script -c', script: command.value });
  return readable(undefined, true);
}

function readFind(argv: ShellWord[]): CommandReading {
  const start = argv.findIndex((w) => ['-exec', '-execdir', '-ok', '-okdir'].includes(w.text));
  if (start < 0) return readable();
  let end = start + 1;
  while (end < argv.length && argv[end]!.text !== ';' && argv[end]!.text !== '+') end++;
  const inner = argv.slice(start + 1, end);
  // A second -exec after the first is not followed: the command as a whole is unreadable.
  const more = argv.slice(end + 1).some((w) => ['-exec', '-execdir', '-ok', '-okdir'].includes(w.text));
  return {
    inner: inner.length > 0 ? { type: 'argv', via: 'find', argv: inner, dynamic: true } : undefined,
    unreadable: more ? ['find runs more than one -exec command'] : [],
    interactive: false,
  };
}

function readWatch(argv: ShellWord[]): CommandReading {
  const parsed = parseOptions(argv, 1, {
    short: shortOptions('bcCeghptwrx', 'dnq', ''),
    long: {
      help: 'none', version: 'none', beep: 'none', color: 'none', 'no-color': 'none', errexit: 'none', chgexit: 'none', 'no-title': 'none', precise: 'none', 'no-wrap': 'none', exec: 'none', 'no-rerun': 'none',
      differences: 'optional', interval: 'required', equexit: 'required',
    },
  }, 'watch');
  if (!parsed.ok) return unreadable(`${parsed.reason}; what it runs is not known`);
  if (parsed.index >= argv.length) return readable();
  if (parsed.options.some((o) => o.name === '-x' || o.name === '--exec')) return readable({ type: 'argv', via: 'watch', argv: argv.slice(parsed.index), dynamic: false });
  return readable({ type: 'script', via: 'watch', script: joinWords(argv.slice(parsed.index)) });
}

function readFlock(argv: ShellWord[]): CommandReading {
  const parsed = parseOptions(argv, 1, {
    short: shortOptions('sxunoFhV', 'wEc', ''),
    long: { shared: 'none', exclusive: 'none', unlock: 'none', nonblock: 'none', 'close': 'none', 'no-fork': 'none', help: 'none', version: 'none', verbose: 'none', timeout: 'required', 'conflict-exit-code': 'required', command: 'required' },
  }, 'flock');
  if (!parsed.ok) return unreadable(`${parsed.reason}; what it runs is not known`);
  const command = optionGiven(parsed.options, '-c', '--command');
  if (command?.value) return readable({ type: 'script', via: 'flock -c', script: command.value });
  // flock FILE -c CMD: getopt permutes, so -c may follow the lock file.
  const after = argv.slice(parsed.index + 1);
  const c = after.findIndex((w) => w.text === '-c' || w.text === '--command');
  if (c >= 0 && after[c + 1]) return readable({ type: 'script', via: 'flock -c', script: after[c + 1]! });
  if (after.length > 0 && after[0]!.text.startsWith('-')) return unreadable('flock: options after the lock file are not read');
  return after.length > 0 ? readable({ type: 'argv', via: 'flock', argv: after, dynamic: false }) : readable();
}

const SSH_OPTIONS = shortOptions('46AaCfGgKkMNnqsTtVvXxYy', 'BbcDEeFIiJLlmOoPpQRSWw');

function readSsh(argv: ShellWord[]): CommandReading {
  const parsed = parseOptions(argv, 1, { short: SSH_OPTIONS, long: {} }, 'ssh');
  if (!parsed.ok) return unreadable(`${parsed.reason}; what it runs is not known`);
  const local = parsed.options.find((o) => o.name === '-o' && /^\s*(ProxyCommand|LocalCommand|PermitLocalCommand|KnownHostsCommand|Match|RemoteCommand|ProxyUseFdpass)/i.test(o.value?.text ?? ''));
  if (local) return unreadable(`ssh -o ${local.value!.text.split(/[= ]/)[0]} runs a command`);
  if (parsed.options.some((o) => o.name === '-F')) return unreadable('ssh -F reads a configuration that can run commands');
  const remote = argv.slice(parsed.index + 1);
  if (remote.length > 0) return unreadable(`ssh runs '${joinWords(remote).text}' on another host`);
  return readable(undefined, true);
}

function readIp(argv: ShellWord[]): CommandReading {
  let i = 1;
  while (i < argv.length && argv[i]!.text.startsWith('-')) {
    const arg = argv[i]!.text;
    // iproute2 accepts any prefix of its single-dash long options: `-b`, `-ba`, `-batch`.
    if (/^--?b(a(t(ch?)?)?)?$/.test(arg) || arg === '-force') return unreadable(`ip ${arg} runs the commands in a file`);
    i += /^--?(n|ne|net|netn|netns|f|fa|fam|fami|famil|family|rc|rcv|rcvb|rcvbu|rcvbuf)$/.test(arg) ? 2 : 1;
  }
  const operands = argv.slice(i);
  const object = operands[0]?.text;
  if (object !== undefined && 'netns'.startsWith(object) && object.length >= 1 && operands[1] && 'exec'.startsWith(operands[1].text) && operands[1].text.length >= 1) {
    return operands.length > 3 ? readable({ type: 'argv', via: 'ip netns exec', argv: operands.slice(3), dynamic: false }) : readable();
  }
  return readable();
}

function readSed(argv: ShellWord[]): CommandReading {
  const scripts: string[] = [];
  let expressionGiven = false;
  let firstOperand: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!.text;
    if (arg === '-e' || arg === '--expression') {
      expressionGiven = true;
      scripts.push(argv[++i]?.text ?? '');
    } else if (arg.startsWith('--expression=')) {
      expressionGiven = true;
      scripts.push(arg.slice(13));
    } else if (/^-[A-Za-z]*f/.test(arg) || arg.startsWith('--file')) return unreadable('sed runs a script read from a file');
    else if (!arg.startsWith('-') && firstOperand === undefined) firstOperand = arg;
  }
  if (!expressionGiven && firstOperand !== undefined) scripts.push(firstOperand);
  // GNU sed's `e` command runs shell code and `w`/`W`/`s///w` write files; a script with one of
  // those letters where a command or flag can stand is unreadable (fail closed on doubt).
  if (scripts.some((program) => /(^|[;{}\n!]|\/[gpIiMm0-9]*)\s*[eWw]/.test(program))) {
    return unreadable('sed can run shell code (e) and write files (w) from its script');
  }
  return readable();
}

function joinWords(words: ShellWord[]): ShellWord {
  return { text: words.map((w) => w.text).join(' '), dynamic: words.some((w) => w.dynamic) };
}

export type { ParsedOption };
