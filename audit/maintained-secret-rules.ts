import { rules as recommendedRules } from '@secretlint/secretlint-rule-preset-recommend';

/**
 * Secret shapes from a maintained, tested rule set: secretlint's recommended preset (cloud keys,
 * GitHub/GitLab/Slack/Stripe/npm/OpenAI/… tokens, credentials in URLs and connection strings).
 * Its rules are plain synchronous scanners: each is driven here with the smallest context the
 * rule API needs and reports the character ranges it found. The command-syntax rules in
 * redact-secrets.ts cover what a token scanner cannot see (`--token X`, `KEY=…`, headers).
 */

/** The part of secretlint's rule API these scanners use. */
interface ScannerContext {
  createTranslator(messages: unknown): (key: string, props?: unknown) => string;
  report(descriptor: { message: string; range: readonly [number, number] }): void;
  ignore(descriptor: unknown): void;
  registerRule(rule: unknown): void;
}
interface ScannerRule {
  meta: { id: string; type?: string };
  create(context: ScannerContext, options: Record<string, unknown>): { file?: (source: ScannedSource) => unknown };
}
interface ScannedSource {
  content: string;
  filePath: string;
  ext: string;
  contentType: 'text';
}

/** Not scanners: the comment-directive filter would let a command switch redaction off. */
const EXCLUDED = new Set(['@secretlint/secretlint-rule-filter-comments']);
/** The AWS rule finds access key ids (AKIA…) only when asked to. */
const RULE_OPTIONS: Record<string, Record<string, unknown>> = { '@secretlint/secretlint-rule-aws': { enableIDScanRule: true } };
/** No rule of the preset matches text this short; skipping it keeps short strings (names, ids) cheap. */
export const MIN_SCANNED_LENGTH = 16;

let found: [number, number][] = [];
const context: ScannerContext = {
  createTranslator: () => (key) => key,
  report: ({ range }) => void found.push([range[0], range[1]]),
  ignore: () => undefined,
  registerRule: () => undefined,
};

const scanners = (recommendedRules as unknown as ScannerRule[])
  .filter((rule) => !EXCLUDED.has(rule.meta.id))
  .map((rule) => ({ id: rule.meta.id, file: rule.create(context, RULE_OPTIONS[rule.meta.id] ?? {}).file }))
  .filter((scanner): scanner is { id: string; file: (source: ScannedSource) => unknown } => typeof scanner.file === 'function');

/** The ids of the maintained rules in force (for the start-up check and the docs). */
export function maintainedRuleIds(): string[] {
  return scanners.map((scanner) => scanner.id);
}

/** Character ranges of secrets the maintained rules find in `text`, merged and in order. */
export function findMaintainedSecrets(text: string): [number, number][] {
  if (text.length < MIN_SCANNED_LENGTH) return [];
  found = [];
  const source: ScannedSource = { content: text, filePath: 'text', ext: '', contentType: 'text' };
  for (const scanner of scanners) {
    const result = scanner.file(source);
    // A scanner that only answers asynchronously would be silently skipped: refuse instead.
    if (result instanceof Promise) throw new Error(`secret rule ${scanner.id} is asynchronous; redaction cannot use it`);
  }
  const ranges = found.filter(([start, end]) => end > start).sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  found = [];
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}
