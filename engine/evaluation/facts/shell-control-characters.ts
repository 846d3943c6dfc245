/**
 * Control characters other than tab and newline are read differently by bash and by the
 * engine's parser (bash treats CR, VT and FF as word characters, the parser as blanks, so
 * `true \r#; rm x` is a comment to one and a command to the other). A line that holds any of
 * them is refused outright; a quoted one can be written as `$'\r'`.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

const NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL', 0x07: 'bell', 0x08: 'backspace', 0x0b: 'vertical tab', 0x0c: 'form feed', 0x0d: 'carriage return', 0x1b: 'escape', 0x7f: 'delete',
};

/** A one-line reason naming the first control character and where it is, or undefined. */
export function controlCharacterProblem(text: string): string | undefined {
  const match = CONTROL.exec(text);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[code] ? ` (${NAMES[code]})` : '';
  return `control character ${hex}${name} at offset ${match.index}: bash and the gate could read the line differently; write it as $'\\x${code.toString(16).padStart(2, '0')}'`;
}
