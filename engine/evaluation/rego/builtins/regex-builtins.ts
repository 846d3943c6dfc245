import { RE2JS, type Matcher } from 're2js';
import { BuiltinError, stringOperand, type HostBuiltin } from './rego-value.ts';

/**
 * regex.replace and regex.split with Go's regexp semantics: RE2 syntax (via re2js, not
 * JavaScript's RegExp), Go's rules for empty matches, and Go's `$1` / `${name}` expansion.
 */

const cache = new Map<string, RE2JS>();
const CACHE_LIMIT = 256;

function compile(pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (re) return re;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    throw new BuiltinError(`error parsing regexp: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** Code units of the code point at `pos` (0 at the end, like Go's DecodeRuneInString on ""). */
function widthAt(s: string, pos: number): number {
  if (pos >= s.length) return 0;
  const c = s.charCodeAt(pos);
  return c >= 0xd800 && c <= 0xdbff && pos + 1 < s.length ? 2 : 1;
}

/** Go's Regexp.allMatches: every match, skipping an empty match right after the previous one. */
function findAll(re: RE2JS, s: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const m = re.matcher(s);
  let prevEnd = -1;
  for (let pos = 0; pos <= s.length; ) {
    if (!m.find(pos)) break;
    const start = m.start();
    const end = m.end();
    let accept = true;
    if (end === pos) {
      if (start === prevEnd) accept = false;
      const w = widthAt(s, pos);
      pos += w > 0 ? w : 1;
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push([start, end]);
  }
  return out;
}

function isNameChar(c: string): boolean {
  return /[\p{L}\p{Nd}_]/u.test(c);
}

/** Go's Regexp.Expand for one match. */
function expand(template: string, m: Matcher, names: Record<string, number>): string {
  let out = '';
  for (;;) {
    const dollar = template.indexOf('$');
    if (dollar < 0) break;
    out += template.slice(0, dollar);
    template = template.slice(dollar + 1);
    if (template[0] === '$') {
      out += '$';
      template = template.slice(1);
      continue;
    }
    let str = template;
    const brace = str[0] === '{';
    if (brace) str = str.slice(1);
    let i = 0;
    const chars = [...str];
    let consumed = 0;
    for (; i < chars.length && isNameChar(chars[i]!); i++) consumed += chars[i]!.length;
    const name = str.slice(0, consumed);
    if (name === '' || (brace && str[consumed] !== '}')) {
      out += '$';
      continue;
    }
    template = str.slice(consumed + (brace ? 1 : 0));
    let num = /^\d+$/.test(name) && !(name.length > 1 && name[0] === '0') && name.length <= 8 ? Number(name) : -1;
    if (num < 0 && names[name] !== undefined) num = names[name]!;
    if (num >= 0 && num <= m.groupCount()) {
      const start = m.start(num);
      if (start >= 0) out += m.group(num) ?? '';
    }
  }
  return out + template;
}

function replaceAll(re: RE2JS, s: string, template: string): string {
  const m = re.matcher(s);
  const names = re.namedGroups();
  let out = '';
  let lastMatchEnd = 0;
  for (let searchPos = 0; searchPos <= s.length; ) {
    if (!m.find(searchPos)) break;
    const start = m.start();
    const end = m.end();
    out += s.slice(lastMatchEnd, start);
    // Go: no replacement for an empty match immediately after another match.
    if (end > lastMatchEnd || start === 0) out += expand(template, m, names);
    lastMatchEnd = end;
    const width = widthAt(s, searchPos);
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + s.slice(lastMatchEnd);
}

function split(re: RE2JS, s: string): string[] {
  if (re.pattern().length > 0 && s.length === 0) return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const [start, stop] of findAll(re, s)) {
    end = start;
    if (stop !== 0) out.push(s.slice(beg, end));
    beg = stop;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

export const regexBuiltins: Record<string, HostBuiltin> = {
  'regex.replace': (args) => {
    const s = stringOperand(args, 1);
    const pattern = stringOperand(args, 2);
    const value = stringOperand(args, 3);
    return replaceAll(compile(pattern), s, value);
  },
  // The JS SDK's regex.split uses JavaScript's RegExp; this one has Go's semantics.
  'regex.split': (args) => split(compile(stringOperand(args, 1)), stringOperand(args, 2)),
};
