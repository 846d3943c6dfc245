import { shortOptions, type OptionSpec } from './shell-getopt.ts';

/**
 * The option tables of the commands that run another command, taken from their manuals
 * (coreutils, util-linux, sudo, doas, GNU time). A wrapper option missing here is not a guess:
 * the engine stops reading and marks the rest of the line unreadable.
 */
export interface WrapperSpec extends OptionSpec {
  /** Operands before the wrapped command (`timeout DURATION cmd`, `chroot DIR cmd`). */
  leading?: number;
  /** Options after which no command follows (`ionice -p PID`, `command -v`). */
  noCommand?: readonly string[];
  /** `env` and `sudo` accept NAME=VALUE words before the command. */
  assignments?: boolean;
}

const none = (...names: string[]): Record<string, 'none'> => Object.fromEntries(names.map((n) => [n, 'none' as const]));
const required = (...names: string[]): Record<string, 'required'> => Object.fromEntries(names.map((n) => [n, 'required' as const]));
const optional = (...names: string[]): Record<string, 'optional'> => Object.fromEntries(names.map((n) => [n, 'optional' as const]));

const HELP = none('help', 'version');

export const WRAPPER_SPECS: Readonly<Record<string, WrapperSpec>> = {
  env: {
    short: shortOptions('i0v', 'uCS', 'P'),
    long: {
      ...HELP,
      ...none('ignore-environment', 'null', 'debug', 'list-signal-handling'),
      ...required('unset', 'chdir', 'split-string'),
      ...optional('default-signal', 'ignore-signal', 'block-signal'),
    },
    // `env -` is `env -i`.
    extra: /^-$/,
    assignments: true,
  },
  timeout: {
    short: shortOptions('fpv', 'ks'),
    long: { ...HELP, ...none('foreground', 'preserve-status', 'verbose'), ...required('kill-after', 'signal') },
    leading: 1,
  },
  nice: {
    short: shortOptions('', 'n'),
    long: { ...HELP, ...required('adjustment') },
    extra: /^--?[0-9]+$/,
  },
  ionice: {
    short: shortOptions('t', 'cnpPu'),
    long: { ...HELP, ...none('ignore'), ...required('class', 'classdata', 'pid', 'pgid', 'uid') },
    noCommand: ['-p', '--pid', '-P', '--pgid', '-u', '--uid'],
  },
  time: {
    short: shortOptions('apqvV', 'fo'),
    long: { ...HELP, ...none('append', 'portability', 'quiet', 'verbose'), ...required('format', 'output') },
  },
  stdbuf: {
    short: shortOptions('', 'ioe'),
    long: { ...HELP, ...required('input', 'output', 'error') },
  },
  setsid: {
    short: shortOptions('cfw'),
    long: { ...HELP, ...none('ctty', 'fork', 'wait') },
  },
  nohup: { short: {}, long: HELP },
  // `coproc cmd …` (a simple command); the compound form is refused by the collector.
  coproc: { short: {}, long: {} },
  chrt: {
    short: shortOptions('abdfiomprRv', 'TPD'),
    long: {
      ...HELP,
      ...none('all-tasks', 'batch', 'deadline', 'fifo', 'idle', 'other', 'max', 'pid', 'rr', 'reset-on-fork', 'verbose', 'ext'),
      ...required('sched-runtime', 'sched-period', 'sched-deadline'),
    },
    leading: 1,
    noCommand: ['-p', '--pid', '-m', '--max'],
  },
  unshare: {
    short: shortOptions('fcr', 'SGRw', 'muinpUCT'),
    long: {
      ...HELP,
      ...optional('mount', 'uts', 'ipc', 'net', 'pid', 'user', 'cgroup', 'time', 'mount-proc', 'kill-child', 'map-users', 'map-groups'),
      ...none('fork', 'map-root-user', 'map-current-user', 'map-auto', 'keep-caps'),
      ...required('propagation', 'setgroups', 'setuid', 'setgid', 'root', 'wd', 'monotonic', 'boottime', 'map-user', 'map-group', 'load-interp'),
    },
  },
  setpriv: {
    short: shortOptions('d'),
    long: {
      ...HELP,
      ...none('dump', 'nnp', 'no-new-privs', 'clear-groups', 'keep-groups', 'init-groups', 'reset-env'),
      ...required('ruid', 'euid', 'rgid', 'egid', 'reuid', 'regid', 'groups', 'inh-caps', 'ambient-caps', 'bounding-set', 'securebits', 'pdeathsig', 'selinux-label', 'apparmor-profile', 'landlock-access', 'landlock-rule', 'ptracer'),
    },
    noCommand: ['-d', '--dump'],
  },
  prlimit: {
    short: shortOptions('hV', 'po', 'cdefilmnqrstuvxy'),
    long: {
      ...HELP,
      ...none('noheadings', 'raw', 'verbose'),
      ...required('pid', 'output'),
      ...optional('as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'),
    },
    noCommand: ['-p', '--pid'],
  },
  sudo: {
    short: shortOptions('AbBEeHiKklnNPSsVv', 'CDghpRrTtUu'),
    long: {
      ...HELP,
      ...none('askpass', 'background', 'bell', 'edit', 'set-home', 'login', 'remove-timestamp', 'reset-timestamp', 'list', 'non-interactive', 'preserve-groups', 'stdin', 'shell', 'validate'),
      ...optional('preserve-env'),
      ...required('close-from', 'chdir', 'group', 'host', 'prompt', 'chroot', 'role', 'type', 'command-timeout', 'other-user', 'user'),
    },
    noCommand: ['-e', '--edit', '-K', '--remove-timestamp', '-k', '--reset-timestamp', '-l', '--list', '-v', '--validate', '-V', '--version', '-h', '--help'],
    assignments: true,
  },
  doas: {
    short: shortOptions('nsL', 'uaC'),
    long: {},
    noCommand: ['-C', '-L'],
  },
  command: {
    short: shortOptions('pvV'),
    long: {},
    noCommand: ['-v', '-V'],
  },
  builtin: { short: {}, long: {} },
  exec: {
    short: shortOptions('cl', 'a'),
    long: {},
  },
  chroot: {
    short: {},
    long: { ...HELP, ...none('skip-chdir'), ...required('userspec', 'groups') },
    leading: 1,
  },
  taskset: {
    short: shortOptions('apc'),
    long: { ...HELP, ...none('all-tasks', 'pid', 'cpu-list') },
    leading: 1,
    noCommand: ['-p', '--pid'],
  },
  nsenter: {
    short: shortOptions('aFZ', 'tSGrw', 'muinpUCT'),
    long: {
      ...HELP,
      ...none('all', 'no-fork', 'preserve-credentials', 'follow-context'),
      ...required('target', 'setuid', 'setgid', 'root', 'wd', 'env'),
      ...optional('mount', 'uts', 'ipc', 'net', 'pid', 'user', 'cgroup', 'time'),
    },
  },
  unbuffer: { short: shortOptions('p'), long: {} },
};
