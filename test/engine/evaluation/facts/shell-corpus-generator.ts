/**
 * A seeded generator of shell lines for the bash differential test: lines built from a small
 * grammar (commands, wrappers, quoting, separators, redirections, compound commands,
 * substitutions) and mutations of the attack classes the engine must read as bash does
 * (control characters, globs, `$"…"`, wrapper option clusters, line continuations, comments).
 * The same seed always gives the same corpus. Braces are only ever generated balanced.
 */

/** mulberry32: a small, fast, seedable PRNG; the corpus only needs reproducibility. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Picker {
  constructor(private readonly random: () => number) {}
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const COMMANDS = ['ls', 'echo', 'cat', 'rm', 'grep', 'printf', 'true', 'uname', 'sort', 'uniq', 'head', 'date', 'id', 'stat', 'touch', 'cp', 'mv', 'wc', 'df', 'ps'];
const WORDS = ['-rf', '-l', '-la', '/d', '/tmp/../d', '/./d', 'x', 'a.txt', 'F', '-n', '5', '-o', '--output=F', '--recu', '-vS', 'rm -f F', '/d/**', 'y z', "it's", 'a"b', '$HOME', '~', '-', '--', '%s\\n', '=', 'k=v', '#x', 'a#b'];
const WRAPPERS = [
  'env', 'env -i', 'env -iu X', 'env -u X -i', 'env --unset=X', 'env -', 'timeout 5', 'timeout -vk 1 5', 'timeout -k1 -s KILL 5', 'nice', 'nice -n 5', 'nice -5',
  'ionice -c3', 'ionice -tc 3', '\\time -v', '\\time -vo /dev/null', 'stdbuf -oL', 'setsid -f', 'sudo', 'sudo -nu root', 'sudo -u root --', 'doas -u root',
  'nohup', 'command', 'builtin', 'chrt -r 10', 'unshare -m', 'setpriv --reuid=0', 'prlimit --nofile=10', 'xargs', 'watch -n 1', 'flock /tmp/l',
];
const SEPARATORS = [' ; ', ';', ' && ', '&&', ' || ', ' | ', '|', ' & ', '\n', ' |& '];
const REDIRECTS = ['> F', '>>F', '2>&1', '>& F', '>&F', '< F', '<<< x', '2> /dev/null', '&> F', '>| F', '3<> F', '1>&2', '<&0', '2>&-'];
const CONTROL = ['\r', '\v', '\f', '\x01', '\x1b', '\x00', '\x7f', '\b'];

/** Attack seeds: each class of the issue, written differently from the report's own lines. */
export const ATTACK_SEEDS = [
  "env -S'touch /tmp/canary'", "env -vS 'touch /tmp/canary'", 'env -iu HOME touch /tmp/canary', 'timeout -vk 2 9 touch /tmp/canary',
  'ionice -tc 2 touch /tmp/canary', '\\time -qo /dev/null touch /tmp/canary', 'true \r#; touch /tmp/canary', 'echo a \v#; touch /tmp/canary',
  "printf -v PROMPT_COMMAND 'touch /tmp/canary'", "printf -v PS1 '$(touch /tmp/canary)'", "PS0='$(touch /tmp/canary)'", 'alias ll="touch /tmp/canary"',
  'sort -o /tmp/canary /etc/hostname', 'sort --out=/tmp/canary x', 'uniq /etc/hostname /tmp/canary', '\\time -o /tmp/canary true', 'ss -D /tmp/canary',
  'echo x >& /tmp/canary', '/usr/bin/touc? /tmp/canary', '/usr/bin/tou[c]h /tmp/canary', '$"touch" /tmp/canary', 'coproc C { touch /tmp/canary; }',
  "trap 'touch /tmp/canary' EXIT", "script -qec 'touch /tmp/canary' /dev/null", 'rm -rf /var/../d', 'rm -rf //d', 'rm -fr /d/*', 'cd / && rm -rf d',
  'rm --recursiv -f /d', 'systemctl restart nginx status', 'date --se=2020-01-01', 'journalctl --vacuum-t=1s', 'hostname h2', 'ip netns exec n touch /tmp/canary',
  'ip -ba /tmp/cmds', 'sort --compress-prog=sh x', 'find /d -delet[e]', 'find /tmp -name x -exec touch /tmp/canary \\;', 'echo /tmp/canary | xargs touch',
  "python3 -c 'open(\"/tmp/canary\",\"w\")'", "su -c 'touch /tmp/canary'", "flock /tmp/l -c 'touch /tmp/canary'", 'ssh h touch /tmp/canary',
  'stty kill @', 'shopt -s expand_aliases', 'set -H', 'bind -x \'"a":touch /tmp/canary\'', 'r\\\nm -rf /d', "$'\\x72\\x6d' -rf /d", 'r"m" -r\'f\' /d',
];

function quoteWord(p: Picker, word: string): string {
  switch (p.int(8)) {
    case 0:
      return /^[A-Za-z0-9_./=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
    case 1:
      return `'${word.replace(/'/g, `'\\''`)}'`;
    case 2:
      return `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
    case 3:
      return `$'${word.replace(/[\\']/g, '\\$&')}'`;
    case 4:
      return word.replace(/[^A-Za-z0-9]/g, '\\$&');
    case 5: {
      if (word.length < 2) return `'${word}'`;
      const cut = 1 + p.int(word.length - 1);
      return `${quoteWord(p, word.slice(0, cut))}${quoteWord(p, word.slice(cut))}`;
    }
    case 6:
      return `$'${[...word].map((c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')}'`;
    default:
      return /^[A-Za-z0-9_./=-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
  }
}

function simpleCommand(p: Picker, depth: number): string {
  const parts: string[] = [];
  if (p.chance(0.1)) parts.push(p.pick(['A=1', 'X="a b"', "PS1='$ '", 'IFS=:']));
  if (p.chance(0.3)) parts.push(p.pick(WRAPPERS));
  parts.push(p.chance(0.15) ? quoteWord(p, p.pick(COMMANDS)) : p.pick(COMMANDS));
  const n = p.int(4);
  for (let i = 0; i < n; i++) {
    if (depth < 2 && p.chance(0.06)) parts.push(`"$(${simpleCommand(p, depth + 1)})"`);
    else if (depth < 2 && p.chance(0.04)) parts.push(`\`${p.pick(COMMANDS)} x\``);
    else parts.push(quoteWord(p, p.pick(WORDS)));
  }
  if (p.chance(0.25)) parts.push(p.pick(REDIRECTS));
  return parts.join(' ');
}

function list(p: Picker, depth: number): string {
  let out = statement(p, depth);
  const more = p.int(3);
  for (let i = 0; i < more; i++) out += p.pick(SEPARATORS) + statement(p, depth);
  return out;
}

function statement(p: Picker, depth: number): string {
  if (depth >= 2 || p.chance(0.65)) return simpleCommand(p, depth);
  switch (p.int(10)) {
    case 0:
      return `( ${list(p, depth + 1)} )`;
    case 1:
      return `{ ${list(p, depth + 1)}; }`;
    case 2:
      return `if ${simpleCommand(p, depth + 1)}; then ${list(p, depth + 1)}; fi`;
    case 3:
      return `for i in a b; do ${list(p, depth + 1)}; done`;
    case 4:
      return `while false; do ${list(p, depth + 1)}; done`;
    case 5:
      return `case x in x) ${list(p, depth + 1)};; esac`;
    case 6:
      return `! ${simpleCommand(p, depth + 1)}`;
    case 7:
      return `[[ -n ${quoteWord(p, p.pick(WORDS))} ]]`;
    case 8:
      return `g () { ${list(p, depth + 1)}; }`;
    default:
      return `cat <<'EOF'\n${p.pick(WORDS)}\nEOF`;
  }
}

/** A random edit that keeps braces balanced: bash and the engine must still agree. */
function mutate(p: Picker, line: string): string {
  const at = p.int(line.length + 1);
  switch (p.int(11)) {
    case 0:
      return line.slice(0, at) + p.pick(CONTROL) + line.slice(at);
    case 1:
      return line.replace(' ', p.pick(['\t', '  ', ' \\\n']));
    case 2:
      return line.slice(0, at) + p.pick(['#', ' #', '\\', '"', "'", '$', '`']) + line.slice(at);
    case 3:
      return line.slice(0, at) + p.pick(['*', '?', '[a]', '[!x]', '**']) + line.slice(at);
    case 4:
      return `$"${line.split(' ')[0]}" ${line.split(' ').slice(1).join(' ')}`;
    case 5:
      return `${p.pick(WRAPPERS)} ${line}`;
    case 6:
      return `${line}${p.pick(SEPARATORS)}${simpleCommand(p, 1)}`;
    case 7:
      return `${line} ${p.pick(REDIRECTS)}`;
    case 8:
      return line.replace(/ -([a-z])/, ' -$1$1');
    case 9:
      return line.slice(0, at) + p.pick([';', '&', '|', '\n', '&&']) + line.slice(at);
    default:
      return line.replace(/[a-z]/, (c) => `\\${c}`);
  }
}

/** `count` lines: about half from the grammar, half mutations of the attack seeds. */
export function generateShellCorpus(seed: number, count: number): string[] {
  const p = new Picker(seededRandom(seed));
  const lines: string[] = [...ATTACK_SEEDS];
  while (lines.length < count) {
    if (p.chance(0.5)) lines.push(list(p, 0));
    else {
      let line = p.pick(ATTACK_SEEDS);
      const edits = 1 + p.int(3);
      for (let i = 0; i < edits; i++) line = mutate(p, line);
      lines.push(line);
    }
  }
  return lines.slice(0, count);
}
