import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';
import type { JsonObject } from '../model/json.ts';
import { FactsNotInitializedError } from './sql-facts.ts';
import { evaluateWord, type ShellWord } from './shell-words.ts';
import { commandBaseName, unwrapCommand } from './shell-wrappers.ts';

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
}

interface Context {
  via: string[];
  redirects: Redirect[];
  stdin?: 'pipe' | 'heredoc' | 'herestring';
  /** What a heredoc or here-string feeds to the command. */
  stdinText?: ShellWord;
  pipeline?: number;
  depth: number;
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

export function extractShellFacts(text: string): ShellFactsResult {
  if (!parser) throw new FactsNotInitializedError('shell');
  const collector = new ShellCommandCollector(parser);
  collector.collectScript(text, { via: [], redirects: [], depth: 0 });
  const result: ShellFactsResult = { commands: collector.commands };
  if (collector.errors.length > 0) {
    result.commands = [];
    result.parseError = collector.errors[0]!;
  }
  return result;
}

class ShellCommandCollector {
  readonly commands: JsonObject[] = [];
  readonly errors: string[] = [];
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
      this.traverse(tree.rootNode, ctx);
    } finally {
      tree.delete();
    }
  }

  private traverse(node: Node, ctx: Context): void {
    switch (node.type) {
      case 'command':
        return this.command(node, ctx);
      case 'declaration_command':
      case 'unset_command': {
        const argv = node.children.filter((c): c is Node => c !== null && c.type !== 'comment').map((c) => evaluateWord(c));
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
      case 'heredoc_body':
      case 'comment':
        return;
      default:
        return this.traverseChildren(node, ctx);
    }
  }

  private traverseChildren(node: Node, ctx: Context): void {
    for (const child of node.namedChildren) if (child) this.traverse(child, ctx);
  }

  private redirected(node: Node, ctx: Context): void {
    const next: Context = { ...ctx, redirects: [...ctx.redirects] };
    const body = node.childForFieldName('body');
    for (const redirect of node.childrenForFieldName('redirect')) {
      if (redirect) this.addRedirect(redirect, next);
    }
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

  private addRedirect(node: Node, ctx: Context): void {
    if (node.type === 'heredoc_redirect') {
      const bodyNode = node.namedChildren.find((c) => c?.type === 'heredoc_body');
      const text = bodyNode?.text ?? '';
      const dynamic = (bodyNode?.namedChildren.length ?? 0) > 0;
      ctx.stdin = 'heredoc';
      ctx.stdinText = { text, dynamic };
      ctx.redirects.push({ op: '<<', target: text, dynamic });
      return;
    }
    if (node.type === 'herestring_redirect') {
      const value = node.namedChildren.find((c) => c !== null);
      const word = value ? evaluateWord(value) : { text: '', dynamic: false };
      ctx.stdin = 'herestring';
      ctx.stdinText = word;
      ctx.redirects.push({ op: '<<<', target: word.text, dynamic: word.dynamic });
      return;
    }
    const destination = node.childForFieldName('destination');
    const op = node.children.find((c) => c !== null && !c.isNamed)?.text ?? '>';
    const target = destination ? evaluateWord(destination) : { text: '', dynamic: false };
    ctx.redirects.push({ op, target: target.text, dynamic: target.dynamic });
  }

  private command(node: Node, ctx: Context): void {
    const argv: ShellWord[] = [];
    const assignments: string[] = [];
    const local: Context = { ...ctx, redirects: [...ctx.redirects] };
    let previousWordEnd = -1;
    for (let i = 0; i < node.childCount; i++) {
      const child = node.child(i);
      if (!child) continue;
      const field = node.fieldNameForChild(i);
      if (child.type === 'variable_assignment') assignments.push(evaluateWord(child).text);
      else if (field === 'redirect') this.addRedirect(child, local);
      else if (field === 'name' || field === 'argument') {
        const word = evaluateWord(child);
        // tree-sitter treats backslash-newline as a word break, bash removes it before splitting:
        // `r\<newline>m -rf /` runs `rm`, so the two halves are one word.
        const between = node.text.slice(previousWordEnd - node.startIndex, child.startIndex - node.startIndex);
        const last = argv[argv.length - 1];
        if (last && previousWordEnd >= 0 && LINE_CONTINUATIONS.test(between)) {
          argv[argv.length - 1] = { text: last.text + word.text, dynamic: last.dynamic || word.dynamic };
        } else argv.push(word);
        previousWordEnd = child.endIndex;
        continue;
      }
      previousWordEnd = -1;
    }
    const dynamicAssignment = node.namedChildren.some((c) => c?.type === 'variable_assignment' && evaluateWord(c).dynamic);
    this.emit(argv, local, dynamicAssignment, assignments);
    this.traverseChildren(node, { ...ctx, redirects: [] });
  }

  private emit(argv: ShellWord[], ctx: Context, forceDynamic: boolean, assignments: string[]): void {
    if (argv.length === 0) return;
    const inner = unwrapCommand(argv, ctx.stdin !== undefined);
    let dynamic = forceDynamic || argv.some((w) => w.dynamic) || ctx.redirects.some((r) => r.dynamic);
    if (inner?.type === 'script' && inner.script.dynamic) dynamic = true;
    const stdinCode = inner?.type === 'stdin' ? ctx.stdinText : undefined;
    if (inner?.type === 'stdin' && (!stdinCode || stdinCode.dynamic)) dynamic = true;

    const facts: JsonObject = { argv: argv.map((w) => w.text), name: commandBaseName(argv[0]!.text), dynamic };
    if (ctx.via.length > 0) facts.via = [...ctx.via];
    if (ctx.redirects.length > 0) facts.redirects = ctx.redirects.map((r) => ({ op: r.op, target: r.target }));
    if (assignments.length > 0) facts.assignments = assignments;
    if (ctx.stdin !== undefined) facts.stdin = ctx.stdin;
    if (ctx.pipeline !== undefined) facts.pipeline = ctx.pipeline;
    this.commands.push(facts);

    if (!inner) return;
    const via = [...ctx.via, inner.via];
    if (inner.type === 'argv') {
      this.emit(inner.argv, { ...ctx, via }, inner.dynamic, []);
    } else if (inner.type === 'script') {
      if (!inner.script.dynamic) this.collectScript(inner.script.text, { via, redirects: ctx.redirects, depth: ctx.depth + 1 });
    } else if (stdinCode && !stdinCode.dynamic) {
      this.collectScript(stdinCode.text, { via, redirects: [], depth: ctx.depth + 1 });
    }
  }
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
