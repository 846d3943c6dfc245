import { beforeAll, describe, expect, it } from 'vitest';
import { extractShellFacts, initShellParser } from '../../../../engine/evaluation/facts/shell-facts.ts';

beforeAll(async () => {
  await initShellParser();
});

/** What each line runs in the end, seen through its wrappers (the last command reported). */
const RUNS: Array<[line: string, argv: string[], via: string]> = [
  ['env -iu X rm -rf /d', ['rm', '-rf', '/d'], 'env'],
  ['env -u X -i rm -rf /d', ['rm', '-rf', '/d'], 'env'],
  ['env --unset=X rm -rf /d', ['rm', '-rf', '/d'], 'env'],
  ['env --uns X rm -rf /d', ['rm', '-rf', '/d'], 'env'],
  ['env - PATH=/bin rm -rf /d', ['rm', '-rf', '/d'], 'env'],
  ['env -C / rm -rf d', ['rm', '-rf', 'd'], 'env'],
  ['timeout -vk 1 5 rm -rf /d', ['rm', '-rf', '/d'], 'timeout'],
  ['timeout -k1 -s KILL 5 rm -rf /d', ['rm', '-rf', '/d'], 'timeout'],
  ['timeout --kill=1 5 rm -rf /d', ['rm', '-rf', '/d'], 'timeout'],
  ['ionice -tc 3 rm -rf /d', ['rm', '-rf', '/d'], 'ionice'],
  ['ionice -c3 -n7 rm -rf /d', ['rm', '-rf', '/d'], 'ionice'],
  ['\\time -vo /dev/null rm -rf /d', ['rm', '-rf', '/d'], 'time'],
  ['time -f %e -a -o /tmp/t rm -rf /d', ['rm', '-rf', '/d'], 'time'],
  ['nice -n 5 rm -rf /d', ['rm', '-rf', '/d'], 'nice'],
  ['nice -5 rm -rf /d', ['rm', '-rf', '/d'], 'nice'],
  ['nice --adj=5 rm -rf /d', ['rm', '-rf', '/d'], 'nice'],
  ['stdbuf -oL -e0 rm -rf /d', ['rm', '-rf', '/d'], 'stdbuf'],
  ['setsid -fw rm -rf /d', ['rm', '-rf', '/d'], 'setsid'],
  ['chrt -r 10 rm -rf /d', ['rm', '-rf', '/d'], 'chrt'],
  ['unshare -m rm -rf /d', ['rm', '-rf', '/d'], 'unshare'],
  ['unshare --mount=/x -f rm -rf /d', ['rm', '-rf', '/d'], 'unshare'],
  ['setpriv --reuid=0 --clear-groups rm -rf /d', ['rm', '-rf', '/d'], 'setpriv'],
  ['prlimit --nofile=10 rm -rf /d', ['rm', '-rf', '/d'], 'prlimit'],
  ['sudo -nu root rm -rf /d', ['rm', '-rf', '/d'], 'sudo'],
  ['sudo -uroot -- rm -rf /d', ['rm', '-rf', '/d'], 'sudo'],
  ['sudo --user=root HOME=/ rm -rf /d', ['rm', '-rf', '/d'], 'sudo'],
  ['doas -u root rm -rf /d', ['rm', '-rf', '/d'], 'doas'],
  ['nohup rm -rf /d', ['rm', '-rf', '/d'], 'nohup'],
  ['command -p rm -rf /d', ['rm', '-rf', '/d'], 'command'],
  ['exec -a x rm -rf /d', ['rm', '-rf', '/d'], 'exec'],
  ['chroot --userspec=0 / rm -rf /d', ['rm', '-rf', '/d'], 'chroot'],
  ['busybox rm -rf /d', ['rm', '-rf', '/d'], 'busybox'],
  ['sudo -s rm -rf /d', ['rm', '-rf', '/d'], 'sudo -s'],
];

describe('wrappers are read with their real option syntax', () => {
  for (const [line, argv, via] of RUNS) {
    it(`${line} runs ${argv.join(' ')}`, () => {
      const facts = extractShellFacts(line);
      expect(facts.parseError).toBeUndefined();
      const last = facts.commands[facts.commands.length - 1]!;
      expect(last.argv).toEqual(argv);
      expect(last.via).toContain(via);
    });
  }

  it('env -S is read as code and is unreadable', () => {
    for (const line of ["env -S'rm -f F'", "env -vS 'rm -f F'", "env --split-string='rm -f F'", "env --sp 'rm -f F'"]) {
      const facts = extractShellFacts(line);
      expect(facts.commands[0], line).toMatchObject({ name: 'env', dynamic: true, unreadable: true });
      expect(facts.commands.some((c) => c.name === 'rm' && (c.via as string[]).includes('env -S')), line).toBe(true);
    }
  });

  for (const line of ['env -Z rm -rf /d', 'timeout --frob 5 rm -rf /d', 'nice -q rm -rf /d', 'sudo --bogus rm -rf /d', 'ionice -Q rm', 'env --un-- rm', 'time -x rm -rf /d', 'env "$OPT" rm -rf /d']) {
    it(`an option the model does not know makes the rest unreadable: ${line}`, () => {
      const first = extractShellFacts(line).commands[0]!;
      expect(first).toMatchObject({ dynamic: true, unreadable: true });
      expect((first.reasons as string[]).join(' ')).toMatch(/unknown|ambiguous|run time/);
    });
  }

  it('a wrapper option that takes no command does not unwrap', () => {
    expect(extractShellFacts('ionice -p 42').commands).toHaveLength(1);
    expect(extractShellFacts('command -v rm').commands).toHaveLength(1);
  });

  it("a wrapper's own options and operands stop where the wrapped command starts", () => {
    const [timeout, df] = extractShellFacts('timeout -s KILL 5 df -h').commands;
    expect(timeout).toMatchObject({ options: ['-s'], operands: ['KILL', '5'] });
    expect(df).toMatchObject({ options: ['-h'], operands: [] });
  });
});
