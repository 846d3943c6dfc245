import type { Client, PseudoTtyInfo } from 'ssh2';
import type { CommandGateOptions } from './command-gate.ts';
import type { SshSessionRecorder } from './session-recorder.ts';

export type SshLog = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;

/** What an exec or shell channel needs from its connection. */
export interface ChannelContext {
  /** The channel's number within the session recording. */
  channel: number;
  gate: CommandGateOptions;
  recorder: SshSessionRecorder;
  /** The connection's upstream client (opened once per connection); rejects when the host is unavailable. */
  upstream(): Promise<Client>;
  /** Aborted when the client connection ends. */
  signal: AbortSignal;
  pty?: PseudoTtyInfo;
  env: Record<string, string>;
  log: SshLog;
}

/** Requests that arrive on a session after its channel started. */
export interface ChannelHandler {
  resize(info: { cols: number; rows: number; width: number; height: number }): void;
  signal(name: string): void;
}

export const UPSTREAM_UNAVAILABLE_STATUS = 255;
export const DENIED_STATUS = 126;
