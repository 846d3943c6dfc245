import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { extractShellFacts, initShellParser } from '../../../../engine/evaluation/facts/shell-facts.ts';
import { generateShellCorpus } from './shell-corpus-generator.ts';

/**
 * Bash is the oracle. Each generated line is wrapped in a function body and given to
 * `bash --pretty-print`, which parses without executing anything and prints bash's own
 * normalised reading: one simple command per line, words separated by single blanks, comments
 * dropped, separators made explicit. The engine's reading of the original line must equal its
 * reading of bash's normalisation, command for command and word for word, unless the engine
 * marked the line as something it cannot read (dynamic, unreadable, or refused). A line bash
 * rejects as a syntax error must be refused or flagged by the engine too.
 *
 * Bash runs with an empty environment, as `nobody` when the test runs as root.
 */
const SEED = Number(process.env.GATEHOUSE_SHELL_SEED ?? 20261125);
const LINES = 10_000;
const BATCH = 2_000;

interface BashReading {
  /** bash's normalised function body, or undefined for a syntax error. */
  body?: string;
  error?: string;
  /** The line ends in a way that joins it to the wrapper (a trailing backslash): not compared. */
  inconclusive?: boolean;
}

function bashCommand(): { file: string; args: string[] } {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return asRoot
    ? { file: 'setpriv', args: ['--reuid=65534', '--regid=65534', '--clear-groups', 'bash', '--pretty-print'] }
    : { file: 'bash', args: ['--pretty-print'] };
}

/** A last command in every wrapper: bash prints it last unless the line ran into the wrapper. */
const sentinel = (i: number): string => `: gatehouse_end_${i}`;

/**
 * Reads lines [from, to) in one bash process. Bash stops at the first syntax error: the first
 * function not printed is that line. A line that swallows the wrappers after it (an unclosed
 * quote) leaves those unprinted: the caller reads them again in a new batch.
 */
function bashBatch(lines: readonly string[], from: number, to: number, out: Map<number, BashReading>): number {
  const source = lines.slice(from, to).map((line, k) => `f_${from + k} () {\n${line}\n${sentinel(from + k)}\n}\n`).join('');
  const { file, args } = bashCommand();
  // The source is a file, not stdin: bash stops reading at the first syntax error, and a writer
  // still feeding its stdin would then fail with EPIPE. Readable by the unprivileged user bash runs as.
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bash-oracle-'));
  const script = join(dir, 'lines.sh');
  writeFileSync(script, source);
  chmodSync(dir, 0o755);
  chmodSync(script, 0o644);
  const run = spawnSync(file, [...args, script], { env: {}, cwd: '/', maxBuffer: 256 * 1024 * 1024 });
  rmSync(dir, { recursive: true, force: true });
  if (run.error) throw new Error(`bash --pretty-print could not run: ${run.error.message}`);
  const stdout = run.stdout.toString('utf8');
  const printed = new Map<number, string>();
  const header = /^f_(\d+) \(\) $/gm;
  const starts: Array<{ index: number; at: number; bodyAt: number }> = [];
  for (let m = header.exec(stdout); m; m = header.exec(stdout)) starts.push({ index: Number(m[1]), at: m.index, bodyAt: m.index + m[0].length + 1 });
  starts.forEach((s, k) => {
    const end = k + 1 < starts.length ? starts[k + 1]!.at : stdout.length;
    printed.set(s.index, stdout.slice(s.bodyAt, end));
  });
  let next = from;
  while (next < to && printed.has(next)) {
    out.set(next, readBody(printed.get(next)!, next));
    next++;
  }
  if (next < to && next === from) {
    if (run.status === 0) throw new Error(`bash printed no function f_${next} and reported no error`);
    out.set(next, { error: run.stderr.toString('utf8').trim().split('\n')[0] });
    next++;
  }
  return next;
}

/** `{ \n    body\n    : gatehouse_end_N\n}\n` → the body, dedented by bash's four blanks. */
function readBody(text: string, i: number): BashReading {
  const lines = text.replace(/\n+$/, '').split('\n');
  if (lines[0]?.trim() !== '{' || lines[lines.length - 1] !== '}') return { error: 'the line ran past the end of its wrapper (an unclosed quote or construct)' };
  const body = lines.slice(1, -1).map((l) => l.replace(/^ {4}/, ''));
  const last = body.pop();
  if (last === sentinel(i)) return { body: body.join('\n') };
  if (last?.endsWith(sentinel(i))) return { inconclusive: true };
  return { error: 'the line ran past the end of its wrapper (an unclosed quote or construct)' };
}

function readAll(lines: readonly string[]): Map<number, BashReading> {
  const out = new Map<number, BashReading>();
  let from = 0;
  while (from < lines.length) from = bashBatch(lines, from, Math.min(lines.length, from + BATCH), out);
  return out;
}

type Reading = { refused: true } | { refused: false; flagged: boolean; commands: string[][] };

function engineReading(text: string): Reading {
  const facts = extractShellFacts(text);
  if (facts.parseError !== undefined) return { refused: true };
  return { refused: false, flagged: facts.commands.some((c) => c.dynamic === true || c.unreadable === true), commands: facts.commands.map((c) => c.argv as string[]) };
}

describe('the engine reads shell lines as bash does (bash is the oracle)', () => {
  let corpus: string[] = [];
  let bash = new Map<number, BashReading>();

  beforeAll(async () => {
    await initShellParser();
    corpus = generateShellCorpus(SEED, LINES);
    bash = readAll(corpus);
  }, 300_000);

  it(`generates a reproducible corpus of ${LINES} lines from seed ${SEED}`, () => {
    expect(corpus).toHaveLength(LINES);
    expect(generateShellCorpus(SEED, LINES)).toEqual(corpus);
    expect(new Set(corpus).size).toBeGreaterThan(LINES * 0.8);
  });

  it('bash read every line (or rejected it)', () => {
    expect(bash.size).toBe(LINES);
  });

  it('has no disagreement the engine did not flag', () => {
    const disagreements: string[] = [];
    let compared = 0;
    let flagged = 0;
    let inconclusive = 0;
    const unreadableForm: string[] = [];
    corpus.forEach((line, i) => {
      const mine = engineReading(line);
      const oracle = bash.get(i)!;
      if (mine.refused || mine.flagged) {
        flagged++;
        return;
      }
      if (oracle.inconclusive) {
        inconclusive++;
        return;
      }
      if (oracle.error !== undefined) {
        disagreements.push(`${JSON.stringify(line)}: bash rejects it (${oracle.error}) but the engine reads ${JSON.stringify(mine.commands)}`);
        return;
      }
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters the engine refuses to read.
      if (/[\x00-\x08\x0b-\x1f\x7f]/.test(oracle.body!)) {
        // bash prints a decoded `$'\a'` as the raw character, which the engine refuses to read.
        inconclusive++;
        return;
      }
      const normalised = engineReading(oracle.body!);
      compared++;
      if (normalised.refused) {
        // The engine refuses bash's spelling of the line (it fails closed on that text); the
        // original's reading cannot be checked against it. Counted, and bounded below.
        compared--;
        unreadableForm.push(line);
        return;
      }
      if (JSON.stringify(normalised.commands) !== JSON.stringify(mine.commands)) {
        disagreements.push(`${JSON.stringify(line)}: engine ${JSON.stringify(mine.commands)} but bash reads ${JSON.stringify(oracle.body)} as ${JSON.stringify(normalised.commands)}`);
      }
    });
    console.log(`shell differential (seed ${SEED}): ${compared} lines compared with bash, ${flagged} flagged or refused by the engine, ${inconclusive} joined to the wrapper, ${unreadableForm.length} whose bash form the engine refuses, ${disagreements.length} unflagged disagreements`);
    expect(disagreements.slice(0, 20)).toEqual([]);
    // Both kinds must be present, or the comparison would prove nothing.
    expect(compared).toBeGreaterThan(LINES / 5);
    expect(flagged).toBeGreaterThan(LINES / 10);
    expect(inconclusive).toBeLessThan(LINES / 100);
    expect(unreadableForm.length).toBeLessThan(LINES / 100);
  });

  it('the oracle sees the control-character class differently from a naive parser', () => {
    // Bash reads CR as part of a word: `true <CR>#; touch x` runs touch. The engine refuses it.
    const line = 'true \r#; touch /tmp/canary';
    const reading = readAll([line]).get(0)!;
    expect(reading.body).toContain('touch /tmp/canary');
    expect(engineReading(line)).toEqual({ refused: true });
  });
});
