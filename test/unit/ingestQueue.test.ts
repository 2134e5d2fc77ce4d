// The ingest queue between the port and the store: a flood is applied in slices that yield, nothing is lost, doubled
// or reordered, and the store ends as it would have had it taken every batch whole.
import { describe, expect, it } from 'vitest';
import { CHUNK, IngestQueue, SLICE_MS } from '../../panel/io/ingestQueue';
import { Store } from '../../panel/store/store';
import { envelope, type BackgroundToPanel, type CaptureEvent } from '../../src/shared/protocol';
import { events, fromFrame, hello, socketLife, text } from './fixtures';
import { FakeTransport } from './lib/fakeTransport';

const frames = (n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'message' as const, direction: 'received' as const, payload: text(`f${i}`) }));

/** a clock the test moves: each call into the store costs `costPerCall` ms */
function harness(costPerCall = 1) {
  let t = 0;
  const later: (() => void)[] = [];
  const calls: { type: string; n?: number; dropped?: number }[] = [];
  const store = new Store(new FakeTransport());
  const receiver = {
    receive(msg: BackgroundToPanel, evs?: CaptureEvent[]) {
      t += costPerCall;
      const m = msg.type === 'from-frame' ? msg.message : undefined;
      calls.push({ type: m?.type ?? msg.type, n: evs?.length, dropped: m?.type === 'events' ? m.dropped : undefined });
      store.receive(msg, evs);
    },
  };
  const queue = new IngestQueue(receiver, () => t, (run) => later.push(run));
  const drain = () => {
    let tasks = 0;
    while (later.length) {
      later.shift()!();
      tasks++;
    }
    return tasks;
  };
  return { queue, store, calls, drain, later };
}

describe('IngestQueue', () => {
  it('applies a big batch in chunks over several tasks, and the store ends as if it had taken it whole', () => {
    const h = harness(1);
    const whole = new Store(new FakeTransport());
    const batch = fromFrame(events('d1', [...socketLife(), ...frames(5000)], 0, 7));
    whole.receive(fromFrame(hello('d1')));
    whole.receive(batch);

    h.queue.push(fromFrame(hello('d1')));
    h.queue.push(batch);
    // the first slice ran in the push's own task, and stopped at its budget
    const inFirst = h.calls.filter((c) => c.type === 'events').length;
    expect(inFirst).toBeGreaterThan(0);
    expect(inFirst).toBeLessThanOrEqual(SLICE_MS);
    expect(h.later.length).toBe(1);
    const tasks = h.drain();
    expect(tasks).toBeGreaterThan(1);
    expect(h.queue.backlog).toBe(0);

    const chunks = h.calls.filter((c) => c.type === 'events');
    expect(chunks.reduce((n, c) => n + (c.n ?? 0), 0)).toBe(5004);
    expect(Math.max(...chunks.map((c) => c.n ?? 0))).toBe(CHUNK);
    // the page's count of dropped events is counted once, with the first chunk
    expect(chunks.map((c) => c.dropped)).toEqual([7, ...chunks.slice(1).map(() => 0)]);
    expect(h.store.log.droppedInPage).toBe(7);
    expect(h.store.log.frames.map((f) => f.seq)).toEqual(whole.log.frames.map((f) => f.seq));
    expect(h.store.counts()).toEqual(whole.counts());
  });

  it('keeps arrival order: a message behind a batch waits for the whole batch', () => {
    const h = harness(1);
    h.queue.push(fromFrame(hello('d1')));
    h.queue.push(fromFrame(events('d1', [...socketLife(), ...frames(3000)])));
    h.queue.push(envelope({ type: 'frame-gone' as const, frameId: 0, docId: 'd1' }));
    h.drain();
    const order = h.calls.map((c) => c.type);
    expect(order[0]).toBe('hello');
    expect(order.at(-1)).toBe('frame-gone');
    expect(order.slice(1, -1).every((t) => t === 'events')).toBe(true);
  });

  it('applies a quiet stream at once, in the message’s own task', () => {
    const h = harness(0.01);
    h.queue.push(fromFrame(hello('d1')));
    h.queue.push(fromFrame(events('d1', socketLife())));
    expect(h.later.length).toBe(0);
    expect(h.store.log.frames.length).toBe(4);
  });

  it('counts an empty batch’s dropped events', () => {
    const h = harness(1);
    h.queue.push(fromFrame(hello('d1')));
    h.queue.push(fromFrame(events('d1', [], 0, 12)));
    expect(h.store.log.droppedInPage).toBe(12);
  });

  it('goes on with the rest when the store throws on one message', () => {
    let t = 0;
    const later: (() => void)[] = [];
    const seen: string[] = [];
    const queue = new IngestQueue(
      {
        receive(msg) {
          t += 20;
          const type = msg.type === 'from-frame' ? msg.message.type : msg.type;
          seen.push(type);
          if (type === 'hello') throw new Error('bad');
        },
      },
      () => t,
      (run) => later.push(run),
    );
    // a batch of two chunks: its first slice is over budget, so what follows waits in the queue
    queue.push(fromFrame(events('d1', frames(2 * CHUNK))));
    queue.push(fromFrame(hello('d1')));
    queue.push(envelope({ type: 'frame-gone' as const, frameId: 0, docId: 'd1' }));
    expect(seen).toEqual(['events']);
    expect(() => {
      while (later.length) later.shift()!();
    }).toThrow('bad');
    while (later.length) later.shift()!();
    expect(seen).toEqual(['events', 'events', 'hello', 'frame-gone']);
  });
});
