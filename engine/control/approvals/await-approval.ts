import type { ApprovalRecord, StateStore } from '../state/state-store.ts';

export interface ApprovalUpdate {
  approval: ApprovalRecord;
  /** True for the last update: approved, denied or expired. */
  final: boolean;
  /** The minted scoped token, only for the identity that asked for it. */
  token?: string;
}

/** Notifications wake the waiter at once; this slow re-read covers a lost LISTEN connection. */
const POLL_MS = 5_000;

/**
 * Yields the approval's state when first read and whenever it changes, ending after the final
 * state. Wakes on a store notification (any replica), at the approval's expiry, or on the slow
 * re-read; ends early without a final update when `signal` aborts.
 */
export async function* awaitApprovalUpdates(options: {
  id: string;
  store: StateStore;
  signal: AbortSignal;
  clock: () => Date;
  /** Reads the record, expiring it when due. */
  read: () => Promise<ApprovalRecord>;
  tokenFor: (record: ApprovalRecord) => Promise<string | undefined>;
}): AsyncGenerator<ApprovalUpdate> {
  const { id, store, signal } = options;
  let changed = false;
  let wake: (() => void) | undefined;
  const unsubscribe = store.subscribe((change) => {
    if (change.kind === 'approval' && change.id === id) {
      changed = true;
      wake?.();
    }
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    let lastStatus: string | undefined;
    while (!signal.aborted) {
      changed = false;
      const record = await options.read();
      const final = record.status !== 'pending';
      if (record.status !== lastStatus) {
        lastStatus = record.status;
        const update: ApprovalUpdate = { approval: record, final };
        if (final) {
          const token = await options.tokenFor(record);
          if (token) update.token = token;
        }
        yield update;
      }
      if (final) return;
      if (changed || signal.aborted) continue;
      const untilExpiry = Date.parse(record.expiresAt) - options.clock().getTime();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, Math.min(POLL_MS, untilExpiry + 5)));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', onAbort);
  }
}
