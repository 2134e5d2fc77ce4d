/**
 * The page-side ring of recent events. Recording an event costs a few slot writes (parallel arrays: no object
 * per entry); nothing is encoded or posted unless a panel is subscribed. The ring lets a panel that opens late, or
 * reconnects after the MV3 service worker was stopped, replay what it missed (`since` = the last seq it has), and
 * tells it how many events fell out. Bounded by count and by the bytes of payload it keeps alive.
 */
import type { RawData } from './encode';
import { nullArray } from './natives';

export class Ring {
  /** the event minus its payload; the payload is encoded from `raw` only when it leaves the page */
  readonly events: (Record<string, unknown> | undefined)[];
  readonly raws: (RawData | undefined)[];
  private readonly sizes: number[];
  /** bytes of a Blob, once read (Blobs can only be read asynchronously) */
  readonly blobBytes: (Uint8Array | undefined)[];
  readonly blobReading: boolean[];
  /** oldest seq still held */
  first = 0;
  /** seq the next entry will get */
  next = 0;
  private bytes = 0;
  /** called for each entry pushed out, so the reader can count what it never saw */
  onEvict: (seq: number) => void = () => {};

  constructor(
    readonly capacity: number,
    /** bytes of payload kept alive; may be raised later (see the hook: small until a panel first subscribes) */
    public byteBudget: number,
  ) {
    // no prototypes: a slot not written yet is a hole, and a hole is looked up on Array.prototype otherwise
    this.events = nullArray(capacity);
    this.raws = nullArray(capacity);
    this.sizes = nullArray(capacity);
    this.blobBytes = nullArray(capacity);
    this.blobReading = nullArray(capacity);
    for (let i = 0; i < capacity; i++) {
      this.sizes[i] = 0;
      this.blobReading[i] = false;
    }
  }

  push(event: Record<string, unknown>, raw?: RawData, rawBytes = 0): number {
    if (this.next - this.first >= this.capacity) this.evictOldest();
    const seq = this.next++;
    const slot = seq % this.capacity;
    event.seq = seq;
    this.events[slot] = event;
    this.raws[slot] = raw;
    this.sizes[slot] = rawBytes;
    this.blobBytes[slot] = undefined;
    this.blobReading[slot] = false;
    this.bytes += rawBytes;
    // keep at least the newest entry, however big: a 10 MB frame must still be fetchable
    while (this.bytes > this.byteBudget && this.next - this.first > 1) this.evictOldest();
    return seq;
  }

  /** the slot of `seq`, or -1 when it is not (or no longer) held */
  slot(seq: number): number {
    return seq < this.first || seq >= this.next ? -1 : seq % this.capacity;
  }

  rawBytes(slot: number): number {
    return this.sizes[slot];
  }

  private evictOldest(): void {
    const slot = this.first % this.capacity;
    this.bytes -= this.sizes[slot];
    this.events[slot] = undefined;
    this.raws[slot] = undefined;
    this.blobBytes[slot] = undefined;
    this.sizes[slot] = 0;
    this.onEvict(this.first);
    this.first++;
  }
}
