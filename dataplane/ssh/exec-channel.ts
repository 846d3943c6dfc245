import type { ClientChannel, ServerChannel } from 'ssh2';
import { gateCommand } from './command-gate.ts';
import { DENIED_STATUS, UPSTREAM_UNAVAILABLE_STATUS, type ChannelContext, type ChannelHandler } from './channel-context.ts';
import { finishChannel, relay, terminalText, type ExitStatus } from './channel-io.ts';

/**
 * One `exec` request: the whole command line is decided as `ssh.exec` before anything reaches
 * the host. Denied → a message on stderr and exit status 126. Held for approval → a message
 * naming the approval, then run or refused. Allowed → run upstream with the same pty (if
 * any), streaming stdin, stdout, stderr, exit status or signal with backpressure. Stdin of
 * an allowed command is passed through as data, not decided line by line.
 */
export class ExecChannel implements ChannelHandler {
  private upstream: ClientChannel | undefined;

  constructor(
    private readonly ctx: ChannelContext,
    private readonly channel: ServerChannel,
    private readonly command: string,
  ) {
    channel.on('error', () => this.upstream?.close());
    channel.on('close', () => this.upstream?.close());
    void this.start().catch((error: unknown) => {
      ctx.log('warn', 'exec channel failed', { error: error instanceof Error ? error.message : String(error) });
      this.refuse(`gatehouse: internal error; the command was not run`, UPSTREAM_UNAVAILABLE_STATUS);
    });
  }

  resize(info: { cols: number; rows: number; width: number; height: number }): void {
    this.ctx.recorder.resize(this.ctx.channel, info.cols, info.rows);
    this.upstream?.setWindow(info.rows, info.cols, info.height, info.width);
  }

  signal(name: string): void {
    this.upstream?.signal(name.replace(/^SIG/, ''));
  }

  private async start(): Promise<void> {
    const { ctx, channel } = this;
    const pty = ctx.pty !== undefined;
    const verdict = await gateCommand(ctx.gate, this.command, 'exec', (message) => this.stderr(message), ctx.signal);
    await ctx.recorder.command({
      channel: ctx.channel,
      mode: 'exec',
      text: this.command,
      decision: verdict.decision,
      outcome: verdict.run ? 'run' : verdict.outcome,
      approval: verdict.approval,
    });
    if (ctx.signal.aborted || ctx.recorder.broken) return;
    if (!verdict.run) return this.refuse(verdict.message, DENIED_STATUS);
    let client;
    try {
      client = await ctx.upstream();
    } catch (error) {
      return this.refuse(`gatehouse: the host behind Gatehouse is unavailable: ${error instanceof Error ? error.message : String(error)}`, UPSTREAM_UNAVAILABLE_STATUS);
    }
    const options = pty
      ? { pty: { rows: ctx.pty!.rows, cols: ctx.pty!.cols, width: ctx.pty!.width, height: ctx.pty!.height, term: ctx.pty!.term }, env: ctx.env }
      : { env: ctx.env };
    client.exec(this.command, options, (error, stream) => {
      if (error) return this.refuse(`gatehouse: the host behind Gatehouse refused the command: ${error.message}`, UPSTREAM_UNAVAILABLE_STATUS);
      if (channel.destroyed || !channel.writable) {
        stream.close();
        return;
      }
      this.upstream = stream;
      // ssh2 channels are EventEmitters: an unheard 'error' would take the whole proxy down.
      stream.on('error', () => channel.close());
      stream.stderr.on('error', () => channel.close());
      this.pipe(stream);
    });
  }

  private pipe(stream: ClientChannel): void {
    const { ctx, channel } = this;
    const exit: ExitStatus = {};
    relay(stream, channel, ctx.recorder, (chunk) => ctx.recorder.output(ctx.channel, chunk, 'stdout'));
    relay(stream.stderr, channel.stderr, ctx.recorder, (chunk) => ctx.recorder.output(ctx.channel, chunk, 'stderr'));
    relay(channel, stream, ctx.recorder, () => undefined);
    channel.on('end', () => stream.end());
    stream.on('exit', (code: number | null, signal?: string, coreDumped?: boolean, description?: string) => {
      if (typeof code === 'number') exit.code = code;
      else if (signal) Object.assign(exit, { signal, coreDumped, description });
    });
    stream.on('close', () => {
      if (exit.code === undefined && !exit.signal) {
        this.stderr('gatehouse: the connection to the host was lost before the command finished');
        exit.code = UPSTREAM_UNAVAILABLE_STATUS;
      }
      ctx.recorder.exit(ctx.channel, exit.signal ? { signal: exit.signal } : { code: exit.code });
      void finishChannel(channel, exit);
    });
  }

  private stderr(message: string): void {
    const text = terminalText(message, this.ctx.pty !== undefined);
    this.ctx.recorder.output(this.ctx.channel, text, 'stderr');
    if (this.channel.writable) this.channel.stderr.write(text);
  }

  private refuse(message: string, status: number): void {
    this.stderr(message);
    this.ctx.recorder.exit(this.ctx.channel, { code: status });
    void finishChannel(this.channel, { code: status });
  }
}
