import type { JsonObject, JsonValue } from '../engine/model/index.ts';
import { findMaintainedSecrets, maintainedRuleIds } from './maintained-secret-rules.ts';

/** What a redacted secret is replaced with; replay treats inputs holding it as possibly unfaithful. */
export const REDACTED = '[REDACTED]';
/** What a value a policy masks is replaced with in the recorded context. */
export const MASKED = '[MASKED]';

type Rule = { name: string; pattern: RegExp; replace: (substring: string, ...groups: string[]) => string };

// A quoted SQL literal: '…' with '' escapes, E'…' with backslash escapes, or $tag$…$tag$.
const SQL_LITERAL = String.raw`(?:[eE]?'(?:[^'\\]|''|\\.)*'|\$([A-Za-z_]\w*)?\$[\s\S]*?\$\2\$)`;
// A shell word value: quoted or bare.
const SHELL_VALUE = String.raw`(?:'[^']*'|"(?:[^"\\]|\\.)*"|[^\s'";|&)]+)`;

// Option names that take a secret as their value: the name ends in one of these words
// (`--token X`, `--api-key=X`, `--client-secret X`), so `--token-file PATH` is not one.
const SECRET_OPTION = String.raw`--(?:[A-Za-z0-9]+-)*(?:token|secret|password|passwd|pass|api-?key|access-?key|private-?key|auth)`;
// Variable names that hold a secret: the word is the whole name or its last `_` part
// (`DB_PASS`, `STRIPE_KEY`, `AWS_SECRET_ACCESS_KEY`), so `MONKEY` or `BYPASS` are not.
const SECRET_NAME = String.raw`(?:[A-Za-z0-9]+_)*(?:PASSWORD|PASSWD|PASS|PWD|SECRET|TOKEN|APIKEY|API_KEY|KEY|CREDENTIALS?|AUTH)`;

/**
 * Command-syntax redaction rules for command text (docs/architecture.md "No secrets"): where a secret sits
 * by its position in a command, not by its shape. Each keeps enough of the command to read it
 * (`PASSWORD '[REDACTED]'`, `curl -u admin:[REDACTED]`) and removes only the secret. Secrets
 * recognisable by their shape (cloud keys, service tokens) are found by the maintained rules.
 */
const RULES: Rule[] = [
  {
    name: 'private-key-block',
    pattern: /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END \1-----|$)/g,
    replace: () => REDACTED,
  },
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
    name: 'secret-header',
    pattern: /\b((?:x-)?(?:[a-z0-9]+-)*(?:api-?key|auth-token|access-token|token|secret|password)\s*:\s*)[^\s'"\\,}]+/gi,
    replace: (_m, head: string) => `${head}${REDACTED}`,
  },
  {
    // The password runs to the last `@` of the URL, so one holding `/` or `@` is removed whole.
    name: 'url-credentials',
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]*):[^\s'"]*@(?=[^\s@'"]*(?:[\s'"]|$))/gi,
    replace: (_m, head: string) => `${head}:${REDACTED}@`,
  },
  {
    name: 'password-option',
    pattern: new RegExp(String.raw`(--?(?:password|passwd)(?:=|\s+))${SHELL_VALUE}`, 'gi'),
    replace: (_m, head: string) => `${head}${REDACTED}`,
  },
  {
    name: 'secret-option',
    pattern: new RegExp(String.raw`(${SECRET_OPTION}(?:=|\s+))${SHELL_VALUE}`, 'gi'),
    replace: (_m, head: string) => `${head}${REDACTED}`,
  },
  {
    name: 'user-password-option',
    pattern: /((?:^|[\s;|&('"])(?:-u|--user|--proxy-user)(?:=|\s+)['"]?[^\s:'"]*:)(?:'[^']*'|"(?:[^"\\]|\\.)*"|[^\s'"]+)/g,
    replace: (_m, head: string) => `${head}${REDACTED}`,
  },
  {
    name: 'sshpass-password',
    pattern: new RegExp(String.raw`(\bsshpass\s+(?:-[a-oq-zA-Z]\S*\s+)*-p\s*)${SHELL_VALUE}`, 'g'),
    replace: (_m, head: string) => `${head}${REDACTED}`,
  },
  {
    name: 'password-assignment',
    pattern: new RegExp(String.raw`\b([A-Za-z_]*(?:PASSWORD|PASSWD|PWD|SECRET|TOKEN|APIKEY|API_KEY)\s*=\s*)${SHELL_VALUE}`, 'gi'),
    replace: (_m, head: string) => `${head}${REDACTED}`,
  },
  {
    // Shell assignments have no space around `=`; the wider set of names is only taken there.
    name: 'secret-assignment',
    pattern: new RegExp(String.raw`(^|[^A-Za-z0-9_])(${SECRET_NAME}=)(?!\[REDACTED\])${SHELL_VALUE}`, 'gi'),
    replace: (_m, lead: string, head: string) => `${lead}${head}${REDACTED}`,
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
 * rule's own case), so text without any of them cannot change by them: most recorded strings
 * (facts, names, plain SELECTs) skip the replaces. Keep it in step with RULES.
 */
const MAY_HOLD_SECRET = /password|passwd|pwd|pass|secret|token|api_?-?key|key|auth|credential|:\/\/|-p|-u|--user|eyJ|PRIVATE KEY/i;

/**
 * Texts the rules left unchanged, remembered by exact text (bounded in count and characters, oldest
 * forgotten first): an application sends the same statement text again and again (prepared
 * statements, ORMs, a repeated command), and the maintained scanners cost tens of µs per text.
 * Only clean texts are kept, so no text a rule found a secret in stays in memory because of this;
 * such a text is scanned every time. Redaction is a pure function of the text: a kept answer is the answer.
 */
const CLEAN_TEXTS_LIMIT = 4096;
const CLEAN_TEXTS_MAX_CHARS = 2 * 1024 * 1024;
const CLEAN_TEXT_MAX_LENGTH = 8 * 1024;
const cleanTexts = new Set<string>();
let cleanTextsChars = 0;

/** Redacts secrets in one piece of text (SQL or shell). */
export function redactText(text: string): string {
  if (cleanTexts.has(text)) return text;
  const redacted = redactMaintained(MAY_HOLD_SECRET.test(text) ? applyCommandRules(text) : text);
  if (redacted === text && text.length <= CLEAN_TEXT_MAX_LENGTH) rememberClean(text);
  return redacted;
}

function rememberClean(text: string): void {
  cleanTexts.add(text);
  cleanTextsChars += text.length;
  while (cleanTexts.size > CLEAN_TEXTS_LIMIT || cleanTextsChars > CLEAN_TEXTS_MAX_CHARS) {
    const oldest = cleanTexts.values().next().value!;
    cleanTexts.delete(oldest);
    cleanTextsChars -= oldest.length;
  }
}

/** Every rule, without the MAY_HOLD_SECRET shortcut (exported for the equivalence test). */
export function applyRules(text: string): string {
  return redactMaintained(applyCommandRules(text));
}

function applyCommandRules(text: string): string {
  let out = text;
  for (const rule of RULES) out = out.replace(rule.pattern, rule.replace as (substring: string, ...args: unknown[]) => string);
  return out;
}

/** Replaces what the maintained rules find, leaving what the command rules already redacted. */
function redactMaintained(text: string): string {
  const ranges = findMaintainedSecrets(text);
  if (ranges.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [start, end] of ranges) {
    const found = text.slice(start, end);
    if (found.includes(REDACTED)) continue;
    out += text.slice(at, start) + REDACTED;
    at = end;
  }
  return out + text.slice(at);
}

/** Checks at start-up that the maintained rules are loaded and redact; serve and the proxies refuse to start otherwise. */
export function assertSecretRulesLoaded(): void {
  const ids = maintainedRuleIds();
  const canary = `ghp_${'A1b2C3d4E5'.repeat(3)}x9Y8z7`;
  if (ids.length < 10 || redactText(`token ${canary}`).includes(canary)) {
    throw new Error(`secret redaction rules are not loaded (${ids.length} maintained rules); reinstall the dependencies (npm ci)`);
  }
}

/**
 * Redacts one argv vector: `-pX`, `--password=X`, the word after `--password`, `--token` and
 * other secret options, `sshpass -p X`, the password of `-u user:pass`, and the text rules.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  const program = (argv[0] ?? '').split('/').pop() ?? '';
  const secretOption = new RegExp(`^(?:--?(?:password|passwd)|${SECRET_OPTION})$`, 'i');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const previous = i > 0 ? argv[i - 1]! : '';
    if (secretOption.test(previous) || (program === 'sshpass' && previous === '-p')) out.push(REDACTED);
    else if (/^(?:-u|--user|--proxy-user)$/.test(previous) && arg.includes(':')) out.push(`${arg.slice(0, arg.indexOf(':') + 1)}${REDACTED}`);
    else if (/^-p./.test(arg)) out.push(`-p${REDACTED}`);
    else if (/^--?(password|passwd)=/i.test(arg)) out.push(arg.slice(0, arg.indexOf('=') + 1) + REDACTED);
    else out.push(redactText(arg));
  }
  return out;
}

const NO_MASK: ReadonlySet<string> = new Set();

/** The own members of `node` that come before `stop`, in order (the start of a copy). */
function copyMembersBefore(node: JsonObject, stop: string): JsonObject {
  const copy: JsonObject = {};
  for (const k in node) {
    if (k === stop) break;
    if (Object.hasOwn(node, k)) copy[k] = node[k]!;
  }
  return copy;
}

export interface RedactionResult<T> {
  value: T;
  /** Paths (`context.sql.text`, `context.command.commands.0.argv.2`) whose value was changed. */
  paths: string[];
}

/**
 * Redacts every string in a JSON value; arrays under an `argv` key get the argv rules. Values
 * under keys a policy masks (`mask`, case-insensitive) become MASKED, outside the raw-text and
 * facts subtrees `sql` and `command`. `path` prefixes the reported paths (the value's place in a
 * larger document). A string met twice in one value (the statement text repeated in its facts,
 * an argv word repeated as an operand) is scanned once. Parts with nothing to redact are returned
 * as they are, not copied, so the result shares them with `value`: change neither afterwards.
 */
export function redactJson<T extends JsonValue>(
  value: T,
  options: { mask?: readonly string[]; /** mask only under this top-level key (e.g. `context`) */ maskWithin?: string; path?: string } = {},
): RedactionResult<T> {
  const maskPrefix = options.maskWithin === undefined ? '' : `${options.maskWithin}.`;
  const mask = options.mask === undefined || options.mask.length === 0 ? NO_MASK : new Set(options.mask.map((name) => name.toLowerCase()));
  const paths: string[] = [];
  const seen = new Map<string, string>();
  const redactOnce = (text: string): string => {
    let redacted = seen.get(text);
    if (redacted === undefined) seen.set(text, (redacted = redactText(text)));
    return redacted;
  };
  // The keys from the root to the node being walked; a path string is only built for a value
  // that changes (most values do not, and building one per node was a good part of the walk).
  const trail: (string | number)[] = [];
  const pathTo = (last?: string | number): string => {
    let path = options.path ?? '';
    const keys = last === undefined ? trail : [...trail, last];
    for (const key of keys) path = typeof key === 'number' || path ? `${path}.${key}` : key;
    return path;
  };
  const walk = (node: JsonValue, key: string | undefined, inFacts: boolean): JsonValue => {
    if (typeof node === 'string') {
      const redacted = redactOnce(node);
      if (redacted !== node) paths.push(pathTo());
      return redacted;
    }
    if (Array.isArray(node)) {
      if (key === 'argv' && node.every((item) => typeof item === 'string')) {
        const redacted = redactArgv(node as string[]);
        redacted.forEach((arg, i) => arg !== node[i] && paths.push(pathTo(i)));
        return redacted.every((arg, i) => arg === node[i]) ? node : redacted;
      }
      // Copied only from the first element that changes: a value with nothing to redact is
      // returned as it is, which spares copying every decision's whole input.
      let out: JsonValue[] | undefined;
      for (let i = 0; i < node.length; i++) {
        trail.push(i);
        const item = walk(node[i]!, undefined, inFacts);
        trail.pop();
        if (out === undefined && item !== node[i]) out = node.slice(0, i);
        out?.push(item);
      }
      return out ?? node;
    }
    if (node !== null && typeof node === 'object') {
      let out: JsonObject | undefined;
      for (const k in node) {
        if (!Object.hasOwn(node, k)) continue;
        const v = node[k]!;
        const facts = inFacts || k === 'sql' || k === 'command';
        let value: JsonValue;
        if (!facts && v !== null && mask.size > 0 && mask.has(k.toLowerCase()) && pathTo(k).startsWith(maskPrefix)) {
          value = MASKED;
          paths.push(pathTo(k));
        } else {
          trail.push(k);
          value = walk(v, k, facts);
          trail.pop();
        }
        if (out === undefined && value !== v) out = copyMembersBefore(node, k);
        if (out !== undefined) out[k] = value;
      }
      return out ?? node;
    }
    return node;
  };
  return { value: walk(value, undefined, false) as T, paths };
}
