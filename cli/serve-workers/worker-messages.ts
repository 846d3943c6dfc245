import type { AuditEvent, AuditEventDraft } from '../../audit/index.ts';

/**
 * What the `serve --workers N` processes tell each other over the cluster IPC channel. Every
 * type is prefixed so the messages never meet prom-client's own metric requests on the channel.
 */

/** Worker → primary: append this draft to the one audit chain; the answer carries `id`. */
export interface AuditAppendRequest {
  type: 'gatehouse:audit-append';
  id: number;
  draft: AuditEventDraft;
}

/**
 * Primary → worker: the event as written without its `data` (a sink writes the draft's data as
 * it is, and the worker still holds it: sending it back would copy it a second time), or why it
 * could not be written.
 */
export type AuditAppendResult =
  | { type: 'gatehouse:audit-result'; id: number; envelope: Omit<AuditEvent, 'data'> }
  | { type: 'gatehouse:audit-result'; id: number; error: string };

/** Worker → primary: listening and a bundle is active. */
export interface WorkerReady {
  type: 'gatehouse:worker-ready';
  address: string;
}

/** Primary → worker: reload the bundle now (the primary received SIGHUP). */
export interface ReloadRequest {
  type: 'gatehouse:reload';
}

/** Primary → worker: shut down gracefully (the primary received SIGTERM or SIGINT). */
export interface StopRequest {
  type: 'gatehouse:stop';
}

export type WorkerToPrimary = AuditAppendRequest | WorkerReady;
export type PrimaryToWorker = AuditAppendResult | ReloadRequest | StopRequest;

function hasType(message: unknown): message is { type: unknown } {
  return typeof message === 'object' && message !== null && 'type' in message;
}

export function isWorkerMessage(message: unknown): message is WorkerToPrimary {
  return hasType(message) && (message.type === 'gatehouse:audit-append' || message.type === 'gatehouse:worker-ready');
}

export function isPrimaryMessage(message: unknown): message is PrimaryToWorker {
  return hasType(message) && (message.type === 'gatehouse:audit-result' || message.type === 'gatehouse:reload' || message.type === 'gatehouse:stop');
}

/** Environment variable that marks a forked process as worker N of `serve --workers`. */
export const WORKER_ID_ENV = 'GATEHOUSE_SERVE_WORKER_ID';
