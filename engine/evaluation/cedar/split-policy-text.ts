/** One policy's text as it appears in its file, with the string index where it starts. */
export interface PolicySlice {
  text: string;
  start: number;
}

/**
 * Splits a Cedar file into its policies, each from its first token (an annotation or the
 * effect) to its terminating `;`. Cedar's only constructs that can hide a `;` are string
 * literals (with `\` escapes) and `//` line comments, so a small scanner is exact; the
 * caller checks the count against Cedar's own parse. Text after the last `;` that is not
 * blank or a comment is returned as a final slice so Cedar's error about it is located.
 */
export function splitPolicyText(text: string): PolicySlice[] {
  const slices: PolicySlice[] = [];
  let start = -1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '/' && text[i + 1] === '/') {
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? text.length : newline + 1;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v') {
      i++;
      continue;
    }
    if (start === -1) start = i;
    if (ch === '"') {
      i = endOfString(text, i);
      continue;
    }
    if (ch === ';') {
      slices.push({ text: text.slice(start, i + 1), start });
      start = -1;
    }
    i++;
  }
  if (start !== -1) slices.push({ text: text.slice(start).trimEnd(), start });
  return slices;
}

/** Index just past the string literal opening at `open` (or the end of text if unterminated). */
function endOfString(text: string, open: number): number {
  let i = open + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') {
      i += 2;
      continue;
    }
    if (ch === '"') return i + 1;
    i++;
  }
  return text.length;
}
