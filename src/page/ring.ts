/**
 * The page-side ring of recent events. Recording an event costs one slot write; nothing is encoded or posted
 * unless a panel is subscribed. The ring lets a panel that opens late, or reconnects after the MV3 service worker
 * was stopped, replay what it missed (`since` = the last seq it has), and tells it how many events fell out.
 * Bounded by count and by the bytes of payload it keeps alive.
 */
import type { RawData } from './encode';

export interface Entry {
  seq: number;
  /** the event minus its payload; the payload is encoded from `raw` only when it leaves the page */
  event: Record<string, unknown>;
  raw?: RawData;
  rawBytes: number;
  /** bytes of a Blob, once read */
  blobBytes?: Uint8Array;
  blobReading?: boolean;
}

export class Ring {
  private readonly slots: (Entry | undefined)[];
  /** oldest seq still held */
  first = 0;
  /** seq the next entry will get */
  next = 0;
  private bytes = 0;
  /** called for each entry pushed out, so the reader can count what it never saw */
  onEvict: (seq: number) => void = () => {};

  constructor(
    readonly capacity: number,
    readonly byteBudget: number,
  ) {
    this.slots = new Array(capacity);
  }

  push(event: Record<string, unknown>, raw?: RawData, rawBytes = 0): Entry {
    if (this.next - this.first >= this.capacity) this.evictOldest();
    const entry: Entry = { seq: this.next, event, raw, rawBytes };
    event.seq = this.next;
    this.slots[this.next % this.capacity] = entry;
    this.next++;
    this.bytes += rawBytes;
    // keep at least the newest entry, however big: a 10 MB frame must still be fetchable
    while (this.bytes > this.byteBudget && this.next - this.first > 1) this.evictOldest();
    return entry;
  }

  get(seq: number): Entry | undefined {
    if (seq < this.first || seq >= this.next) return undefined;
    return this.slots[seq % this.capacity];
  }

  private evictOldest(): void {
    const idx = this.first % this.capacity;
    const old = this.slots[idx];
    if (old) this.bytes -= old.rawBytes;
    this.slots[idx] = undefined;
    this.onEvict(this.first);
    this.first++;
  }
}
