import type { JournalPosition } from './journal.ts';
import type { KafkaConnectionOptions } from './kafka-spec.ts';

/** Sent once, as the worker's workerData. */
export interface ShipperWorkerInit {
  dir: string;
  kafka: KafkaConnectionOptions;
  start: JournalPosition;
  /** The journal's end, published by the service thread (SharedJournalEnd). */
  end: SharedArrayBuffer;
  batchBytes: number;
  lingerMs?: number;
  compressMinBytes?: number;
  pollMs?: number;
}

/** Service thread → shipper thread. */
export type ToShipper =
  | { type: 'appended' }
  | { type: 'flushing'; delta: number }
  | { type: 'stop' };

/** Shipper thread → service thread. */
export type FromShipper =
  | { type: 'ready' }
  | { type: 'acknowledged'; next: JournalPosition; shipped: Array<[string, number]> }
  | { type: 'failure'; error: string; failures: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; object: object; message: string }
  | { type: 'stopped' };
