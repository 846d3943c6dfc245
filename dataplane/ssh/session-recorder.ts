import { StringDecoder } from 'node:string_decoder';
import type { AuditDraftOf, AuditSink, SessionEventJson } from '../../audit/index.ts';
import { redactText } from '../../audit/index.ts';
import type { Resource } from '../../engine/model/index.ts';
import type { DataPlaneDecision } from '../sdk/index.ts';

export interface SshRecorderOptions {
  sink: AuditSink;
  sessionId: string;
  resource: Resource;
  /** When true (the default of --audit-required), a failed append ends the session. */
  required: boolean;
  /** Called once when a required event cannot be written. */
  onFailure: (error: unknown) => void;
  /** Output is coalesced for this long into one event (default 20 ms). */
  chunkMs?: number;
  /** An output event never holds more than this many characters (default 64 KiB). */
  maxChunkChars?: number;
}

/** Past this many bytes not yet written, sources are asked to pause (see whenWritable). */
const BACKLOG_LIMIT = 4 * 1024 * 1024;

type FrameCode = 'o' | 'i' | 'r';
const KIND: Record<FrameCode, string> = { o: 'output', i: 'input', r: 'resize' };

interface PendingFrame {
  code: FrameCode;
  channel: number;
  t: number;
  text: string;
}

/**
 * Records one SSH connection as ordered `gatehouse.session.v1` events keyed by the session id:
 * `start`, `pty`, asciicast frames (`output` "o", `input` "i", `resize` "r", each with `t`
 * seconds since the start and a `channel`), one `command` event per decided command, `end`.
 * Every event carries `sequence` (1, 2, ...) and events are handed to the sink in that order.
 * `renderAsciicast` (asciicast.ts) turns them back into an asciicast v2 file.
 */
export class SshSessionRecorder {
  private sequence = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly startNs = process.hrtime.bigint();
  private pending: PendingFrame | undefined;
  private timer: NodeJS.Timeout | undefined;
  private backlog = 0;
  private waiters: (() => void)[] = [];
  private failed = false;
  private readonly decoders = new Map<string, StringDecoder>();

  constructor(private readonly o: SshRecorderOptions) {}

  get broken(): boolean {
    return this.failed && this.o.required;
  }

  start(details: { user: string; clientAddress: string; connectDecisionId: string; subject?: string }): Promise<void> {
    return this.event({ kind: 'start', width: 80, height: 24, ...details });
  }

  pty(channel: number, info: { cols: number; rows: number; term: string }): void {
    void this.event({ kind: 'pty', channel, width: info.cols, height: info.rows, term: info.term });
  }

  /** Bytes the client's terminal receives on a channel (host output, proxy messages, echo). */
  output(channel: number, bytes: Buffer | string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    const text = typeof bytes === 'string' ? bytes : this.decoder(channel, stream).write(bytes);
    if (text) this.frame('o', channel, text);
  }

  /** What the user entered, as decided (redacted). */
  input(channel: number, text: string): void {
    this.frame('i', channel, redactText(text));
  }

  resize(channel: number, cols: number, rows: number): void {
    this.frame('r', channel, `${cols}x${rows}`);
  }

  command(run: {
    channel: number;
    mode: 'exec' | 'shell';
    text: string;
    decision: DataPlaneDecision;
    outcome: 'run' | 'denied' | 'approval-refused';
    approval?: string;
  }): Promise<void> {
    const data: SessionEventJson = {
      kind: 'command',
      channel: run.channel,
      mode: run.mode,
      text: redactText(run.text),
      decisionId: run.decision.decisionId,
      effect: run.decision.effect,
      reasons: run.decision.reasons.map(redactText),
      policyRevision: run.decision.policyRevision,
      outcome: run.outcome,
    };
    if (run.decision.approvalId) data.approvalId = run.decision.approvalId;
    if (run.approval) data.approval = run.approval;
    return this.event(data);
  }

  exit(channel: number, status: { code?: number; signal?: string }): void {
    void this.event({ kind: 'exit', channel, ...status });
  }

  async end(reason: string): Promise<void> {
    await this.event({ kind: 'end', reason });
  }

  /** Resolves when the backlog of unwritten events is small enough to accept more output. */
  whenWritable(): Promise<void> {
    if (this.backlog < BACKLOG_LIMIT) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get congested(): boolean {
    return this.backlog >= BACKLOG_LIMIT;
  }

  private decoder(channel: number, stream: string): StringDecoder {
    const key = `${channel}:${stream}`;
    let decoder = this.decoders.get(key);
    if (!decoder) this.decoders.set(key, (decoder = new StringDecoder('utf8')));
    return decoder;
  }

  private frame(code: FrameCode, channel: number, text: string): void {
    const max = this.o.maxChunkChars ?? 65_536;
    const pending = this.pending;
    if (pending && pending.code === code && pending.channel === channel && code !== 'r' && pending.text.length + text.length <= max) {
      pending.text += text;
      return;
    }
    this.flushFrame();
    for (let i = 0; i < text.length || i === 0; i += max) {
      this.pending = { code, channel, t: this.seconds(), text: text.slice(i, i + max) };
      if (i + max < text.length) this.flushFrame();
    }
    this.timer ??= setTimeout(() => this.flushFrame(), this.o.chunkMs ?? 20);
  }

  private flushFrame(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const frame = this.pending;
    this.pending = undefined;
    if (!frame) return;
    void this.event({ kind: KIND[frame.code], channel: frame.channel, t: frame.t, text: frame.text }, false);
  }

  /** Appends in sequence order; any non-frame event first flushes the pending frame. */
  private event(data: SessionEventJson, flush = true): Promise<void> {
    if (flush) this.flushFrame();
    const sequence = ++this.sequence;
    const draft: AuditDraftOf<'gatehouse.session.v1'> = {
      type: 'gatehouse.session.v1',
      subject: this.o.sessionId,
      data: {
        sessionId: this.o.sessionId,
        protocol: 'ssh',
        resource: { type: this.o.resource.type, id: this.o.resource.id },
        sequence,
        t: this.seconds(),
        ...data,
      },
    };
    const size = JSON.stringify(draft.data).length;
    if (this.failed && this.o.required) return Promise.resolve();
    this.backlog += size;
    // Appended at once, not one after another: the sinks write in call order and group
    // concurrent appends into one write (audit/chained-appender.ts), which keeps the
    // sequence order and lets a fast stream be recorded at disk speed.
    const written = this.o.sink.append(draft).then(
      () => undefined,
      (error: unknown) => {
        if (!this.failed) {
          this.failed = true;
          if (this.o.required) this.o.onFailure(error);
        }
      },
    );
    const settled = written.finally(() => {
      this.backlog -= size;
      if (this.backlog < BACKLOG_LIMIT) for (const wake of this.waiters.splice(0)) wake();
    });
    this.chain = Promise.all([this.chain, settled]).then(() => undefined);
    return settled;
  }

  /** Seconds since the session started, with microsecond precision. */
  private seconds(): number {
    return Math.round(Number(process.hrtime.bigint() - this.startNs) / 1000) / 1e6;
  }

  /** Waits until every event handed to the recorder has been appended (or failed). */
  async flush(): Promise<void> {
    this.flushFrame();
    await this.chain;
  }
}
