import { MemoryStateStore } from './memory-state-store.ts';
import { PostgresStateStore } from './postgres-state-store.ts';
import type { StateStore } from './state-store.ts';
import { StateStoreError } from './state-store.ts';

/** `--state memory | postgres://…`: the one place a state store implementation is chosen. */
export async function createStateStore(spec: string): Promise<StateStore> {
  if (spec === 'memory') return new MemoryStateStore();
  if (spec.startsWith('postgres://') || spec.startsWith('postgresql://')) return PostgresStateStore.connect(spec);
  throw new StateStoreError(`unknown --state '${spec}': use 'memory' or a postgres://… URL`);
}
