import type { JournalPosition } from './journal.ts';

const SEQUENCE = 0;
const SEGMENT = 1;
const OFFSET_HIGH = 2;
const OFFSET_LOW = 3;
const WAITING = 4;
const SLOTS = 5;

/**
 * The journal's end (active segment and size), published by the appending thread in shared
 * memory so that an append costs it a few stores, not a message per append. The shipper thread
 * reads it when it reads the journal; only when it is idle does it ask (the `waiting` flag) for
 * a message at the next append. One writer; a sequence number makes reads consistent.
 */
export class SharedJournalEnd {
  readonly #slots: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT)) {
    this.#slots = new Int32Array(buffer);
  }

  /** Appending thread only. */
  publish(end: JournalPosition): void {
    const slots = this.#slots;
    Atomics.add(slots, SEQUENCE, 1); // odd: being written
    Atomics.store(slots, SEGMENT, end.segment);
    Atomics.store(slots, OFFSET_HIGH, Math.floor(end.offset / 2 ** 31));
    Atomics.store(slots, OFFSET_LOW, end.offset % 2 ** 31);
    Atomics.add(slots, SEQUENCE, 1);
  }

  read(): JournalPosition {
    const slots = this.#slots;
    for (;;) {
      const before = Atomics.load(slots, SEQUENCE);
      if (before % 2 === 1) continue;
      const segment = Atomics.load(slots, SEGMENT);
      const offset = Atomics.load(slots, OFFSET_HIGH) * 2 ** 31 + Atomics.load(slots, OFFSET_LOW);
      if (Atomics.load(slots, SEQUENCE) === before) return { segment, offset };
    }
  }

  /** Shipper thread: wake me at the next append. */
  setWaiting(): void {
    Atomics.store(this.#slots, WAITING, 1);
  }

  /** Appending thread: true (once) when the shipper asked to be woken. */
  takeWaiting(): boolean {
    return Atomics.compareExchange(this.#slots, WAITING, 1, 0) === 1;
  }
}
