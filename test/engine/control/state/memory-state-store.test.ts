import { describe } from 'vitest';
import { MemoryStateStore } from '../../../../engine/control/state/memory-state-store.ts';
import { stateStoreContract } from './state-store-contract.ts';

describe('MemoryStateStore', () => {
  stateStoreContract(() => new MemoryStateStore());
});
