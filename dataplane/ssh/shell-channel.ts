import type { ClientChannel, ServerChannel } from 'ssh2';
import { redactText } from '../../audit/index.ts';
import { gateCommand } from './command-gate.ts';
import { UPSTREAM_UNAVAILABLE_STATUS, type ChannelContext, type ChannelHandler } from './channel-context.ts';
import { finishChannel, relay, terminalText, type ExitStatus } from './channel-io.ts';
import { LineEditor, type EditorAction } from './line-editor.ts';

/** Input held while a line is being decided; past it the client channel is paused. */
const MAX_QUEUED_INPUT = 64 * 1024;
/** Queued in place of data when the client sends EOF. */
const END_OF_INPUT = Buffer.alloc(0);

/**
 * An interactive shell decided line by line. The proxy keeps the line editor (line-editor.ts)
 * and echoes locally; the upstream shell runs in its own pty with echo off and without line
 * editing (`--upstream-shell`, default `exec bash --noediting -i`), so each character is
 * shown exactly once. On Enter the line is decided as `ssh.exec`: allowed lines are sent to
 * the upstream shell; a denied line is not sent, the user sees why and keeps the shell.
 */
export class ShellChannel implements ChannelHandler {
  private upstream: ClientChannel | undefined;
  private readonly editor = new LineEditor();
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private busy = false;
  private pendingApproval: AbortController | undefined;
  private ended = false;

  constructor(
    private readonly ctx: ChannelContext,
    private readonly channel: ServerChannel,
    private readonly upstreamShell: string,
  ) {
    channel.on('error', () => this.upstream?.close());
    channel.on('close', () => {
      this.ended = true;
      this.pendingApproval?.abort();
      this.upstream?.close();
    });
    void this.start().catch((error: unknown) => {
      ctx.log('warn', 'shell channel failed', { error: error instanceof Error ? error.message : String(error) });
      this.end({ code: UPSTREAM_UNAVAILABLE_STATUS }, 'gatehouse: internal error; the shell was closed');
    });
  }

  private get pty(): boolean {
    return this.ctx.pty !== undefined;
  }

  resize(info: { cols: number; rows: number; width: number; height: number }): void {
    this.ctx.recorder.resize(this.ctx.channel, info.cols, info.rows);
    this.upstream?.setWindow(info.rows, info.cols, info.height, info.width);
  }

  signal(name: string): void {
    this.upstream?.signal(name.replace(/^SIG/, ''));
  }

  private async start(): Promise<void> {
    const { ctx } = this;
    let client;
    try {
      client = await ctx.upstream();
    } catch (error) {
      return this.end({ code: UPSTREAM_UNAVAILABLE_STATUS }, `gatehouse: the host behind Gatehouse is unavailable: ${error instanceof Error ? error.message : String(error)}`);
    }
    const info = ctx.pty;
    // Echo off upstream: the proxy's editor already showed what the user typed.
    const pty = { rows: info?.rows ?? 24, cols: info?.cols ?? 80, width: info?.width ?? 640, height: info?.height ?? 480, term: info?.term ?? 'vt100', modes: { ECHO: 0 as const } };
    client.exec(this.upstreamShell, { pty, env: ctx.env }, (error, stream) => {
      if (error) return this.end({ code: UPSTREAM_UNAVAILABLE_STATUS }, `gatehouse: the host behind Gatehouse refused the shell: ${error.message}`);
      if (this.ended) {
        stream.close();
        return;
      }
      this.upstream = stream;
      // ssh2 channels are EventEmitters: an unheard 'error' would take the whole proxy down.
      stream.on('error', () => this.end({ code: UPSTREAM_UNAVAILABLE_STATUS }, 'gatehouse: the connection to the host failed; the shell was closed'));
      stream.stderr.on('error', () => undefined);
      const exit: ExitStatus = {};
      relay(stream, this.channel, ctx.recorder, (chunk) => ctx.recorder.output(ctx.channel, chunk));
      stream.stderr.on('data', (chunk: Buffer) => {
        ctx.recorder.output(ctx.channel, chunk);
        this.channel.write(chunk);
      });
      stream.on('exit', (code: number | null, signal?: string, coreDumped?: boolean, description?: string) => {
        if (typeof code === 'number') exit.code = code;
        else if (signal) Object.assign(exit, { signal, coreDumped, description });
      });
      stream.on('close', () => {
        if (exit.code === undefined && !exit.signal) this.end({ code: UPSTREAM_UNAVAILABLE_STATUS }, 'gatehouse: the connection to the host was lost; the shell was closed');
        else this.end(exit);
      });
      this.channel.on('data', (chunk: Buffer) => this.onInput(chunk));
      // End of the client's input is handled in order, after the lines typed before it.
      this.channel.on('end', () => this.onInput(END_OF_INPUT));
    });
  }

  private onInput(chunk: Buffer): void {
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.pendingApproval && chunk.includes(0x03)) this.pendingApproval.abort();
    if (this.queuedBytes > MAX_QUEUED_INPUT) this.channel.pause();
    if (!this.busy) void this.drain();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.queue.length > 0 && !this.ended) {
        const chunk = this.queue.shift()!;
        this.queuedBytes -= chunk.length;
        if (chunk === END_OF_INPUT) {
          // Like Ctrl-D at the prompt: the upstream shell (or the program reading) sees EOF.
          this.upstream?.write('\x04');
          continue;
        }
        for (const action of this.editor.feed(chunk)) {
          if (this.ended) return;
          await this.apply(action);
        }
        if (this.queuedBytes <= MAX_QUEUED_INPUT) this.channel.resume();
      }
    } finally {
      this.busy = false;
    }
  }

  private async apply(action: EditorAction): Promise<void> {
    const upstream = this.upstream!;
    switch (action.kind) {
      case 'echo':
        // Keystroke echo is not recorded as typed (it could spell out a secret); the
        // finished line is recorded, redacted, when Enter is pressed.
        if (this.pty) this.channel.write(action.text);
        return;
      case 'interrupt':
        this.ctx.recorder.output(this.ctx.channel, '^C\r\n');
        upstream.write('\x03');
        return;
      case 'eof':
        upstream.write('\x04');
        return;
      case 'line':
        return this.decideLine(action.line);
    }
  }

  private async decideLine(line: string): Promise<void> {
    const { ctx } = this;
    const upstream = this.upstream!;
    ctx.recorder.output(ctx.channel, `${redactText(line)}\r\n`);
    ctx.recorder.input(ctx.channel, `${line}\n`);
    if (line.trim() === '') {
      upstream.write('\n');
      return;
    }
    const approval = new AbortController();
    this.pendingApproval = approval;
    let verdict;
    try {
      verdict = await gateCommand(ctx.gate, line, 'shell', (message) => this.say(message), AbortSignal.any([ctx.signal, approval.signal]));
    } finally {
      this.pendingApproval = undefined;
    }
    await ctx.recorder.command({
      channel: ctx.channel,
      mode: 'shell',
      text: line,
      decision: verdict.decision,
      outcome: verdict.run ? 'run' : verdict.outcome,
      approval: verdict.approval,
    });
    if (this.ended || ctx.recorder.broken) return;
    if (verdict.run) {
      upstream.write(`${line}\n`);
      return;
    }
    this.say(verdict.message);
    // An empty line makes the upstream shell print a fresh prompt.
    upstream.write('\n');
  }

  /** A proxy message on the user's terminal (and in the recording). */
  private say(message: string): void {
    const text = terminalText(message, this.pty);
    this.ctx.recorder.output(this.ctx.channel, text);
    if (this.channel.writable) this.channel.write(text);
  }

  private end(status: ExitStatus, message?: string): void {
    if (this.ended) return;
    this.ended = true;
    this.pendingApproval?.abort();
    if (message) this.say(message);
    this.ctx.recorder.exit(this.ctx.channel, status.signal ? { signal: status.signal } : { code: status.code });
    void finishChannel(this.channel, status);
  }
}
