import { describe, expect, it } from 'vitest';
import { LineEditor, MAX_LINE_BYTES, type EditorAction } from '../../../dataplane/ssh/line-editor.ts';

function lines(actions: EditorAction[]): string[] {
  return actions.filter((a) => a.kind === 'line').map((a) => (a as { line: string }).line);
}

function echo(actions: EditorAction[]): string {
  return actions.map((a) => (a.kind === 'echo' ? a.text : '')).join('');
}

describe('LineEditor', () => {
  it('typed text then CR yields the line, echoed with CRLF', () => {
    const editor = new LineEditor();
    const actions = editor.feed(Buffer.from('uname -a\r'));
    expect(lines(actions)).toEqual(['uname -a']);
    expect(echo(actions)).toBe('uname -a\r\n');
  });

  it('CRLF and LF each end one line (a paste of two lines yields two lines)', () => {
    const editor = new LineEditor();
    expect(lines(editor.feed(Buffer.from('a\r\nb\n')))).toEqual(['a', 'b']);
  });

  it('DEL and backspace remove the last character; on an empty line they ring the bell', () => {
    const editor = new LineEditor();
    const actions = editor.feed(Buffer.from('\x7fabX\x7f\x08c\r'));
    expect(lines(actions)).toEqual(['ac']);
    expect(echo(actions).startsWith('\x07')).toBe(true);
  });

  it('Ctrl-U kills the line and Ctrl-W the last word', () => {
    const editor = new LineEditor();
    expect(lines(editor.feed(Buffer.from('rm -rf /\x15ls -l\x17-a\r')))).toEqual(['ls -a']);
  });

  it('Ctrl-C discards the line and asks for an interrupt', () => {
    const editor = new LineEditor();
    const actions = editor.feed(Buffer.from('rm -rf /\x03ls\r'));
    expect(actions.map((a) => a.kind)).toEqual(['echo', 'interrupt', 'echo', 'line']);
    expect(lines(actions)).toEqual(['ls']);
  });

  it('Ctrl-D ends input only on an empty line', () => {
    const editor = new LineEditor();
    expect(editor.feed(Buffer.from('ab\x04')).map((a) => a.kind)).toEqual(['echo']);
    expect(editor.feed(Buffer.from('\x15\x04')).map((a) => a.kind)).toEqual(['echo', 'eof']);
  });

  it('arrow keys (CSI and SS3), Home/End and Tab are dropped with a bell, never inserted', () => {
    const editor = new LineEditor();
    const actions = editor.feed(Buffer.from('ls\x1b[A\x1bOB\x1b[1;5C\x1b[H\t -l\r'));
    expect(lines(actions)).toEqual(['ls -l']);
    expect(echo(actions).split('\x07').length - 1).toBe(5);
  });

  it('multi-byte UTF-8 split across chunks is one character (and one backspace removes it)', () => {
    const editor = new LineEditor();
    const bytes = Buffer.from('echo é€', 'utf8');
    editor.feed(bytes.subarray(0, 6));
    editor.feed(bytes.subarray(6, 8));
    expect(lines(editor.feed(Buffer.concat([bytes.subarray(8), Buffer.from('\x7f\r')])))).toEqual(['echo é']);
  });

  it('a line longer than the upstream pty can hold (4095 bytes) stops growing below it, counted in UTF-8 bytes', () => {
    expect(MAX_LINE_BYTES).toBeLessThan(4095);
    const editor = new LineEditor();
    const actions = editor.feed(Buffer.from(`echo ${'é'.repeat(3000)}\r`, 'utf8'));
    const [line] = lines(actions);
    expect(Buffer.byteLength(line!, 'utf8')).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(echo(actions)).toContain('\x07');
    // After backspaces free room, typing continues.
    const next = new LineEditor();
    next.feed(Buffer.from('x'.repeat(MAX_LINE_BYTES)));
    expect(lines(next.feed(Buffer.from('\x7fyz\r')))).toEqual([`${'x'.repeat(MAX_LINE_BYTES - 1)}y`]);
  });
});
