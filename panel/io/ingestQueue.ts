/**
 * Between the port and the store. Under a flood the page's batches carry a thousand events or more, and applying one
 * whole (decode, reduce, filter, append to the view) was one task of 30–45 ms on the benchmark's 2-core machine
 * (`bench/profile.mjs`, a 100,000-frame burst): the panel could neither render nor answer a key in the meantime.
 * The queue applies batches in chunks and gives the thread back once a slice has used its budget, so rendering and
 * input run between slices. Every message goes through it, in arrival order: an answer or a `frame-gone` never
 * overtakes the events sent before it.
 */
import { decodeEvents, type BackgroundToPanel, type CaptureEvent } from '../../src/shared/protocol';

/** How long one slice may apply events before it yields: well under the 50 ms of a long task, with room for a render. */
export const SLICE_MS = 8;
/** Events per call into the store: small enough that one call stays a fraction of a slice. */
export const CHUNK = 200;

export interface Receiver {
  receive(msg: BackgroundToPanel, events?: CaptureEvent[]): void;
}

interface Pending {
  msg: BackgroundToPanel;
  /** an events batch, decoded once when it reaches the head of the queue */
  events?: CaptureEvent[];
  /** how many of them the store has */
  done: number;
}

/** A task soon, after rendering and input had their turn. A MessageChannel task is not clamped as nested timers are. */
function macrotask(): (run: () => void) => void {
  const channel = new MessageChannel();
  let queued: (() => void) | undefined;
  channel.port1.onmessage = () => {
    const run = queued;
    queued = undefined;
    run?.();
  };
  return (run) => {
    queued = run;
    channel.port2.postMessage(0);
  };
}

export class IngestQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  /** time spent applying, decoding included: the benchmark's ingest rate is frames over this */
  busyMs = 0;

  constructor(
    private receiver: Receiver,
    private now: () => number = () => performance.now(),
    private later: (run: () => void) => void = macrotask(),
  ) {}

  /** how many messages wait to be applied, in part or whole (0: the store has everything that came) */
  get backlog(): number {
    return this.pending.length;
  }

  push(msg: BackgroundToPanel): void {
    this.pending.push({ msg, done: 0 });
    // the first message after a quiet spell is applied at once, in its own task: no added latency
    if (!this.scheduled) this.run();
  }

  private run = (): void => {
    this.scheduled = false;
    const start = this.now();
    try {
      this.slice(start);
    } finally {
      this.busyMs += this.now() - start;
      // a message the store threw on is gone (the error goes on to the port's listener); the rest still follow
      if (!this.scheduled && this.pending.length) {
        this.scheduled = true;
        this.later(this.run);
      }
    }
  };

  private slice(start: number): void {
    while (this.pending.length) {
      const head = this.pending[0];
      const m = head.msg.type === 'from-frame' ? head.msg.message : undefined;
      if (head.msg.type !== 'from-frame' || m?.type !== 'events') {
        this.pending.shift();
        this.receiver.receive(head.msg);
      } else {
        const events = (head.events ??= decodeEvents(m));
        // a batch of none still counts: its `dropped` and `fault` reach the store
        do {
          const from = head.done;
          head.done = Math.min(events.length, from + CHUNK);
          // (taken off the queue before the store sees it: a chunk the store throws on is not applied again)
          if (head.done >= events.length) this.pending.shift();
          // the batch's counts go with its first chunk only
          const part = from === 0 ? head.msg : { ...head.msg, message: { ...m, dropped: 0, fault: undefined } };
          this.receiver.receive(part, events.slice(from, head.done));
        } while (head.done < events.length && this.now() - start < SLICE_MS);
      }
      if (this.now() - start >= SLICE_MS) return;
    }
  }
}
