/**
 * Recording: every event of every socket goes into the ring (cheap), and only while a DevTools panel is subscribed
 * is it encoded and posted, in batches of about 16 ms. Also the hook's faults (it never throws into the page: what
 * goes wrong is counted and told to the panel) and the sampling of bufferedAmount while a socket drains.
 */
import { natives as N, bare, describeError, isArrayBuffer, nullArray } from './natives';
import { Ring } from './ring';
import { encodePayload, jsonText, rawSize, type RawData } from './encode';
import { PROTOCOL_VERSION, SOURCE, TEXT_PREVIEW_CHARS, type CaptureEvent, type HandlerRun, type PageToPanel, type Payload } from '../shared/protocol';
import type { LensSocket, SocketTable } from './socket';
import type { Dom } from './dom';

const RING_CAPACITY = 50_000;
/** payload bytes the ring keeps once a panel has watched this document */
const RING_BYTES = 64 * 1024 * 1024;
/**
 * ...and before: most tabs never open DevTools, and every frame of every tab pays for the early-capture promise.
 * 8 MB keeps the last few thousand frames of a busy binary socket (and all of a chatty text one) for a panel that
 * opens late, without holding 64 MB of payload per frame in tabs nobody inspects.
 */
const RING_BYTES_UNWATCHED = 8 * 1024 * 1024;
const FLUSH_MS = 16;
/** flush at once when this many events wait, so a flood does not build one huge message */
const FLUSH_EARLY = 4096;
/** cap one posted message, by events and by preview bytes */
const BATCH_EVENTS = 2000;
const BATCH_BYTES = 2 * 1024 * 1024;

type Kind = CaptureEvent['kind'];
/**
 * An event as the hook fills it in: the recorder stamps `sid`, `seq` and the times, and the payload is encoded from
 * the raw data only when the event leaves the page. Typed by kind, so a misspelled field does not compile.
 */
export type Draft<K extends Kind = Kind> = K extends Kind ? Omit<Extract<CaptureEvent, { kind: K }>, 'seq' | 'sid' | 'mono' | 'time' | 'payload'> : never;

/** A new event of `kind` (prototype-less, see natives.ts `bare`), for the caller to fill in. */
export function draft<K extends Kind>(kind: K): Draft<K> {
  const e = bare<Draft<K> & { kind: K }>();
  e.kind = kind;
  return e;
}

/** What the recorder posts through: the link to the content bridge. */
export type Post = (msg: PageToPanel) => void;

export function createRecorder(docId: string, sockets: SocketTable, dom: Dom, post: Post) {
  const ring = new Ring(RING_CAPACITY, RING_BYTES_UNWATCHED);
  let subscribed = false;
  /** next seq to post to the subscriber */
  let cursor = 0;
  let dropped = 0;
  ring.onEvict = (seq) => {
    if (subscribed && seq >= cursor) {
      dropped++;
      cursor = seq + 1;
    }
  };

  let faults = 0;
  let lastFault = '';
  /** An exception in one of the hook's listeners, timers or commands: counted and told, never thrown to the page. */
  function fault(err: unknown): void {
    faults++;
    lastFault = describeError(err);
    if (subscribed) schedule(false);
  }

  /** Returns the event's seq. `time` (wall clock) is derived from `mono` when the event leaves the page. */
  function record(sid: number, event: Draft, raw?: RawData): number {
    const e = event as unknown as Record<string, unknown>;
    e.sid = sid;
    e.mono = N.perfNow();
    const seq = ring.push(e, raw, raw === undefined ? 0 : rawSize(raw));
    if (subscribed) schedule(ring.next - cursor >= FLUSH_EARLY);
    return seq;
  }

  /** What the panel asked the page to record beyond the frames (`page-options`); reset when it unsubscribes. */
  const options = bare<{ sendStacks: boolean; handlerTiming: boolean }>();
  options.sendStacks = false;
  options.handlerTiming = false;

  /** what must end before each flush: the handler probes' open dispatches (handler-probes.ts `settleAll`) */
  let beforeFlush: (() => void) | undefined;

  /**
   * A received frame's handler runs (handler-probes.ts): on the frame's own event while it has not left the page,
   * else as a `handled` event after it.
   */
  function annotate(sid: number, seq: number, runs: HandlerRun[], total: number): void {
    // not posted yet (an event the ring evicts unposted moves the cursor past it, see onEvict): set in place
    const slot = seq >= cursor ? ring.slot(seq) : -1;
    if (slot >= 0) return setRuns(ring.events[slot] as Draft<'message'>, runs, total);
    if (!subscribed) return;
    const handled = draft('handled');
    handled.ref = seq;
    setRuns(handled, runs, total);
    record(sid, handled);
  }
  /** The common case, one listener that neither threw nor stopped the others, travels as its name alone. */
  function setRuns(e: Draft<'message'> | Draft<'handled'>, runs: HandlerRun[], total: number): void {
    const only = runs.length === 1 ? runs[0] : undefined;
    if (only && only.threw === undefined && only.stopped === undefined) e.handler = only.name;
    else e.handlers = runs;
    e.handlerMs = total;
  }

  /**
   * A frame the native send just took (from the page, the panel or a replay), with bufferedAmount after it, and
   * where the page called send() when the panel asked for send stacks.
   */
  function recordSent(socket: LensSocket, raw: RawData, origin?: 'panel' | 'replay', discarded?: boolean, stack?: string): void {
    const amount = socket.bufferedAmount();
    const event = draft('message');
    event.direction = 'sent';
    event.bufferedAmount = amount;
    if (origin) event.origin = origin;
    if (discarded) event.discarded = true;
    if (stack) event.stack = stack;
    record(socket.sid, event, raw);
    if (amount > 0) watchDrain(socket.sid, amount);
  }

  /** After a send the hook makes without recording a frame (traffic control's): watch it drain like any other. */
  function watchSent(socket: LensSocket): void {
    const amount = socket.bufferedAmount();
    if (amount > 0) watchDrain(socket.sid, amount);
  }

  // bufferedAmount is sampled after each send and then every tick until it drains to 0, so the panel can draw
  // backpressure over time, not a single number.
  const draining = nullArray<number>(); // sids whose bufferedAmount is above 0
  const lastBuffered = nullArray<number>();
  function watchDrain(sid: number, amount: number): void {
    for (let i = 0; i < draining.length; i++) if (draining[i] === sid) return;
    draining[draining.length] = sid;
    lastBuffered[sid] = amount;
    schedule(false);
  }
  function sampleDrains(): void {
    let keep = 0;
    for (let i = 0; i < draining.length; i++) {
      const sid = draining[i];
      const socket = sockets.get(sid);
      const amount = socket ? socket.bufferedAmount() : 0;
      if (amount !== lastBuffered[sid]) {
        lastBuffered[sid] = amount;
        const b = draft('buffered');
        b.amount = amount;
        record(sid, b);
      }
      if (amount > 0 && socket) draining[keep++] = sid;
    }
    draining.length = keep;
  }

  // ---------------------------------------------------------------- flushing
  let timer = false;
  function schedule(now: boolean): void {
    if (now) {
      flush();
      return;
    }
    if (timer) return;
    timer = true;
    N.setTimeout(tick, FLUSH_MS);
  }
  function tick(): void {
    timer = false;
    try {
      if (draining.length) sampleDrains();
      if (beforeFlush) beforeFlush();
      if (subscribed) flush();
    } catch (err) {
      fault(err);
    }
    if (draining.length) schedule(false);
  }

  /** One event as JSON: its fields, the wall-clock time and, for a frame, the encoded payload. */
  function eventJson(slot: number): string {
    const event = ring.events[slot] as Record<string, unknown>;
    const raw = ring.raws[slot];
    event.time = N.timeOrigin + (event.mono as number);
    if (raw !== undefined) event.payload = encodePayload(raw, true, ring.blobBytes[slot]);
    const json = jsonText(event);
    event.payload = undefined; // the ring keeps the raw data, not the encoded copy
    return json;
  }

  function events(json: string, lost: number, replay?: boolean): PageToPanel {
    return { source: SOURCE, v: PROTOCOL_VERSION, type: 'events', docId, json, dropped: lost, replay: replay || undefined, fault: faultNote() };
  }

  function flush(replay = false): void {
    while (subscribed && cursor < ring.next) {
      let json = '[';
      let count = 0;
      let bytes = 0;
      while (cursor < ring.next && count < BATCH_EVENTS && bytes < BATCH_BYTES) {
        const slot = ring.slot(cursor);
        if (slot < 0) {
          cursor++;
          continue;
        }
        const raw = ring.raws[slot];
        if (raw !== undefined && typeof raw !== 'string' && !isArrayBuffer(raw) && !ring.blobBytes[slot]) {
          // A Blob must be read before it can be shown; wait for it so the order of events is kept.
          readBlob(slot);
          break;
        }
        let one: string;
        try {
          one = eventJson(slot);
        } catch (err) {
          // an event that cannot be encoded is skipped (the panel hears of the fault), and the rest goes on
          fault(err);
          cursor++;
          continue;
        }
        json += (count ? ',' : '') + one;
        count++;
        const size = ring.rawBytes(slot);
        bytes += size > TEXT_PREVIEW_CHARS ? TEXT_PREVIEW_CHARS : size + 64;
        cursor++;
      }
      if (!count) break;
      post(events(json + ']', dropped, replay));
      dropped = 0;
      const head = ring.slot(cursor);
      if (head >= 0 && ring.blobReading[head]) break;
    }
    if (subscribed && faults) post(events('[]', 0));
  }

  /** What went wrong in the hook since the panel last heard, once. */
  function faultNote(): { count: number; message: string } | undefined {
    if (!faults) return undefined;
    const note = { count: faults, message: lastFault };
    faults = 0;
    return note;
  }

  /**
   * A Blob's bytes, read with a FileReader: Blob.prototype.arrayBuffer() would resolve a promise with the buffer,
   * and resolving looks up `then` on it (a getter on the page's Object.prototype would see the hook read it).
   */
  function readBlobBytes(blob: Blob, done: (bytes: Uint8Array) => void): void {
    const reader = new dom.FileReader();
    dom.addEventListener(reader, 'loadend', () => {
      try {
        const result = dom.fileReaderResult(reader);
        done(isArrayBuffer(result) ? new N.Uint8Array(result) : new N.Uint8Array(0));
      } catch (err) {
        fault(err);
      }
    });
    dom.readAsArrayBuffer(reader, blob);
  }

  function readBlob(slot: number): void {
    if (ring.blobReading[slot]) return;
    ring.blobReading[slot] = true;
    const seq = cursor;
    readBlobBytes(ring.raws[slot] as Blob, (bytes) => {
      // the ring may have moved on while the Blob was read
      if (ring.slot(seq) === slot) {
        ring.blobBytes[slot] = bytes;
        ring.blobReading[slot] = false;
      }
      schedule(false);
    });
  }

  return {
    record,
    recordSent,
    options,
    annotate,
    /** the seq of the event recorded last */
    lastSeq: (): number => ring.next - 1,
    /** see `beforeFlush` */
    setBeforeFlush(fn: () => void): void {
      beforeFlush = fn;
    },
    watchSent,
    fault,
    /** A panel watches from `since` (the last seq it has; -1 for all): replay what the ring still holds, then go live. */
    subscribe(since: number): void {
      subscribed = true;
      // a panel watches this document now: it may keep what a developer looking at it would want to fetch
      ring.byteBudget = RING_BYTES;
      const want = since + 1;
      cursor = want < ring.first ? ring.first : want > ring.next ? ring.next : want;
      dropped = want < ring.first ? ring.first - want : 0;
      flush(true);
      if (dropped) post({ source: SOURCE, v: PROTOCOL_VERSION, type: 'events', docId, json: '[]', dropped, replay: true });
      dropped = 0;
    },
    unsubscribe(): void {
      subscribed = false;
      // a stack per send costs the page: only while someone looks
      options.sendStacks = false;
      options.handlerTiming = false;
    },
    /** The full payload of the frame event `seq`, while the ring holds it. */
    payload(reqId: number, seq: number): void {
      const slot = ring.slot(seq);
      const raw = slot < 0 ? undefined : ring.raws[slot];
      const reply = (payload?: Payload, error?: string) => post({ source: SOURCE, v: PROTOCOL_VERSION, type: 'payload', docId, reqId, seq, payload, error });
      if (raw === undefined) return reply(undefined, 'This frame is no longer held by the page (it fell out of the page-side buffer).');
      if (typeof raw !== 'string' && !isArrayBuffer(raw)) return readBlobBytes(raw, (bytes) => reply(encodePayload(raw, false, bytes)));
      reply(encodePayload(raw, false));
    },
  };
}

export type Recorder = ReturnType<typeof createRecorder>;

/** The socket began its closing handshake (a close() by the page or the panel). */
export function closingState(): Draft<'state'> {
  const e = draft('state');
  e.state = 'closing';
  return e;
}

/** A received frame's event, from the wire (no origin), or made by the panel or the page. */
export function receivedDraft(origin?: 'injected' | 'replay' | 'page'): Draft<'message'> {
  const m = draft('message');
  m.direction = 'received';
  if (origin) m.origin = origin;
  return m;
}
