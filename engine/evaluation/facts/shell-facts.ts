import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';
import type { JsonObject } from '../../model/index.ts';
import { FactsNotInitializedError } from '../../sql/index.ts';
import { evaluateWord, type ShellWord } from './shell-words.ts';
import { commandBaseName, readCommand } from './shell-wrappers.ts';
import { controlCharacterProblem } from './shell-control-characters.ts';
import { describeShellState } from './shell-state.ts';

/**
 * Shell facts from tree-sitter-bash (WASM): every simple command that the line would run, with
 * its argv after quote removal, wherever it hides (pipelines, lists, subshells, `$(…)`,
 * backticks, process substitution, function bodies, and the strings given to `sh -c`, `eval`,
 * `su -c`, `env -S`, heredocs fed to a shell). Entries are documented in docs/policies.md.
 */
export interface ShellFactsResult {
  commands: JsonObject[];
  parseError?: string;
}

interface Redirect {
  op: string;
  target: string;
  dynamic: boolean;
  /** The file descriptor written before the operator (`2>`), when given. */
  fd?: number;
  /** Where the redirect starts in the text: a number ending there is its descriptor. */
  start: number;
}

interface Context {
  via: string[];
  redirects: Redirect[];
  stdin?: 'pipe' | 'heredoc' | 'herestring';
  /** What a heredoc or here-string feeds to the command. */
  stdinText?: ShellWord;
  pipeline?: number;
  depth: number;
  /** Words tree-sitter attaches to a redirect (`echo 2>&1 x`) that bash gives the command. */
  extraArgs?: ShellWord[];
}

/** Only line continuations between two words: bash joins the words. */
const LINE_CONTINUATIONS = /^(?:\\\n)+$/;

/** Beyond this many nested `sh -c` levels the line is refused rather than parsed further. */
const MAX_DEPTH = 16;

let parser: Parser | undefined;
let loading: Promise<void> | undefined;

export function initShellParser(): Promise<void> {
  loading ??= (async () => {
    await Parser.init();
    const require = createRequire(import.meta.url);
    const language = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
    const instance = new Parser();
    instance.setLanguage(language);
    parser = instance;
  })();
  return loading;
}

/**
 * Node kinds of tree-sitter-bash this collector reads. A kind not listed (a newer grammar,
 * a construct the grammar does not know) makes the line unreadable rather than skipped.
 */
const KNOWN_NODE_KINDS = new Set([
  'program', 'command', 'command_name', 'pipeline', 'list', 'subshell', 'compound_statement', 'if_statement', 'elif_clause',
  'else_clause', 'while_statement', 'for_statement', 'c_style_for_statement', 'case_statement', 'case_item', 'function_definition',
  'negated_command', 'test_command', 'declaration_command', 'unset_command', 'redirected_statement', 'variable_assignment',
  'variable_assignments', 'command_substitution', 'process_substitution', 'heredoc_body', 'heredoc_redirect', 'herestring_redirect',
  'file_redirect', 'do_group', 'comment', 'word', 'string', 'raw_string', 'ansi_c_string', 'translated_string', 'concatenation',
  'simple_expansion', 'expansion', 'arithmetic_expansion', 'brace_expression', 'number', 'binary_expression', 'unary_expression',
  'ternary_expression', 'parenthesized_expression', 'postfix_expression', 'test_operator', 'regex', 'extglob_pattern',
  'special_variable_name', 'variable_name', 'subscript', 'string_content', 'heredoc_start', 'heredoc_end', 'heredoc_content',
  'array', 'file_descriptor',
]);

/** Unquoted characters that make bash expand a command word as a pathname pattern. */
const GLOB_CHARACTERS = /[*?[]/;

export function extractShellFacts(text: string): ShellFactsResult {
  if (!parser) throw new FactsNotInitializedError('shell');
  const control = controlCharacterProblem(text);
  if (control) return { commands: [], parseError: control };
  const collector = new ShellCommandCollector(parser);
  collector.collectScript(text, { via: [], redirects: [], depth: 0 });
  if (collector.lineReasons.length > 0) {
    // Something on the line cannot be read with certainty: every command is unreadable, and
    // the line is reported as one more command so that a line with no other is not empty.
    for (const command of collector.commands) markUnreadable(command, collector.lineReasons);
    collector.commands.push({ argv: [text], name: '', dynamic: true, unreadable: true, reasons: [...collector.lineReasons], options: [], operands: [] });
  }
  const result: ShellFactsResult = { commands: collector.commands };
  if (collector.errors.length > 0) {
    result.commands = [];
    result.parseError = collector.errors[0]!;
  }
  return result;
}

function markUnreadable(command: JsonObject, reasons: string[]): void {
  command.dynamic = true;
  command.unreadable = true;
  const own = Array.isArray(command.reasons) ? (command.reasons as string[]) : [];
  command.reasons = [...own, ...reasons.filter((r) => !own.includes(r))];
}

class ShellCommandCollector {
  readonly commands: JsonObject[] = [];
  readonly errors: string[] = [];
  /** Why the line as a whole cannot be read (an unknown node kind, `coproc`). */
  readonly lineReasons: string[] = [];
  private pipelines = 0;

  constructor(private readonly parser: Parser) {}

  collectScript(text: string, ctx: Context): void {
    if (ctx.depth > MAX_DEPTH) {
      this.errors.push(`shell code nested more than ${MAX_DEPTH} levels deep`);
      return;
    }
    const tree = this.parser.parse(text);
    if (!tree) {
      this.errors.push('shell parser returned no tree');
      return;
    }
    try {
      if (tree.rootNode.hasError) {
        const where = ctx.via.length > 0 ? ` (inside ${ctx.via[ctx.via.length - 1]})` : '';
        this.errors.push(describeSyntaxError(tree.rootNode) + where);
        return;
      }
      const misread = findMisreading(tree.rootNode, text);
      if (misread) {
        const where = ctx.via.length > 0 ? ` (inside ${ctx.via[ctx.via.length - 1]})` : '';
        this.errors.push(misread + where);
        return;
      }
      this.traverse(tree.rootNode, ctx);
    } finally {
      tree.delete();
    }
  }

  private traverse(node: Node, ctx: Context): void {
    if (!KNOWN_NODE_KINDS.has(node.type)) {
      this.lineReason(`the shell construct '${node.type}' is not read by the engine`);
      return;
    }
    switch (node.type) {
      case 'compound_statement':
      case 'c_style_for_statement':
        if (node.type === 'c_style_for_statement' || node.firstChild?.type === '((') this.arithmetic(node, ctx);
        return this.traverseChildren(node, ctx);
      case 'command':
        return this.command(node, ctx);
      case 'declaration_command':
      case 'unset_command': {
        const argv = node.children
          .filter((c): c is Node => c !== null && c.type !== 'comment')
          .map((c) => (c.isNamed ? evaluateWord(c) : { text: c.text, dynamic: false }));
        this.emit(argv, ctx, false, []);
        return this.traverseChildren(node, ctx);
      }
      case 'pipeline': {
        const id = this.pipelines++;
        let stage = 0;
        for (const child of node.namedChildren) {
          if (!child) continue;
          const stageCtx: Context = { ...ctx, pipeline: id };
          if (stage > 0) {
            stageCtx.stdin = 'pipe';
            delete stageCtx.stdinText;
          }
          this.traverse(child, stageCtx);
          stage++;
        }
        return;
      }
      case 'redirected_statement':
        return this.redirected(node, ctx);
      case 'command_substitution':
      case 'process_substitution': {
        const inner: Context = { via: ctx.via, redirects: [], depth: ctx.depth };
        return this.traverseChildren(node, inner);
      }
      case 'variable_assignment':
      case 'variable_assignments': {
        // A statement of assignments only (`PS1='…'`); inside a command they are its prefix.
        const parent = node.parent?.type;
        if (parent !== 'command' && parent !== 'declaration_command' && parent !== 'variable_assignments') {
          const parts = node.type === 'variable_assignment' ? [node] : node.namedChildren.filter((c): c is Node => c?.type === 'variable_assignment');
          const words = parts.map((p) => evaluateWord(p));
          this.emit([], ctx, words.some((w) => w.dynamic), words.map((w) => w.text));
        }
        return this.traverseChildren(node, ctx);
      }
      case 'function_definition': {
        // Defining a function changes what a later line's command word runs.
        const fname = node.childForFieldName('name');
        const defined = fname ? evaluateWord(fname) : { text: '', dynamic: true };
        this.emitFacts(
          { argv: [`${defined.text}()`], name: '', dynamic: defined.dynamic, options: [], operands: [], setsShellState: true, defines: defined.text },
          ctx,
        );
        return this.traverseChildren(node, ctx);
      }
      case 'heredoc_body':
      case 'comment':
        return;
      default:
        return this.traverseChildren(node, ctx);
    }
  }

  private lineReason(reason: string): void {
    if (!this.lineReasons.includes(reason)) this.lineReasons.push(reason);
  }

  /**
   * `(( … ))` and `for ((…))` evaluate arithmetic; bash evaluates the value of every variable
   * named there as arithmetic in turn, and `a[$(cmd)]` in such a value runs `cmd`.
   */
  private arithmetic(node: Node, ctx: Context): void {
    const names = node.descendantsOfType(['variable_name', 'simple_expansion', 'expansion', 'subscript']);
    if (names.length === 0) return;
    this.emitFacts(
      { argv: ['((', node.text, '))'], name: '((', dynamic: true, options: [], operands: [node.text], reasons: ['arithmetic evaluates the values of its variables as code'] },
      ctx,
    );
  }

  private traverseChildren(node: Node, ctx: Context): void {
    for (const child of node.namedChildren) if (child) this.traverse(child, ctx);
  }

  private redirected(node: Node, ctx: Context): void {
    const next: Context = { ...ctx, redirects: [...ctx.redirects] };
    const body = node.childForFieldName('body');
    const extra: ShellWord[] = [];
    let pendingFd: Node | undefined;
    for (const redirect of node.childrenForFieldName('redirect')) {
      if (!redirect) continue;
      const words = this.addRedirect(redirect, next);
      if (pendingFd && pendingFd.endIndex === redirect.startIndex) next.redirects[next.redirects.length - 1]!.fd = Number(pendingFd.text);
      else if (pendingFd) extra.push(evaluateWord(pendingFd));
      pendingFd = undefined;
      words.forEach((word, k) => {
        // `2> /dev/null 0<&0`: tree-sitter hangs the `0` on the first redirect; it is the second's descriptor.
        if (k === words.length - 1 && word.type === 'number') pendingFd = word;
        else extra.push(evaluateWord(word));
      });
    }
    if (pendingFd) extra.push(evaluateWord(pendingFd));
    if (extra.length > 0) next.extraArgs = [...(ctx.extraArgs ?? []), ...extra];
    if (body) this.traverse(body, next);
    // Substitutions inside redirect targets (`> $(mktemp)`) run too. tree-sitter puts what
    // follows a heredoc start (`cat <<EOF | sh`) inside the heredoc redirect: a pipeline there
    // reads the body command's output, so its stages get a pipe as standard input.
    for (const redirect of node.childrenForFieldName('redirect')) {
      if (!redirect) continue;
      for (const child of redirect.namedChildren) {
        if (child) this.traverse(child, child.type === 'pipeline' ? { via: ctx.via, redirects: [], depth: ctx.depth, stdin: 'pipe' } : { ...ctx, redirects: [] });
      }
    }
  }

  /** Adds the redirect to `ctx`; returns words after its target that belong to the command. */
  private addRedirect(node: Node, ctx: Context): Node[] {
    if (node.type === 'heredoc_redirect') {
      const bodyNode = node.namedChildren.find((c) => c?.type === 'heredoc_body');
      const text = bodyNode?.text ?? '';
      const dynamic = (bodyNode?.namedChildren.length ?? 0) > 0;
      ctx.stdin = 'heredoc';
      ctx.stdinText = { text, dynamic };
      ctx.redirects.push({ op: '<<', target: text, dynamic, start: node.startIndex });
      return [];
    }
    if (node.type === 'herestring_redirect') {
      const value = node.namedChildren.find((c) => c !== null);
      const word = value ? evaluateWord(value) : { text: '', dynamic: false };
      ctx.stdin = 'herestring';
      ctx.stdinText = word;
      ctx.redirects.push({ op: '<<<', target: word.text, dynamic: word.dynamic, start: node.startIndex });
      return [];
    }
    const destination = node.childForFieldName('destination');
    const op = node.children.find((c) => c !== null && !c.isNamed)?.text ?? '>';
    const target = destination ? evaluateWord(destination) : { text: '', dynamic: false };
    const fdNode = node.childForFieldName('descriptor') ?? node.namedChildren.find((c) => c?.type === 'file_descriptor');
    const redirect: Redirect = { op, target: target.text, dynamic: target.dynamic, start: node.startIndex };
    if (fdNode) redirect.fd = Number(fdNode.text);
    ctx.redirects.push(redirect);
    return node.childrenForFieldName('destination').slice(1).filter((c): c is Node => c !== null);
  }

  private command(node: Node, ctx: Context): void {
    const argv: ShellWord[] = [];
    const assignments: string[] = [];
    const local: Context = { ...ctx, redirects: [...ctx.redirects] };
    delete local.extraArgs;
    let previousWordEnd = -1;
    let previousNumber = undefined as Node | undefined;
    /** Arguments with unquoted pattern characters: bash replaces them with file names. */
    const globs: string[] = [];
    for (let i = 0; i < node.childCount; i++) {
      const child = node.child(i);
      if (!child) continue;
      const wasNumber = previousNumber;
      previousNumber = undefined;
      const field = node.fieldNameForChild(i);
      if (child.type === 'variable_assignment') assignments.push(evaluateWord(child).text);
      else if (field === 'redirect') {
        // `cmd 2<file`: a number right before a redirect is its descriptor, not an argument.
        const descriptor = wasNumber && wasNumber.endIndex === child.startIndex ? wasNumber : undefined;
        if (descriptor) argv.pop();
        const extra = this.addRedirect(child, local);
        if (descriptor) local.redirects[local.redirects.length - 1]!.fd = Number(descriptor.text);
        for (const word of extra) argv.push(evaluateWord(word));
        if (extra.length > 0 && extra[extra.length - 1]!.type === 'number') previousNumber = extra[extra.length - 1];
        continue;
      } else if (field === 'argument' && child.type === 'number' && ctx.redirects.some((r) => r.start === child.endIndex)) {
        // tree-sitter gives `0` in `cat 0<F` to the command; bash reads it as the descriptor.
        const redirect = local.redirects.find((r) => r.start === child.endIndex)!;
        redirect.fd = Number(child.text);
        previousWordEnd = -1;
        continue;
      } else if (field === 'name' || field === 'argument') {
        const word = evaluateWord(child);
        if (field === 'argument' && GLOB_CHARACTERS.test(unquotedText(child))) globs.push(word.text);
        // tree-sitter treats backslash-newline as a word break, bash removes it before splitting:
        // `r\<newline>m -rf /` runs `rm`, so the two halves are one word.
        const between = node.text.slice(previousWordEnd - node.startIndex, child.startIndex - node.startIndex);
        const last = argv[argv.length - 1];
        if (last && previousWordEnd >= 0 && LINE_CONTINUATIONS.test(between)) {
          argv[argv.length - 1] = { text: last.text + word.text, dynamic: last.dynamic || word.dynamic };
        } else argv.push(word);
        previousWordEnd = child.endIndex;
        if (child.type === 'number') previousNumber = child;
        continue;
      }
      previousWordEnd = -1;
    }
    if (ctx.extraArgs) argv.push(...ctx.extraArgs);
    const dynamicAssignment = node.namedChildren.some((c) => c?.type === 'variable_assignment' && evaluateWord(c).dynamic);
    const reasons: string[] = [];
    if (node.descendantsOfType('translated_string').length > 0) reasons.push('$"…" is translated at run time');
    const name = node.childForFieldName('name');
    if (name && GLOB_CHARACTERS.test(unquotedText(name))) reasons.push(`the command word '${name.text}' is a pathname pattern`);
    if (argv[0]?.text === 'coproc') this.lineReason('coproc is not read by the engine');
    this.emit(argv, local, dynamicAssignment, assignments, reasons, globs);
    this.traverseChildren(node, { ...ctx, redirects: [] });
  }

  private emitFacts(facts: JsonObject, ctx: Context): void {
    if (ctx.via.length > 0) facts.via = [...ctx.via];
    if (ctx.redirects.length > 0) facts.redirects = ctx.redirects.map((r): JsonObject => {
        const out: JsonObject = { op: r.op, target: r.target };
        if (r.fd !== undefined) out.fd = r.fd;
        return out;
      });
    if (ctx.stdin !== undefined) facts.stdin = ctx.stdin;
    if (ctx.pipeline !== undefined) facts.pipeline = ctx.pipeline;
    this.commands.push(facts);
  }

  private emit(argv: ShellWord[], ctx: Context, forceDynamic: boolean, assignments: string[], reasons: string[] = [], globs: string[] = []): void {
    if (argv.length === 0) {
      // A line of assignments only (`PS1='…'`) changes the shell for every later line.
      if (assignments.length === 0) return;
      const state = describeShellState([], assignments);
      const facts: JsonObject = { argv: [], name: '', dynamic: forceDynamic, options: [], operands: [], assignments, setsShellState: true };
      if (state.sets.length > 0) facts.sets = state.sets;
      if (forceDynamic) facts.reasons = ['an assigned value is only known at run time'];
      this.emitFacts(facts, ctx);
      return;
    }
    const reading = readCommand(argv, ctx.stdin !== undefined);
    const inner = reading.inner;
    const why = [...reasons, ...reading.unreadable];
    let dynamic = forceDynamic || argv.some((w) => w.dynamic) || ctx.redirects.some((r) => r.dynamic) || why.length > 0;
    if (inner?.type === 'script' && inner.script.dynamic) dynamic = true;
    const stdinCode = inner?.type === 'stdin' ? ctx.stdinText : undefined;
    if (inner?.type === 'stdin' && (!stdinCode || stdinCode.dynamic)) {
      dynamic = true;
      why.push(`${inner.via} reads code from its input, which is only known at run time`);
    }
    if (dynamic && why.length === 0) why.push('a word is only known at run time');

    const texts = argv.map((w) => w.text);
    // A wrapper's own options end where the command it runs begins.
    const innerStart = inner?.type === 'argv' && inner.argv.length <= argv.length && inner.argv[0] === argv[argv.length - inner.argv.length] ? argv.length - inner.argv.length : argv.length;
    const { options, operands } = splitOptions(texts.slice(0, innerStart));
    const facts: JsonObject = { argv: texts, name: commandBaseName(argv[0]!.text), dynamic, options, operands };
    if (why.length > 0) facts.reasons = why;
    if (reading.unreadable.length > 0 || reasons.length > 0) facts.unreadable = true;
    if (assignments.length > 0) facts.assignments = assignments;
    const ownGlobs = globs.filter((g) => texts.slice(1, innerStart).includes(g));
    if (ownGlobs.length > 0) facts.globs = ownGlobs;
    const state = describeShellState(texts, assignments);
    if (state.changes) facts.setsShellState = true;
    if (state.sets.length > 0) facts.sets = state.sets;
    if (state.readsInput) facts.readsInput = true;
    if (reading.interactive && ctx.stdin === undefined) facts.interactive = true;
    this.emitFacts(facts, ctx);

    if (!inner) return;
    const via = [...ctx.via, inner.via];
    if (inner.type === 'argv') {
      this.emit(inner.argv, { ...ctx, via }, inner.dynamic, [], [], globs);
    } else if (inner.type === 'script') {
      if (!inner.script.dynamic) this.collectScript(inner.script.text, { via, redirects: ctx.redirects, depth: ctx.depth + 1 });
    } else if (stdinCode && !stdinCode.dynamic) {
      this.collectScript(stdinCode.text, { via, redirects: [], depth: ctx.depth + 1 });
    }
  }
}

/**
 * Options and operands as a `getopt` would split them without knowing the command: every word
 * that starts with `-` before `--` is an option word (GNU getopt permutes, so options may follow
 * operands), the rest are operands. The policy matches option words against allow-lists.
 */
function splitOptions(argv: readonly string[]): { options: string[]; operands: string[] } {
  const options: string[] = [];
  const operands: string[] = [];
  let ended = false;
  for (const word of argv.slice(1)) {
    if (!ended && word === '--') ended = true;
    else if (!ended && word.length > 1 && word.startsWith('-')) options.push(word);
    else operands.push(word);
  }
  return { options, operands };
}

/** The unquoted parts of a word's source text: where globbing applies. */
function unquotedText(node: Node): string {
  if (node.type === 'word') return node.text.replace(/\\[\s\S]/g, '');
  if (node.type === 'concatenation' || node.type === 'command_name') return node.children.map((c) => (c ? unquotedText(c) : '')).join('');
  return '';
}

/**
 * Places where tree-sitter's tree is not bash's reading, found by the differential test:
 * source text no node covers (`df - 2>&1` loses the `-`), `!` inside a pipeline (bash rejects
 * it), and a here-document whose delimiter line holds more than the delimiter (bash reads on
 * to the end of the input). Any of them refuses the line.
 */
function findMisreading(root: Node, text: string): string | undefined {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'negated_command' && node.parent?.type === 'pipeline' && node.parent.firstChild?.startIndex !== node.startIndex) {
      return `'!' inside a pipeline at offset ${node.startIndex} (bash rejects it)`;
    }
    if (node.type === ';;' && node.parent?.type !== 'case_item' && node.parent?.type !== 'case_statement') return `';;' outside a case at offset ${node.startIndex} (bash rejects it)`;
    if (node.type === 'ansi_c_string' && ansiCEnd(node.text) !== node.text.length - 1) return `the $'…' string at offset ${node.startIndex} ends elsewhere for bash`;
    if (node.type === 'word' && /(^|[^\\])\n/.test(node.text)) return `a line break inside the word ${JSON.stringify(node.text)} at offset ${node.startIndex}`;
    if (node.type === 'command') {
      const name = node.childForFieldName('name');
      if (name && ['{', '}', '!', 'then', 'fi', 'do', 'done', 'esac', 'elif', 'else', 'in'].includes(name.text)) {
        return `the reserved word '${name.text}' at offset ${name.startIndex} is read as a command`;
      }
      if (name?.text === 'time' && node.namedChildren.length === 1 && node.parent?.type === 'pipeline') return `'time' with no command before '|' (bash rejects it)`;
    }
    if (node.type === 'heredoc_end') {
      const lineStart = text.lastIndexOf('\n', node.startIndex - 1) + 1;
      const lineEnd = text.indexOf('\n', node.endIndex);
      const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
      if (line !== node.text && line.replace(/^\t+/, '') !== node.text) {
        return `the here-document delimiter line ${JSON.stringify(line)} holds more than ${JSON.stringify(node.text)} (bash reads on to the end of the input)`;
      }
    }
    let at = node.startIndex;
    const children = node.children.filter((c): c is Node => c !== null);
    if (children.length > 0 && !['string', 'heredoc_body', 'translated_string', 'raw_string', 'ansi_c_string', 'comment', 'heredoc_content', 'regex', 'extglob_pattern'].includes(node.type)) {
      // Inside one command a bare line break ends it in bash; tree-sitter sometimes reads on.
      const blank = ['command', 'declaration_command', 'unset_command', 'concatenation', 'file_redirect', 'variable_assignment'].includes(node.type) ? /^(?:[ \t]|\\\n)*$/ : /^(?:[ \t\n]|\\\n)*$/;
      for (const child of children) {
        const gap = text.slice(at, child.startIndex);
        if (!blank.test(gap)) return `the shell parser skipped ${JSON.stringify(gap)} at offset ${at}`;
        at = Math.max(at, child.endIndex);
      }
      const tail = text.slice(at, node.endIndex);
      if (!blank.test(tail)) return `the shell parser skipped ${JSON.stringify(tail.trim())} at offset ${at}`;
    }
    for (const child of children) stack.push(child);
  }
  return undefined;
}

/** Where bash ends a `$'…'` string: a backslash quotes the next character, `'` ends it. */
function ansiCEnd(text: string): number {
  let i = 2;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === "'") return i;
    else i++;
  }
  return -1;
}

function describeSyntaxError(root: Node): string {
  const bad = findError(root);
  if (!bad) return 'shell syntax error';
  const { row, column } = bad.startPosition;
  const where = `line ${row + 1} column ${column + 1}`;
  if (bad.isMissing) return `shell syntax error: missing ${JSON.stringify(bad.type)} at ${where}`;
  const near = bad.text.length > 40 ? `${bad.text.slice(0, 40)}…` : bad.text;
  return `shell syntax error at ${where} near ${JSON.stringify(near)}`;
}

function findError(node: Node): Node | undefined {
  if (node.isError || node.isMissing) return node;
  for (const child of node.children) {
    if (child && (child.hasError || child.isMissing)) {
      const found = findError(child);
      if (found) return found;
    }
  }
  return undefined;
}
