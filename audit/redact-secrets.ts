import type { JsonObject, JsonValue } from '../engine/model/json.ts';

/** What a redacted secret is replaced with; replay treats inputs holding it as possibly unfaithful. */
export const REDACTED = '[REDACTED]';
/** What a value a policy masks is replaced with in the recorded context. */
export const MASKED = '[MASKED]';

type Rule = { name: string; pattern: RegExp; replace: (substring: string, ...groups: string[]) => string };

// A quoted SQL literal: '…' with '' escapes, E'…' with backslash escapes, or $tag$…$tag$.
const SQL_LITERAL = String.raw`(?:[eE]?'(?:[^'\\]|''|\\.)*'|\$([A-Za-z_]\w*)?\$[\s\S]*?\$\2\$)`;
// A shell word value: quoted or bare.
const SHELL_VALUE = String.raw`(?:'[^']*'|"(?:[^"\\]|\\.)*"|[^\s'";|&)]+)`;

/**
 * Redaction rules for command text (docs/architecture.md "No secrets"). Each keeps enough shape to read
 * the command (`PASSWORD '[REDACTED]'`) and removes only the secret.
 */
const RULES: Rule[] = [
  {
    name: 'sql-password',
    pattern: new RegExp(String.raw`\b(PASSWORD\s+)${SQL_LITERAL}`, 'gi'),
    replace: (_m, keyword: string) => `${keyword}'${REDACTED}'`,
  },
  {
    name: 'authorization-header',
    pattern: /\b((?:proxy-)?authorization\s*:\s*)(?:([A-Za-z][\w-]*)\s+)?[^\s'"\\]+/gi,
    replace: (_m, head: string, scheme?: string) => `${head}${scheme ? `${scheme} ` : ''}${REDACTED}`,
  },
  {
    name: 'url-credentials',
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]*):[^\s@/'"]*@/gi,
    replace: (_m, head: string) => `${head}:${REDACTED}@`,
  },
  {
    name: 'password-option',
    pattern: new RegExp(String.raw`(--?(?:password|passwd)(?:=|\s+))${SHELL_VALUE}`, 'gi'),
    replace: (_m, head: string) => `${head}${REDACTED}`,
  },
  {
    name: 'password-assignment',
    pattern: new RegExp(String.raw`\b([A-Za-z_]*(?:PASSWORD|PASSWD|PWD|SECRET|TOKEN|APIKEY|API_KEY)\s*=\s*)${SHELL_VALUE}`, 'gi'),
    replace: (_m, head: string) => `${head}${REDACTED}`,
  },
  {
    name: 'short-password-flag',
    pattern: new RegExp(String.raw`(^|[\s;|&('"])-p(?=[^\s])${SHELL_VALUE}`, 'g'),
    replace: (_m, lead: string) => `${lead}-p${REDACTED}`,
  },
  {
    name: 'jwt',
    pattern: /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
    replace: () => REDACTED,
  },
];

/**
 * Every rule above needs one of these literals to match (case-insensitively a superset of each
 * rule's own case), so text without any of them cannot change: most recorded strings (facts,
 * names, plain SELECTs) skip the seven replaces. Keep it in step with RULES.
 */
const MAY_HOLD_SECRET = /password|passwd|pwd|secret|token|api_?key|authorization|:\/\/|-p|eyJ/i;

/** Redacts secrets in one piece of text (SQL or shell). */
export function redactText(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return applyRules(text);
}

/** Every rule, without the MAY_HOLD_SECRET shortcut (exported for the equivalence test). */
export function applyRules(text: string): string {
  let out = text;
  for (const rule of RULES) out = out.replace(rule.pattern, rule.replace as (substring: string, ...args: unknown[]) => string);
  return out;
}

/** Redacts one argv vector: `-pX`, `--password=X`, the word after `--password`, and the text rules. */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const previous = i > 0 ? argv[i - 1]! : '';
    if (/^--?(password|passwd)$/i.test(previous)) out.push(REDACTED);
    else if (/^-p./.test(arg)) out.push(`-p${REDACTED}`);
    else if (/^--?(password|passwd)=/i.test(arg)) out.push(arg.slice(0, arg.indexOf('=') + 1) + REDACTED);
    else out.push(redactText(arg));
  }
  return out;
}

export interface RedactionResult<T> {
  value: T;
  /** Paths (`context.sql.text`, `context.command.commands.0.argv.2`) whose value was changed. */
  paths: string[];
}

/**
 * Redacts every string in a JSON value; arrays under an `argv` key get the argv rules. Values
 * under keys a policy masks (`mask`, case-insensitive) become MASKED, outside the raw-text and
 * facts subtrees `sql` and `command`.
 */
export function redactJson<T extends JsonValue>(
  value: T,
  options: { mask?: readonly string[]; /** mask only under this top-level key (e.g. `context`) */ maskWithin?: string } = {},
): RedactionResult<T> {
  const maskPrefix = options.maskWithin === undefined ? '' : `${options.maskWithin}.`;
  const mask = new Set((options.mask ?? []).map((name) => name.toLowerCase()));
  const paths: string[] = [];
  const walk = (node: JsonValue, path: string, key: string | undefined, inFacts: boolean): JsonValue => {
    if (typeof node === 'string') {
      const redacted = redactText(node);
      if (redacted !== node) paths.push(path);
      return redacted;
    }
    if (Array.isArray(node)) {
      if (key === 'argv' && node.every((item) => typeof item === 'string')) {
        const redacted = redactArgv(node as string[]);
        redacted.forEach((arg, i) => arg !== node[i] && paths.push(`${path}.${i}`));
        return redacted;
      }
      return node.map((item, i) => walk(item, `${path}.${i}`, undefined, inFacts));
    }
    if (node !== null && typeof node === 'object') {
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(node)) {
        const childPath = path ? `${path}.${k}` : k;
        const facts = inFacts || k === 'sql' || k === 'command';
        if (!facts && mask.has(k.toLowerCase()) && v !== null && childPath.startsWith(maskPrefix)) {
          out[k] = MASKED;
          paths.push(childPath);
        } else out[k] = walk(v, childPath, k, facts);
      }
      return out;
    }
    return node;
  };
  return { value: walk(value, '', undefined, false) as T, paths };
}
