/**
 * Cedar reports positions as UTF-8 byte offsets into the text it was given; authors need
 * 1-based lines and columns (in characters) of their file.
 */
export interface SourcePosition {
  line: number;
  column: number;
}

/** The string index (UTF-16) of a UTF-8 byte offset into `text`. */
export function charIndexOfByteOffset(text: string, byteOffset: number): number {
  if (byteOffset <= 0) return 0;
  let bytes = 0;
  let i = 0;
  while (i < text.length && bytes < byteOffset) {
    const code = text.codePointAt(i) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    i += code >= 0x10000 ? 2 : 1;
  }
  return i;
}

/** The line and column of a string index into `text`. */
export function positionOfIndex(text: string, index: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(index, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
