/**
 * WS Lens page hook. Runs in the page's MAIN world at document_start in every frame, as a self-contained classic
 * script (built by crxjs as a standalone IIFE: no loader, no `import()`), so it wraps `WebSocket` before the page's
 * first script. It must be invisible: no globals, no extra events on `window` after the one-time handshake,
 * native-identical constructor/prototype/statics/errors. It records into a ring (cheap) and only encodes and posts
 * while a DevTools panel is subscribed, in batches of about 16 ms.
 */
import { natives, captureWebSocket, isArrayBuffer } from './natives';
import { Ring } from './ring';
import { createControl } from './control';
import { encodePayload, rawSize, snapshot, base64ToBytes, jsonText, utf8Length, type RawData } from './encode';
import { HANDSHAKE_KEY, PROTOCOL_VERSION, SOURCE, type OutgoingPayload, type PageToPanel, type ReplayItem, type Rule } from '../shared/protocol';

const RING_CAPACITY = 50_000;
const RING_BYTES = 64 * 1024 * 1024;
const FLUSH_MS = 16;
/** flush at once when this many events wait, so a flood does not build one huge message */
const FLUSH_EARLY = 4096;
/** cap one posted message, by events and by preview bytes */
const BATCH_EVENTS = 2000;
const BATCH_BYTES = 2 * 1024 * 1024;

(function install() {
  const w = globalThis as unknown as Window & { WebSocket: typeof WebSocket };
  const N = { ...natives, ...captureWebSocket() };
  const NativeWebSocket = N.NativeWebSocket;
  const docId = N.String(N.timeOrigin) + '-' + N.String(N.mathRandom()).slice(2, 10);

  // ---------------------------------------------------------------- recording
  const ring = new Ring(RING_CAPACITY, RING_BYTES);
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

  const sockets: (WebSocket | undefined)[] = [];
  const ids = new N.WeakMap<WebSocket, number>();
  let nextSid = 1;
  const draining: number[] = []; // sids whose bufferedAmount is above 0
  const lastBuffered: number[] = [];
  /**
   * Set while the hook itself dispatches a message event on a socket: 'injected' or 'replay' (the hook's listener
   * records it with that origin), 'skip' (a frame traffic control gives back; it was recorded when it arrived).
   */
  let synthetic: 'injected' | 'replay' | 'skip' | undefined;

  /** `time` (wall clock) is derived from `mono` when the event leaves the page. */
  function record(sid: number, event: Record<string, unknown>, raw?: RawData): number {
    event.sid = sid;
    event.mono = N.perfNow();
    const seq = ring.push(event, raw, raw === undefined ? 0 : rawSize(raw));
    if (subscribed) schedule(ring.next - cursor >= FLUSH_EARLY);
    return seq;
  }

  function dispatchAs(ws: WebSocket, as: typeof synthetic, event: Event): void {
    const before = synthetic;
    synthetic = as;
    try {
      N.dispatchEvent(ws, event);
    } finally {
      synthetic = before;
    }
  }

  /**
   * A MessageEvent the page cannot tamper with: the init dictionary has no prototype, so getters a page plants on
   * Object.prototype (`ports`, `source`, `lastEventId`…) are never consulted while the event is built.
   */
  function messageEvent(ws: WebSocket, data: unknown): MessageEvent {
    return new N.MessageEvent('message', { __proto__: null, data, origin: originOf(ws) } as MessageEventInit);
  }

  function originOf(ws: WebSocket): string {
    const url = N.wsUrl(ws);
    return N.stringSlice(url, 0, N.stringIndexOf(url, '/', 6));
  }

  const control = createControl({
    record,
    url: (sid) => {
      const ws = sockets[sid];
      return ws ? N.wsUrl(ws) : '';
    },
    isOpen: (sid) => {
      const ws = sockets[sid];
      return !!ws && N.wsReadyState(ws) === 1;
    },
    send: (sid, data) => {
      const ws = sockets[sid];
      if (!ws) return;
      N.reflectApply(N.wsSend, ws, [data]);
      const amount = N.wsBufferedAmount(ws);
      if (amount > 0) watchDrain(sid, amount);
    },
    deliver: (sid, data) => {
      const ws = sockets[sid];
      if (ws) dispatchAs(ws, 'skip', messageEvent(ws, data));
    },
    deliverEvent: (sid, type, init) => {
      const ws = sockets[sid];
      if (!ws) return;
      dispatchAs(ws, 'skip', type === 'close' ? new N.CloseEvent('close', { __proto__: null, ...init } as CloseEventInit) : new N.Event('error'));
      if (type === 'close') sockets[sid] = undefined;
    },
    now: N.perfNow,
  });

  function creationStack(): string {
    const stack = N.String(new N.Error().stack || '');
    const lines = N.stringSplit(stack, '\n');
    let out = '';
    // keep the page's frames only: drop the "Error" header (V8) and every frame of the hook's own script, whose
    // URL is chrome-extension:// or moz-extension:// in either engine's stack format
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line === 'Error' || N.stringIndexOf(line, 'extension://') >= 0) continue;
      out += (out ? '\n' : '') + line;
    }
    return out;
  }

  function track(ws: WebSocket, protocols: unknown): void {
    const sid = nextSid++;
    N.weakMapSet(ids, ws, sid);
    sockets[sid] = ws;
    const list: string[] = [];
    if (typeof protocols === 'string') list[0] = protocols;
    else if (N.isArray(protocols)) for (let i = 0; i < protocols.length; i++) list[i] = N.String(protocols[i]);
    record(sid, { kind: 'created', url: N.wsUrl(ws), protocols: list, stack: creationStack() });
    // The hook's listeners are added at construction, before any page listener: they see every event first and
    // cannot be removed by the page (it has no reference to them).
    N.addEventListener(ws, 'open', () =>
      record(sid, { kind: 'open', protocol: N.wsProtocol(ws), extensions: N.wsExtensions(ws) }),
    );
    N.addEventListener(ws, 'message', (e: MessageEvent) => {
      const data = e.data as RawData;
      if (synthetic !== undefined) {
        if (synthetic !== 'skip') record(sid, { kind: 'message', direction: 'received', origin: synthetic }, data);
        return;
      }
      // a rule holds, delays or rewrites it, or it must wait behind one that does: the page gets it later
      if (control.engaged() && control.frame(sid, false, data)) {
        N.stopImmediatePropagation(e);
        return;
      }
      record(sid, { kind: 'message', direction: 'received' }, data);
    });
    N.addEventListener(ws, 'error', (e: Event) => {
      if (synthetic !== undefined) return;
      record(sid, { kind: 'error' });
      if (control.engaged() && control.socketEvent(sid, 'error')) N.stopImmediatePropagation(e);
    });
    N.addEventListener(ws, 'close', (e: CloseEvent) => {
      if (synthetic !== undefined) return;
      const init = { code: e.code, reason: e.reason, wasClean: e.wasClean };
      record(sid, { kind: 'close', code: init.code, reason: init.reason, wasClean: init.wasClean });
      // received frames still waiting reach the page before it hears of the close
      if (control.engaged() && control.socketEvent(sid, 'close', init)) N.stopImmediatePropagation(e);
      else sockets[sid] = undefined;
    });
  }

  function recordSend(ws: WebSocket, raw: RawData, origin?: 'panel' | 'replay'): void {
    const sid = N.weakMapGet(ids, ws);
    if (sid === undefined) return;
    const amount = N.wsBufferedAmount(ws);
    const event: Record<string, unknown> = { kind: 'message', direction: 'sent', bufferedAmount: amount };
    if (origin) event.origin = origin;
    record(sid, event, raw);
    if (amount > 0) watchDrain(sid, amount);
  }

  // bufferedAmount is sampled after each send and then every tick until it drains to 0, so the panel can draw
  // backpressure over time, not a single number.
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
      const ws = sockets[sid];
      const amount = ws ? N.wsBufferedAmount(ws) : 0;
      if (amount !== lastBuffered[sid]) {
        lastBuffered[sid] = amount;
        record(sid, { kind: 'buffered', amount });
      }
      if (amount > 0 && ws) draining[keep++] = sid;
    }
    draining.length = keep;
  }

  // ---------------------------------------------------------------- the wrapper
  // A Proxy keeps `name`, `length`, `prototype`, the static constants and `instanceof` native; the construct trap
  // passes `newTarget` through so `class X extends WebSocket` builds an X. Native errors (SyntaxError for a bad
  // URL) are thrown by the native constructor itself, before we track anything.
  const Hooked = new Proxy(NativeWebSocket, {
    construct(target, args, newTarget) {
      const ws = N.reflectConstruct(target, args, newTarget === Hooked ? target : newTarget) as WebSocket;
      track(ws, args[1]);
      return ws;
    },
  });
  const proto = NativeWebSocket.prototype;
  // `ws.constructor === WebSocket` must hold for the page's view of WebSocket, which is now the Proxy
  const ctorDesc = N.getOwnPropertyDescriptor(proto, 'constructor');
  if (ctorDesc) N.defineProperty(proto, 'constructor', { ...ctorDesc, value: Hooked });

  // send/close are wrapped by Proxies too, so `name`, `length` and `toString` keep their native look; the native
  // call runs first, so its exceptions (InvalidStateError while CONNECTING) reach the page unchanged.
  const wrappedSend = new Proxy(N.wsSend, {
    apply(target, self, args) {
      if (control.engaged() && args.length > 0) {
        const sid = N.weakMapGet(ids, self as WebSocket);
        // only an OPEN socket's frames can be held: a CONNECTING one must throw, natively, right now
        if (sid !== undefined && N.wsReadyState(self as WebSocket) === 1) {
          const raw = snapshot(args[0]);
          if (control.frame(sid, true, raw)) return undefined;
          const result = N.reflectApply(target, self, [raw]);
          recordSend(self as WebSocket, raw);
          return result;
        }
      }
      const result = N.reflectApply(target, self, args);
      recordSend(self as WebSocket, snapshot(args[0]));
      return result;
    },
  });
  const wrappedClose = new Proxy(N.wsClose, {
    apply(target, self, args) {
      const sid = N.weakMapGet(ids, self as WebSocket);
      const before = sid === undefined ? -1 : N.wsReadyState(self as WebSocket);
      const result = N.reflectApply(target, self, args);
      if (sid !== undefined && before < 2 && N.wsReadyState(self as WebSocket) === 2) record(sid, { kind: 'state', state: 'closing' });
      return result;
    },
  });
  // A Proxy's toString drops the function's name ("function () { [native code] }"). Answer for each wrapper with
  // its target's native text; the toString wrapper answers for itself too, so it looks native as well.
  const nativeToString = Function.prototype.toString;
  const masks = new N.WeakMap<object, object>();
  const wrappedToString = new Proxy(nativeToString, {
    apply(target, self, args) {
      const real = typeof self === 'function' ? N.weakMapGet(masks, self) : undefined;
      return N.reflectApply(target, real === undefined ? self : real, args);
    },
  });
  N.weakMapSet(masks, Hooked, NativeWebSocket);
  N.weakMapSet(masks, wrappedSend, N.wsSend);
  N.weakMapSet(masks, wrappedClose, N.wsClose);
  N.weakMapSet(masks, wrappedToString, nativeToString);
  const toStringDesc = N.getOwnPropertyDescriptor(Function.prototype, 'toString');
  if (toStringDesc) N.defineProperty(Function.prototype, 'toString', { ...toStringDesc, value: wrappedToString });

  const sendDesc = N.getOwnPropertyDescriptor(proto, 'send');
  const closeDesc = N.getOwnPropertyDescriptor(proto, 'close');
  if (sendDesc) N.defineProperty(proto, 'send', { ...sendDesc, value: wrappedSend });
  if (closeDesc) N.defineProperty(proto, 'close', { ...closeDesc, value: wrappedClose });
  const globalDesc = N.getOwnPropertyDescriptor(w, 'WebSocket');
  N.defineProperty(w, 'WebSocket', { ...(globalDesc || { writable: true, configurable: true, enumerable: false }), value: Hooked });

  // ---------------------------------------------------------------- the channel to the content bridge
  // One window.postMessage hands a private MessagePort to the isolated-world bridge (which swallows that event in
  // a capturing listener registered before any page script); everything after goes over the port.
  const channel = new N.MessageChannel();
  const port = channel.port1;
  const post = (msg: PageToPanel) => N.portPostMessage(port, msg);

  N.addEventListener(port, 'message', (e: MessageEvent) => onCommand(e.data));
  N.portStart(port);
  // The page is going away (reload, navigation): frames a rule holds go on as they were while the socket can still
  // carry them. Firefox closes a document's sockets before `pagehide` (readyState is CLOSED there, checked), so held
  // frames are let go at `beforeunload`, which is only listened to once rules were used on this page (a listener
  // there can cost a page its back/forward cache in some engines).
  N.addEventListener(w, 'pagehide', () => control.stop());
  let unloadHooked = false;
  function hookUnload(): void {
    if (unloadHooked || !control.used) return;
    unloadHooked = true;
    N.addEventListener(w, 'beforeunload', () => control.releaseAll());
  }
  N.windowPostMessage(w, { [HANDSHAKE_KEY]: true, source: SOURCE, v: PROTOCOL_VERSION, docId }, '*', [channel.port2]);

  // ---------------------------------------------------------------- flushing
  let timer = false;
  function schedule(now_: boolean): void {
    if (now_) {
      flush();
      return;
    }
    if (timer) return;
    timer = true;
    N.setTimeout(tick, FLUSH_MS);
  }
  function tick(): void {
    timer = false;
    if (draining.length) sampleDrains();
    if (subscribed) flush();
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
        json += (count ? ',' : '') + eventJson(slot);
        count++;
        const size = ring.rawBytes(slot);
        bytes += size > 16384 ? 16384 : size + 64;
        cursor++;
      }
      if (!count) return;
      post({ source: SOURCE, v: PROTOCOL_VERSION, type: 'events', docId, json: json + ']', dropped, replay: replay || undefined });
      dropped = 0;
      const head = ring.slot(cursor);
      if (head >= 0 && ring.blobReading[head]) return;
    }
  }

  function readBlob(slot: number): void {
    if (ring.blobReading[slot]) return;
    ring.blobReading[slot] = true;
    const seq = cursor;
    const done = (bytes: Uint8Array) => {
      // the ring may have moved on while the Blob was read
      if (ring.slot(seq) === slot) {
        ring.blobBytes[slot] = bytes;
        ring.blobReading[slot] = false;
      }
      schedule(false);
    };
    N.promiseThen(
      N.blobArrayBuffer(ring.raws[slot] as Blob),
      (buf: ArrayBuffer) => done(new N.Uint8Array(buf)),
      () => done(new N.Uint8Array(0)),
    );
  }

  // ---------------------------------------------------------------- commands from the panel
  function result(reqId: number, error?: string): void {
    post(
      error === undefined
        ? { source: SOURCE, v: PROTOCOL_VERSION, type: 'result', docId, reqId, ok: true }
        : { source: SOURCE, v: PROTOCOL_VERSION, type: 'result', docId, reqId, ok: false, error },
    );
  }

  const STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];

  function toData(payload: OutgoingPayload, forBinaryType?: string): string | ArrayBuffer | Blob {
    if (payload.type === 'text') return N.String(payload.data);
    const bytes = base64ToBytes(N.String(payload.data));
    return forBinaryType === 'blob' ? new N.Blob([bytes]) : (bytes.buffer as ArrayBuffer);
  }

  function binaryTypeOf(sid: number): string | undefined {
    const ws = sockets[sid];
    return ws ? N.wsBinaryType(ws) : undefined;
  }

  /**
   * Replay frames on one socket, each at its offset (original timing) or all at 0 (as fast as possible). Sent
   * frames go on the wire, received ones are handed to the page as if the server sent them again. Like the
   * composer's frames they bypass the rules. The result comes when the last one went, with what could not.
   */
  function replay(reqId: number, sid: number, items: ReplayItem[]): void {
    let left = items.length;
    let failed = 0;
    if (!left) return result(reqId, 'Nothing to replay.');
    const one = (item: ReplayItem) => {
      const ws = sockets[sid];
      if (!ws || N.wsReadyState(ws) !== 1) failed++;
      else {
        try {
          if (item.direction === 'sent') {
            const data = toData(item.payload);
            N.reflectApply(N.wsSend, ws, [data]);
            recordSend(ws, snapshot(data), 'replay');
          } else dispatchAs(ws, 'replay', messageEvent(ws, toData(item.payload, N.wsBinaryType(ws))));
        } catch {
          failed++;
        }
      }
      if (--left === 0)
        result(reqId, failed ? failed + ' of ' + items.length + ' frames were not replayed: the socket is no longer OPEN.' : undefined);
    };
    // each on its own timer, in order: setTimeout keeps the order of equal delays
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      N.setTimeout(() => one(item), typeof item.at === 'number' && item.at > 0 ? item.at : 0);
    }
  }

  function onCommand(msg: unknown): void {
    // The port is private to the bridge, but check shape anyway: a bad message is ignored, never thrown on.
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as Record<string, unknown>;
    if (m.source !== SOURCE || m.type !== 'command') return;
    if (m.cmd === 'subscribe') {
      const since = typeof m.since === 'number' ? m.since : -1;
      subscribed = true;
      const want = since + 1;
      cursor = want < ring.first ? ring.first : want > ring.next ? ring.next : want;
      dropped = want < ring.first ? ring.first - want : 0;
      flush(true);
      if (dropped) post({ source: SOURCE, v: PROTOCOL_VERSION, type: 'events', docId, json: '[]', dropped, replay: true });
      dropped = 0;
      return;
    }
    if (m.cmd === 'unsubscribe') {
      subscribed = false;
      // rules live only while a panel watches: with no one to decide, held frames go on as they were
      control.stop();
      return;
    }
    if (m.docId !== docId) return;
    const reqId = typeof m.reqId === 'number' ? m.reqId : 0;
    if (m.cmd === 'payload') {
      const seq = typeof m.seq === 'number' ? m.seq : -1;
      const slot = ring.slot(seq);
      const raw = slot < 0 ? undefined : ring.raws[slot];
      const reply = (payload?: ReturnType<typeof encodePayload>, error?: string) =>
        post({ source: SOURCE, v: PROTOCOL_VERSION, type: 'payload', docId, reqId, seq, payload, error });
      if (raw === undefined) return reply(undefined, 'This frame is no longer held by the page (it fell out of the page-side buffer).');
      if (typeof raw !== 'string' && !isArrayBuffer(raw)) {
        N.promiseThen(N.blobArrayBuffer(raw), (buf: ArrayBuffer) => reply(encodePayload(raw, false, new N.Uint8Array(buf))));
        return;
      }
      return reply(encodePayload(raw, false));
    }
    if (m.cmd === 'rules') {
      const error = control.setRules(N.isArray(m.rules) ? (m.rules as Rule[]) : [], typeof m.holdTimeoutMs === 'number' ? m.holdTimeoutMs : 0);
      hookUnload();
      return result(reqId, error);
    }
    if (m.cmd === 'decide') {
      const payload = m.payload as OutgoingPayload | undefined;
      const edit = payload ? (sid: number, sent: boolean) => toData(payload, sent ? undefined : binaryTypeOf(sid)) : undefined;
      try {
        return result(reqId, control.decide(typeof m.seq === 'number' ? m.seq : -1, m.verdict === 'drop' ? 'drop' : 'forward', edit));
      } catch (err) {
        return result(reqId, 'Not forwarded: ' + N.String((err as Error)?.message ?? err));
      }
    }
    if (m.cmd === 'resume-all') {
      control.resumeAll();
      return result(reqId);
    }
    const sid = typeof m.sid === 'number' ? m.sid : -1;
    const ws = sockets[sid];
    if (!ws) return result(reqId, 'Socket #' + sid + ' is closed or gone; nothing was done.');
    const state = N.wsReadyState(ws);
    if (m.cmd === 'send') {
      if (state !== 1) return result(reqId, 'Not sent: the socket is ' + STATE_NAMES[state] + ' (it must be OPEN). Your frame is kept in the composer.');
      try {
        const data = toData(m.payload as OutgoingPayload);
        N.reflectApply(N.wsSend, ws, [data]);
        recordSend(ws, snapshot(data), 'panel');
        return result(reqId);
      } catch (err) {
        return result(reqId, 'Not sent: ' + N.String((err as Error)?.message ?? err));
      }
    }
    if (m.cmd === 'inject') {
      if (state !== 1) return result(reqId, 'Not injected: the socket is ' + STATE_NAMES[state] + '; a real server could not send on it now.');
      try {
        const data = toData(m.payload as OutgoingPayload, N.wsBinaryType(ws));
        dispatchAs(ws, 'injected', messageEvent(ws, data));
        return result(reqId);
      } catch (err) {
        return result(reqId, 'Not injected: ' + N.String((err as Error)?.message ?? err));
      }
    }
    if (m.cmd === 'replay') return replay(reqId, sid, N.isArray(m.items) ? (m.items as ReplayItem[]) : []);
    if (m.cmd === 'close') {
      const code = m.code === undefined ? undefined : m.code;
      const reason = m.reason === undefined ? '' : N.String(m.reason);
      if (code !== undefined && (typeof code !== 'number' || !(code === 1000 || (code >= 3000 && code <= 4999))))
        return result(reqId, 'Close code must be 1000 or between 3000 and 4999 (got ' + N.String(code) + ').');
      if (utf8Length(reason) > 123) return result(reqId, 'Close reason must be at most 123 bytes of UTF-8 (got ' + utf8Length(reason) + ').');
      if (state >= 2) return result(reqId, 'The socket is already ' + STATE_NAMES[state] + '.');
      try {
        N.reflectApply(N.wsClose, ws, code === undefined ? [] : [code, reason]);
        record(sid, { kind: 'state', state: 'closing' });
        return result(reqId);
      } catch (err) {
        return result(reqId, 'Not closed: ' + N.String((err as Error)?.message ?? err));
      }
    }
  }
})();
