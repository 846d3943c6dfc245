import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { ServerChannel } from 'ssh2';
import type { SshSessionRecorder } from './session-recorder.ts';

export interface ExitStatus {
  code?: number;
  /** Signal name as ssh2 reports it (`SIGTERM`). */
  signal?: string;
  coreDumped?: boolean;
  description?: string;
}

/**
 * Copies `source` to `dest` chunk by chunk with backpressure: the source pauses while the
 * destination's buffer is full (the SSH channel window is exhausted) or while the recorder's
 * backlog is too large, so a slow client or a slow audit sink throttles the host instead of
 * growing memory. `tap` sees every chunk before it is written (recording).
 */
export function relay(source: Readable, dest: Writable, recorder: SshSessionRecorder, tap: (chunk: Buffer) => void): void {
  source.on('data', (chunk: Buffer) => {
    tap(chunk);
    const accepted = dest.write(chunk);
    if (accepted && !recorder.congested) return;
    source.pause();
    const waits: Promise<unknown>[] = [recorder.whenWritable()];
    if (!accepted) waits.push(once(dest, 'drain'));
    void Promise.all(waits)
      .catch(() => undefined)
      .then(() => source.resume());
  });
}

/** Resolves once a writable has handed all buffered data to the SSH layer. */
async function drained(stream: Writable): Promise<void> {
  while (stream.writableLength > 0 && !stream.destroyed && stream.writable) {
    await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
  }
}

/**
 * Ends a server channel with an exit status. ssh2 sends exit-status immediately while data
 * may still wait for window space, so buffered stdout/stderr is flushed first; otherwise the
 * client could see the exit before the last output.
 */
export async function finishChannel(channel: ServerChannel, status: ExitStatus): Promise<void> {
  try {
    await Promise.all([drained(channel), drained(channel.stderr)]);
  } catch {
    // the client went away; nothing left to tell it
  }
  try {
    if (status.signal) channel.exit(status.signal, status.coreDumped ?? false, status.description ?? '');
    else channel.exit(status.code ?? 255);
  } catch {
    // an unknown signal name: report a failure status instead
    channel.exit(255);
  }
  channel.end();
}

/** Writes a proxy message to the client: CRLF on a terminal, LF otherwise. */
export function terminalText(message: string, pty: boolean): string {
  const text = message.replace(/\r\n/g, '\n');
  return (pty ? text.replace(/\n/g, '\r\n') : text) + (pty ? '\r\n' : '\n');
}
