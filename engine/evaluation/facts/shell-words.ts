import type { Node } from 'web-tree-sitter';

/** One shell word after quote removal. `dynamic` when its value is only known at run time. */
export interface ShellWord {
  text: string;
  dynamic: boolean;
}

const EXPANSIONS = new Set([
  'simple_expansion',
  'expansion',
  'command_substitution',
  'process_substitution',
  'arithmetic_expansion',
  'brace_expression',
]);

/** `{a,b}` or `{1..3}` outside quotes: the shell turns one word into several. */
const BRACE_EXPANSION = /\{[^{}]*(,|\.\.)[^{}]*\}/;

/**
 * Evaluates a word node the way the shell's quote removal does, without running anything:
 * quotes are removed, parts are joined, escapes are resolved. Any expansion (`$x`, `$(…)`,
 * `{a,b}`, arithmetic) keeps its source text and makes the word dynamic.
 */
export function evaluateWord(node: Node): ShellWord {
  const word = evaluate(node);
  // Brace expansion is only visible across the parts of a concatenation (`r{m,}`), so it is
  // judged on the unquoted source text of the whole word.
  if (!word.dynamic && BRACE_EXPANSION.test(unquotedSource(node))) word.dynamic = true;
  return word;
}

function evaluate(node: Node): ShellWord {
  switch (node.type) {
    case 'word':
    case 'command_name':
      if (node.type === 'command_name' && node.firstChild) return evaluate(node.firstChild);
      return { text: unescapeUnquoted(node.text), dynamic: false };
    case 'number':
    case 'variable_name':
      return { text: node.text, dynamic: false };
    case 'raw_string':
      return { text: node.text.slice(1, -1), dynamic: false };
    case 'ansi_c_string':
      return decodeAnsiCWord(node.text.slice(2, -1));
    case 'string':
    case 'translated_string':
      return evaluateDoubleQuoted(node);
    case 'concatenation':
    case 'variable_assignment': {
      let text = '';
      let dynamic = false;
      let previous = '';
      for (const child of node.children) {
        if (!child) continue;
        const part = child.isNamed ? evaluate(child) : { text: child.text, dynamic: false };
        // `x=$"…"`: tree-sitter splits a translated string into `$` and "…"; bash translates it.
        if (child.type === 'string' && /(^|[^\\])\$$/.test(previous)) part.dynamic = true;
        previous = child.text;
        text += part.text;
        dynamic ||= part.dynamic;
      }
      return { text, dynamic };
    }
    default:
      // Expansions, and any node this evaluator does not know: never guess a static value.
      return { text: node.text, dynamic: true };
  }
}

function evaluateDoubleQuoted(node: Node): ShellWord {
  let text = '';
  let dynamic = false;
  for (const child of node.children) {
    if (!child) continue;
    if (child.type === 'string_content') text += child.text.replace(/\\([$`"\\\n])/g, (_m, c: string) => (c === '\n' ? '' : c));
    else if (child.type === 'string') {
      const inner = evaluateDoubleQuoted(child);
      text += inner.text;
      dynamic ||= inner.dynamic;
    } else if (child.type === '"' || child.type === '$"') continue;
    else if (child.isNamed || EXPANSIONS.has(child.type)) {
      text += child.text;
      dynamic = true;
    } else text += child.text;
  }
  return { text, dynamic };
}

/** Outside quotes a backslash quotes the next character; backslash-newline disappears. */
function unescapeUnquoted(text: string): string {
  return text.replace(/\\([\s\S])/g, (_m, c: string) => (c === '\n' ? '' : c));
}

function unquotedSource(node: Node): string {
  if (node.type === 'word') return node.text;
  if (node.type === 'concatenation' || node.type === 'command_name') return node.children.map((c) => (c ? unquotedSource(c) : '')).join('');
  return '';
}

const ANSI_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
  '\\': '\\', "'": "'", '"': '"', '?': '?',
};

/**
 * A `$'…'` word. Escapes whose value depends on the locale or that bash handles in ways this
 * decoder does not model (`\u`/`\U` beyond ASCII, a bare `\x`, `\c` before a multibyte
 * character) make the word dynamic rather than guessed.
 */
function decodeAnsiCWord(body: string): ShellWord {
  const uncertain = /\\(?:[uU]|x(?![0-9a-fA-F])|c[^\x20-\x7e]|c$)/.test(body);
  if (uncertain) return { text: body, dynamic: true };
  return { text: decodeAnsiC(body), dynamic: false };
}

/** `$'…'` strings: bash's escapes, so `$'\x72\x6d'` is seen as `rm`. */
export function decodeAnsiC(body: string): string {
  return body.replace(
    /\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|[\s\S])/g,
    (match, sequence: string) => {
      const head = sequence[0]!;
      if ((head === 'x' || head === 'u' || head === 'U') && sequence.length > 1) {
        const code = parseInt(sequence.slice(1), 16);
        return code <= 0x10ffff ? String.fromCodePoint(code) : match;
      }
      if (/[0-7]/.test(head)) return String.fromCharCode(parseInt(sequence, 8) & 0xff);
      if (head === 'c') return String.fromCharCode(sequence.charCodeAt(1) & 0x1f);
      return ANSI_ESCAPES[head] ?? match;
    },
  );
}
