import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { AuditLogger } from './audit-logger.ts';
import { JournalReader } from './journal-reader.ts';
import { KafkaShipper } from './kafka-shipper.ts';
import type { FromShipper, ShipperWorkerInit, ToShipper } from './shipper-messages.ts';

// The shipper thread: the Kafka client (record encoding, CRCs, gzip) and the journal reads
// run here, so the service thread only appends to the journal. Started by ShipperThread.
if (!parentPort) throw new Error('audit/shipper-worker.ts runs only as a worker thread');
const port = parentPort;
const init = workerData as ShipperWorkerInit;
const post = (message: FromShipper): void => port.postMessage(message);

const logger: AuditLogger = {
  info: (object, message) => post({ type: 'log', level: 'info', object, message }),
  warn: (object, message) => post({ type: 'log', level: 'warn', object, message }),
  error: (object, message) => post({ type: 'log', level: 'error', object, message }),
};
/** Linux nice value of the shipper thread (the service thread keeps the process's, normally 0). */
const SHIPPER_NICENESS = 10;
lowerThreadPriority();
const reader = new JournalReader(init.dir, init.end);
const shipper = new KafkaShipper(reader, {
  kafka: init.kafka,
  logger,
  start: init.start,
  batchBytes: init.batchBytes,
  lingerMs: init.lingerMs,
  compressMinBytes: init.compressMinBytes,
  pollMs: init.pollMs,
  onAcknowledged: (next, shipped) => post({ type: 'acknowledged', next, shipped }),
  onFailure: (error, failures) => post({ type: 'failure', error, failures }),
});

port.on('message', (message: ToShipper) => {
  switch (message.type) {
    case 'appended':
      shipper.appended();
      break;
    case 'flushing':
      shipper.flushing(message.delta);
      break;
    case 'stop':
      void shipper
        .stop()
        .then(() => reader.close())
        .finally(() => {
          post({ type: 'stopped' });
          port.close();
        });
      break;
  }
});
shipper.start();
// the modules are loaded (the Kafka client compiles its option schemas at import, a second or more on a busy host)
post({ type: 'ready' });

/**
 * On a busy machine the service thread should win the core: decisions wait, the journal does
 * not mind (it absorbs what is not shipped yet). Linux applies setpriority to a thread id; where
 * the thread id cannot be found, the thread keeps the process's priority.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(/\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]);
    if (Number.isSafeInteger(tid) && tid > 0) setPriority(tid, SHIPPER_NICENESS);
  } catch {
    // not Linux, or not allowed: same priority as the service thread
  }
}
