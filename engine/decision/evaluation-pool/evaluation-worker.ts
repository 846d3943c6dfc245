import { parentPort } from 'node:worker_threads';
import { loadBundle } from '../../testing/index.ts';
import type { Decision } from '../../model/index.ts';
import type { PreparedBundle } from '../../bundle/index.ts';
import type { FromWorker, ToWorker } from './pool-messages.ts';

/**
 * An evaluation worker: holds the prepared bundle of every live generation (normally one; two
 * during a reload) and evaluates what the service thread sends. The service thread has
 * already verified the bundle and run its decision tests; the worker checks that the file
 * still holds the same content revision instead, so a worker never evaluates another revision.
 */
const port = parentPort;
if (!port) throw new Error('evaluation-worker.ts runs only as a worker thread');

const bundles = new Map<number, PreparedBundle>();
const post = (message: FromWorker): void => port.postMessage(message);

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'load':
      void load(message.generation, message.path, message.revision);
      return;
    case 'drop':
      bundles.get(message.generation)?.close();
      bundles.delete(message.generation);
      return;
    case 'evaluate':
      post({
        type: 'evaluated',
        results: message.items.map((item) => ({ id: item.id, decision: evaluate(item.generation, item.input) })),
      });
      return;
  }
});

async function load(generation: number, path: string, revision: string): Promise<void> {
  try {
    const bundle = await loadBundle(path, { runOwnTests: false });
    if (bundle.revision !== revision) {
      bundle.close();
      throw new Error(`${path} now holds revision ${bundle.revision}, not the activated ${revision}`);
    }
    bundles.set(generation, bundle);
    post({ type: 'loaded', generation });
  } catch (error) {
    post({ type: 'loaded', generation, error: error instanceof Error ? error.message : String(error) });
  }
}

function evaluate(generation: number, input: Parameters<PreparedBundle['evaluate']>[0]): Decision {
  const bundle = bundles.get(generation);
  if (!bundle) {
    return { effect: 'deny', reasons: ['service: evaluation worker does not hold this policy revision'], obligations: {}, engines: [] };
  }
  // PreparedBundle.evaluate never throws; a throw here would be a bug, and still a deny.
  try {
    return bundle.evaluate(input);
  } catch (error) {
    return { effect: 'deny', reasons: [`service: evaluation failed: ${error instanceof Error ? error.message : String(error)}`], obligations: {}, engines: [] };
  }
}
