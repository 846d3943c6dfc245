import { StringDecoder } from 'node:string_decoder';

/** What the shell gate does after feeding keystrokes to the editor. */
export type EditorAction =
  /** Bytes to show the user now (local echo, bell, erase). */
  | { kind: 'echo'; text: string }
  /** Enter: the finished line, to be decided before it goes anywhere. */
  | { kind: 'line'; line: string }
  /** Ctrl-C: the line is discarded; the interrupt byte is forwarded to the upstream pty. */
  | { kind: 'interrupt' }
  /** Ctrl-D on an empty line: end of input for the upstream shell. */
  | { kind: 'eof' };

const BELL = '\x07';
/**
 * The upstream shell reads lines through its pty's canonical-mode line discipline, which holds
 * at most 4095 bytes (Linux N_TTY_BUF_SIZE - 1, the newline included) and silently drops the
 * rest of a longer line: the shell would run a truncated prefix of the line that was decided.
 * Lines stop growing (with a bell) well below that, counted in UTF-8 bytes as the pty counts.
 */
export const MAX_LINE_BYTES = 4000;

/**
 * The proxy's own line editor for gated interactive shells. It is deliberately small: the
 * upstream shell runs without line editing (bash --noediting, pty echo off), so what this
 * editor shows is exactly what will be decided and sent. Supported: printable characters
 * (UTF-8), Backspace/DEL, Ctrl-U (kill line), Ctrl-W (kill word), Ctrl-C (discard line,
 * interrupt upstream), Ctrl-D (end on an empty line), Enter (CR, LF or CRLF). Everything
 * else, including arrow keys, history recall, tab completion and other escape sequences,
 * is dropped with a bell: recalled or completed text would not be what the user saw typed.
 */
export class LineEditor {
  private chars: string[] = [];
  private bytes = 0;
  private readonly decoder = new StringDecoder('utf8');
  /** Escape-sequence parser state: 0 none, 1 after ESC, 2 inside CSI, 3 after ESC O / SS3. */
  private escape = 0;
  private lastWasCr = false;

  get line(): string {
    return this.chars.join('');
  }

  /** Feeds raw input bytes; returns the actions in order. */
  feed(bytes: Buffer): EditorAction[] {
    const actions: EditorAction[] = [];
    let echo = '';
    const flushEcho = (): void => {
      if (echo) actions.push({ kind: 'echo', text: echo });
      echo = '';
    };
    for (const ch of this.decoder.write(bytes)) {
      const code = ch.codePointAt(0)!;
      const wasCr = this.lastWasCr;
      this.lastWasCr = false;
      if (this.escape !== 0) {
        this.escape = nextEscapeState(this.escape, code);
        if (this.escape === 0) echo += BELL;
        continue;
      }
      if (code === 0x1b) {
        this.escape = 1;
        continue;
      }
      if (code === 0x0d || code === 0x0a) {
        // CRLF from a paste or a client that sends both is one Enter.
        if (code === 0x0a && wasCr) continue;
        this.lastWasCr = code === 0x0d;
        echo += '\r\n';
        flushEcho();
        actions.push({ kind: 'line', line: this.line });
        this.clear();
        continue;
      }
      if (code === 0x7f || code === 0x08) {
        if (this.chars.length > 0) {
          this.pop();
          echo += '\b \b';
        } else echo += BELL;
        continue;
      }
      if (code === 0x15) {
        echo += '\b \b'.repeat(this.chars.length);
        this.clear();
        continue;
      }
      if (code === 0x17) {
        let n = 0;
        while (this.chars.length > 0 && this.chars[this.chars.length - 1] === ' ') {
          this.pop();
          n++;
        }
        while (this.chars.length > 0 && this.chars[this.chars.length - 1] !== ' ') {
          this.pop();
          n++;
        }
        echo += '\b \b'.repeat(n);
        continue;
      }
      if (code === 0x03) {
        echo += '^C\r\n';
        flushEcho();
        this.clear();
        actions.push({ kind: 'interrupt' });
        continue;
      }
      if (code === 0x04) {
        if (this.chars.length === 0) {
          flushEcho();
          actions.push({ kind: 'eof' });
        } else echo += BELL;
        continue;
      }
      if (code < 0x20 || (code >= 0x80 && code < 0xa0)) {
        echo += BELL;
        continue;
      }
      const size = Buffer.byteLength(ch, 'utf8');
      if (this.bytes + size > MAX_LINE_BYTES) {
        echo += BELL;
        continue;
      }
      this.chars.push(ch);
      this.bytes += size;
      echo += ch;
    }
    flushEcho();
    return actions;
  }

  private pop(): void {
    const ch = this.chars.pop();
    if (ch !== undefined) this.bytes -= Buffer.byteLength(ch, 'utf8');
  }

  private clear(): void {
    this.chars = [];
    this.bytes = 0;
  }
}

/** ESC x (one char), ESC [ params final (CSI), ESC O x (SS3): the sequences terminals send for keys. */
function nextEscapeState(state: number, code: number): number {
  if (state === 1) {
    if (code === 0x5b) return 2;
    if (code === 0x4f) return 3;
    return 0;
  }
  if (state === 2) return code >= 0x40 && code <= 0x7e ? 0 : 2;
  return 0;
}
