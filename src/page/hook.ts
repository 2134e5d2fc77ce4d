/**
 * WS Lens page hook. Runs in the page's MAIN world at document_start in every frame, as a self-contained classic
 * script (built by crxjs as a standalone IIFE: no loader, no `import()`), so it wraps `WebSocket` before the page's
 * first script. It must be invisible: no globals, no extra events on `window` after the one-time handshake,
 * native-identical constructor/prototype/statics/errors. It records into a ring (cheap) and only encodes and posts
 * while a DevTools panel is subscribed, in batches of about 16 ms.
 */
import { natives, captureWebSocket, isArrayBuffer, isBlob, bare, nullArray, clean, describeError } from './natives';
import { Ring } from './ring';
import { createControl } from './control';
import { encodePayload, rawSize, snapshot, copyBinary, copyBytes, base64ToBytes, jsonText, utf8Length, type RawData } from './encode';
import { HANDSHAKE_KEY, PROTOCOL_VERSION, SOURCE, TEXT_PREVIEW_CHARS, type OutgoingPayload, type PageToPanel, type ReplayItem, type Rule } from '../shared/protocol';

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

(function install() {
  const w = globalThis as unknown as Window & { WebSocket: typeof WebSocket };
  const N = { ...natives, ...captureWebSocket() };
  const NativeWebSocket = N.NativeWebSocket;
  const docId = N.String(N.timeOrigin) + '-' + N.String(N.mathRandom()).slice(2, 10);

  // ---------------------------------------------------------------- recording
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

  // every array and record of the hook has no prototype a page could plant accessors on (see natives.ts)
  const sockets = nullArray<WebSocket | undefined>();
  const ids = new N.WeakMap<object, number>();
  let nextSid = 1;
  const draining = nullArray<number>(); // sids whose bufferedAmount is above 0
  const lastBuffered = nullArray<number>();

  /**
   * Nothing the hook does may throw into the page: an exception in one of its listeners or timers would reach the
   * page's `window.onerror`. It is caught, counted and told to the panel instead, and capture goes on.
   */
  let faults = 0;
  let lastFault = '';
  function fault(err: unknown): void {
    faults++;
    lastFault = describeError(err);
    if (subscribed) schedule(false);
  }
  /**
   * Set while the hook itself dispatches a message event on a socket: 'injected' or 'replay' (the hook's listener
   * records it with that origin), 'skip' (a frame traffic control gives back; it was recorded when it arrived).
   */
  let synthetic: 'injected' | 'replay' | 'skip' | undefined;

  function ev(kind: string): Record<string, unknown> {
    const e = bare();
    e.kind = kind;
    return e;
  }

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
    // the page gets a buffer of its own: the one the ring keeps must stay what it is, whatever the page does with its
    const own = isArrayBuffer(data) ? copyBytes(data, 0, N.arrayBufferByteLength(data)) : data;
    return new N.MessageEvent('message', { __proto__: null, data: own, origin: originOf(ws) } as MessageEventInit);
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

  /**
   * Where the page created the socket: the stack above the construct trap, taken with Error.captureStackTrace
   * (V8 and SpiderMonkey both have it), which leaves out the hook's own frames. The page must not see this happen:
   * a page's Error.prepareStackTrace (V8 calls it when the stack is first read) is set aside while the stack is read,
   * and a page that made Error.stackTraceLimit or prepareStackTrace an accessor, or froze them, gets no creation stack
   * rather than a call it could notice.
   */
  function creationStack(above: (...args: never[]) => unknown): string {
    const limit = N.getOwnPropertyDescriptor(N.Error, 'stackTraceLimit');
    if (limit && !N.hasOwn(limit, 'value')) return '';
    const prepare = N.getOwnPropertyDescriptor(N.Error, 'prepareStackTrace');
    if (prepare && !prepare.configurable) return '';
    if (prepare) delete (N.Error as { prepareStackTrace?: unknown }).prepareStackTrace;
    let stack: unknown = '';
    try {
      if (typeof N.captureStackTrace === 'function') {
        const holder = bare<{ stack?: unknown }>();
        N.captureStackTrace(holder, above);
        stack = holder.stack;
      } else {
        const err = new N.Error();
        stack = N.errorStack ? N.errorStack(err) : err.stack;
      }
    } finally {
      if (prepare) N.defineProperty(N.Error, 'prepareStackTrace', prepare);
    }
    return typeof stack === 'string' ? pageFrames(stack) : '';
  }

  /** the lines of a stack that are the page's: not V8's "Error" header, not a frame of an extension's script */
  function pageFrames(stack: string): string {
    let out = '';
    let from = 0;
    while (from < stack.length) {
      let to = N.stringIndexOf(stack, '\n', from);
      if (to < 0) to = stack.length;
      const line = N.stringSlice(stack, from, to);
      from = to + 1;
      if (line === '' || line === 'Error' || N.stringIndexOf(line, 'extension://') >= 0) continue;
      out += (out ? '\n' : '') + line;
    }
    return out;
  }

  /**
   * An error the browser threw through one of the wrappers must look as it does without them. V8 records the
   * wrapper's frame (with the extension's URL) in the stack; re-capturing the stack above the trap gives exactly the
   * native stack (checked: same text, same own accessor). SpiderMonkey keeps `stack` on Error.prototype and records
   * frames of MAIN-world scripts as `<anonymous code>`, with no URL; re-capturing would add an own property there, so
   * it is left alone (README, Known limits).
   */
  const rethrowAsNative = typeof N.captureStackTrace === 'function' && !N.errorStack;
  /** the error a native threw through `trap`, with the stack it has without the wrapper (see above) */
  function asNative(err: unknown, trap: (...args: never[]) => unknown): unknown {
    if (rethrowAsNative && typeof err === 'object' && err !== null && N.hasOwn(err, 'stack')) {
      const limit = N.getOwnPropertyDescriptor(N.Error, 'stackTraceLimit');
      if (limit && N.hasOwn(limit, 'value')) N.captureStackTrace!(err, trap);
    }
    return err;
  }

  /** What the page made of a frame it dispatched itself: its bytes copied, anything else described, never converted. */
  function pageData(data: unknown): RawData {
    if (typeof data === 'string') return data;
    const bytes = copyBinary(data);
    if (bytes !== undefined) return bytes;
    if (isBlob(data)) return data;
    return typeof data === 'object' && data !== null ? '(' + typeof data + ')' : N.String(data);
  }

  /**
   * An event the page dispatched on its socket itself (`ws.dispatchEvent(new CloseEvent('close'))`): not the
   * socket's. `isTrusted` is an unforgeable own property of every event, so reading it asks the page nothing.
   */
  function recordDispatched(sid: number, e: Event): void {
    const type = N.eventType(e);
    const event = ev('dispatched');
    event.type = type;
    if (type === 'close') {
      try {
        event.code = N.closeEventCode(e);
        event.reason = N.closeEventReason(e);
      } catch {
        // an Event named 'close' that is no CloseEvent: nothing more to tell
      }
    }
    record(sid, event);
  }

  function track(ws: WebSocket, protocols: string[], stack: string): void {
    const sid = nextSid++;
    N.weakMapSet(ids, ws, sid);
    sockets[sid] = ws;
    const created = ev('created');
    created.url = N.wsUrl(ws);
    created.protocols = protocols;
    created.stack = stack;
    record(sid, created);
    // The hook's listeners are added at construction, before any page listener: they see every event first and
    // cannot be removed by the page (it has no reference to them). Each catches what it could throw.
    N.addEventListener(ws, 'open', (e: Event) => {
      try {
        if (!e.isTrusted) return recordDispatched(sid, e);
        const open = ev('open');
        open.protocol = N.wsProtocol(ws);
        open.extensions = N.wsExtensions(ws);
        record(sid, open);
      } catch (err) {
        fault(err);
      }
    });
    N.addEventListener(ws, 'message', (e: MessageEvent) => {
      try {
        if (synthetic === 'skip') return;
        const data = N.messageEventData(e);
        if (synthetic !== undefined) {
          const m = ev('message');
          m.direction = 'received';
          m.origin = synthetic;
          record(sid, m, pageData(data));
          return;
        }
        if (!e.isTrusted) {
          const m = ev('message');
          m.direction = 'received';
          m.origin = 'page';
          record(sid, m, pageData(data));
          return;
        }
        // the ring keeps its own copy of the bytes: the page may transfer or rewrite the buffer it is handed
        const raw = isArrayBuffer(data) ? copyBytes(data, 0, N.arrayBufferByteLength(data)) : (data as RawData);
        // a rule holds, delays or rewrites it, or it must wait behind one that does: the page gets it later
        if (control.engaged() && control.frame(sid, false, raw)) {
          N.stopImmediatePropagation(e);
          return;
        }
        const m = ev('message');
        m.direction = 'received';
        record(sid, m, raw);
      } catch (err) {
        fault(err);
      }
    });
    N.addEventListener(ws, 'error', (e: Event) => {
      try {
        if (synthetic !== undefined) return;
        if (!e.isTrusted) return recordDispatched(sid, e);
        record(sid, ev('error'));
        if (control.engaged() && control.socketEvent(sid, 'error')) N.stopImmediatePropagation(e);
      } catch (err) {
        fault(err);
      }
    });
    N.addEventListener(ws, 'close', (e: CloseEvent) => {
      try {
        if (synthetic !== undefined) return;
        if (!e.isTrusted) return recordDispatched(sid, e);
        const init = { __proto__: null, code: N.closeEventCode(e), reason: N.closeEventReason(e), wasClean: N.closeEventWasClean(e) } as CloseEventInit;
        const close = ev('close');
        close.code = init.code;
        close.reason = init.reason;
        close.wasClean = init.wasClean;
        record(sid, close);
        // received frames still waiting reach the page before it hears of the close
        if (control.engaged() && control.socketEvent(sid, 'close', init)) N.stopImmediatePropagation(e);
        else sockets[sid] = undefined;
      } catch (err) {
        fault(err);
      }
    });
  }

  function recordSend(ws: WebSocket, raw: RawData, origin?: 'panel' | 'replay', discarded?: boolean): void {
    const sid = N.weakMapGet(ids, ws);
    if (sid === undefined) return;
    const amount = N.wsBufferedAmount(ws);
    const event = ev('message');
    event.direction = 'sent';
    event.bufferedAmount = amount;
    if (origin) event.origin = origin;
    if (discarded) event.discarded = true;
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
        const b = ev('buffered');
        b.amount = amount;
        record(sid, b);
      }
      if (amount > 0 && ws) draining[keep++] = sid;
    }
    draining.length = keep;
  }

  // ---------------------------------------------------------------- reading what the page hands over, once
  // The page's values are read exactly once, as the native would read them, and the native is then handed plain
  // values: a page whose toString or iterator answers differently the second time (or counts its calls) sees one
  // read, and the panel shows what the socket carried.

  const isObjectLike = (v: unknown): v is object => (typeof v === 'object' && v !== null) || typeof v === 'function';

  /** An iterable the native reads without any page code: own @@iterator, own `next`, prototype-less results. */
  function plainIterable(list: unknown[]): object {
    const iterable = { __proto__: null } as unknown as Record<PropertyKey, unknown>;
    iterable[N.symbolIterator] = () => {
      let i = 0;
      return {
        __proto__: null,
        next: () => (i < list.length ? { __proto__: null, value: list[i++], done: false } : { __proto__: null, value: undefined, done: true }),
      };
    };
    return iterable;
  }

  /**
   * `protocols` as Web IDL converts a `(DOMString or sequence<DOMString>)`: an object with @@iterator is iterated
   * once, each item converted to a string as it comes; another object is converted to a string. Returns what to give
   * the native and the list for the log. Where the page's iterable is malformed, the native is given an iterable
   * malformed the same way, so it throws its own error.
   */
  function readProtocols(p: unknown): { value: unknown; list: string[] } {
    const list = nullArray<string>();
    const answer = (value: unknown) => ({ __proto__: null, value, list }) as unknown as { value: unknown; list: string[] };
    /** an iterable whose @@iterator is `method`: for the native to fail on as it would have on the page's */
    const iterableWith = (method: unknown) => {
      const iterable = { __proto__: null } as unknown as Record<PropertyKey, unknown>;
      iterable[N.symbolIterator] = method;
      return answer(iterable);
    };
    if (!isObjectLike(p)) {
      if (typeof p === 'string') list[0] = p;
      else if (p !== undefined && typeof p !== 'symbol') list[0] = N.String(p);
      return answer(p);
    }
    const method = (p as Record<PropertyKey, unknown>)[N.symbolIterator];
    if (method === undefined || method === null) {
      list[0] = N.String(p);
      return answer(list[0]);
    }
    if (typeof method !== 'function') return iterableWith(method);
    const iterator = N.reflectApply(method as () => unknown, p, []) as Record<string, unknown>;
    if (!isObjectLike(iterator)) return iterableWith(() => iterator);
    const next = iterator.next;
    if (typeof next !== 'function') return iterableWith(() => ({ __proto__: null, next }));
    const items = nullArray<unknown>();
    for (;;) {
      const result = N.reflectApply(next as () => unknown, iterator, []) as Record<string, unknown>;
      if (!isObjectLike(result)) {
        // the strings read so far, then the page's malformed result, where the native fails as it would have
        let i = 0;
        const step = () => (i < items.length ? { __proto__: null, value: items[i++], done: false } : result);
        return iterableWith(() => ({ __proto__: null, next: step }));
      }
      if (result.done) break;
      const value = result.value;
      // a Symbol cannot become a string: the native throws its own TypeError on it
      const item = typeof value === 'symbol' ? value : N.String(value);
      items[items.length] = item;
      if (typeof item === 'symbol') break;
      list[list.length] = item;
    }
    return answer(plainIterable(items));
  }

  /** What send() converts to a string: anything but bytes and Blobs. Converted here, once; page code may run. */
  function readSendData(data: unknown): unknown {
    if (!isObjectLike(data) || isArrayBuffer(data) || N.isView(data) || isBlob(data)) return data;
    return N.String(data);
  }

  // ---------------------------------------------------------------- the wrapper
  // A Proxy keeps `name`, `length`, `prototype`, the static constants and `instanceof` native; the construct trap
  // passes `newTarget` through so `class X extends WebSocket` builds an X. Native errors (SyntaxError for a bad
  // URL) are thrown by the native constructor itself, before we track anything. Each Proxy's get trap reads with the
  // target as receiver, so accessors such as Function.prototype's `caller` see the native function, not a Proxy
  // (SpiderMonkey throws "called on incompatible Proxy" otherwise).
  function nativeGet(this: { proxy: unknown }, target: object, key: PropertyKey, receiver: unknown): unknown {
    return N.reflectGet(target, key, receiver === this.proxy ? target : receiver);
  }
  function handler<T extends object>(traps: ProxyHandler<T>): ProxyHandler<T> & { proxy: unknown } {
    const h = { __proto__: null, get: nativeGet, proxy: undefined } as unknown as ProxyHandler<T> & { proxy: unknown };
    const keys = N.objectKeys(traps);
    for (let i = 0; i < keys.length; i++) (h as unknown as Record<string, unknown>)[keys[i]] = (traps as Record<string, unknown>)[keys[i]];
    return h;
  }
  function wrap<T extends object>(target: T, traps: ProxyHandler<T>): T {
    const h = handler(traps);
    const proxy = new Proxy(target, h);
    h.proxy = proxy;
    return proxy;
  }

  function construct(target: typeof WebSocket, args: unknown[], newTarget: unknown): object {
    let callArgs: unknown[] = args;
    let list = nullArray<string>();
    if (args.length > 0) {
      // url first, then protocols: the order in which the native converts them
      const url = isObjectLike(args[0]) ? N.String(args[0]) : args[0];
      callArgs = [url];
      if (args.length > 1) {
        const p = readProtocols(args[1]);
        callArgs[1] = p.value;
        list = p.list;
      }
    }
    // (the natives are called in the traps themselves, never through a helper: each function between the page and
    // the native is one more frame in the stack of what it throws)
    let ws: WebSocket;
    try {
      ws = N.reflectConstruct(target, callArgs, newTarget === Hooked ? target : (newTarget as typeof WebSocket)) as WebSocket;
    } catch (err) {
      throw asNative(err, construct);
    }
    try {
      track(ws, list, creationStack(construct));
    } catch (err) {
      fault(err);
    }
    return ws;
  }
  const Hooked = wrap(NativeWebSocket, { construct } as ProxyHandler<typeof WebSocket>);
  const proto = NativeWebSocket.prototype;
  // `ws.constructor === WebSocket` must hold for the page's view of WebSocket, which is now the Proxy
  const ctorDesc = N.getOwnPropertyDescriptor(proto, 'constructor');
  if (ctorDesc) N.defineProperty(proto, 'constructor', { ...ctorDesc, value: Hooked });

  // send/close are wrapped by Proxies too, so `name`, `length` and `toString` keep their native look; the native
  // call runs first, so its exceptions (InvalidStateError while CONNECTING) reach the page unchanged.
  function send(target: typeof N.wsSend, self: unknown, args: unknown[]): unknown {
    const sid = N.weakMapGet(ids, self as object);
    if (sid === undefined || args.length === 0) {
      try {
        return N.reflectApply(target, self, args);
      } catch (err) {
        throw asNative(err, send);
      }
    }
    const data = readSendData(args[0]);
    const callArgs = data === args[0] ? args : [data];
    const state = N.wsReadyState(self as WebSocket);
    let raw: RawData | undefined;
    // only an OPEN socket's frames can be held: a CONNECTING one must throw, natively, right now
    if (control.engaged() && state === 1) {
      try {
        raw = snapshot(data);
        if (control.frame(sid, true, raw)) return undefined;
      } catch (err) {
        fault(err);
      }
    }
    try {
      N.reflectApply(target, self, callArgs);
    } catch (err) {
      throw asNative(err, send);
    }
    // on a CLOSING or CLOSED socket send() does not throw, but nothing goes out: say so, never log it as sent
    afterSend(self as WebSocket, raw, data, state >= 2);
    return undefined;
  }
  /** Record a frame the native just took; never throws (the page's send has already happened). */
  function afterSend(ws: WebSocket, raw: RawData | undefined, data: unknown, discarded?: boolean): void {
    try {
      recordSend(ws, raw ?? snapshot(data), undefined, discarded);
    } catch (err) {
      fault(err);
    }
  }
  const wrappedSend = wrap(N.wsSend, { apply: send } as ProxyHandler<typeof N.wsSend>);
  function close(target: typeof N.wsClose, self: unknown, args: unknown[]): unknown {
    const sid = N.weakMapGet(ids, self as object);
    const before = sid === undefined ? -1 : N.wsReadyState(self as WebSocket);
    try {
      N.reflectApply(target, self, args);
    } catch (err) {
      throw asNative(err, close);
    }
    try {
      if (sid !== undefined && before < 2 && N.wsReadyState(self as WebSocket) === 2) record(sid, closing());
    } catch (err) {
      fault(err);
    }
    return undefined;
  }
  const wrappedClose = wrap(N.wsClose, { apply: close } as ProxyHandler<typeof N.wsClose>);
  function closing(): Record<string, unknown> {
    const e = ev('state');
    e.state = 'closing';
    return e;
  }
  // A Proxy's toString drops the function's name ("function () { [native code] }"). Answer for each wrapper with
  // its target's native text; the toString wrapper answers for itself too, so it looks native as well.
  const nativeToString = Function.prototype.toString;
  const masks = new N.WeakMap<object, object>();
  function toString(target: typeof nativeToString, self: unknown, args: unknown[]): unknown {
    const real = typeof self === 'function' ? N.weakMapGet(masks, self) : undefined;
    let text: unknown;
    try {
      text = N.reflectApply(target, real === undefined ? self : real, args);
    } catch (err) {
      throw asNative(err, toString);
    }
    return real === undefined && text === PROXY_TEXT ? otherRealmText(self as object, text) : text;
  }
  /** what the native says of any callable Proxy: the text a wrapper of another frame's hook gets here */
  const PROXY_TEXT = N.reflectApply(nativeToString, new Proxy(function () {}, {}), []);
  /**
   * Every frame has its own hook and its own masks. A same-origin frame's toString applied to this frame's
   * WebSocket (or the other way round) must answer as the native does: ask the toString of the function's own realm,
   * if that is a wrapper too (another hook's), which knows its masks. Found through the prototype chain
   * (WebSocket -> EventTarget -> Function.prototype), without calling anything of the page's.
   */
  function otherRealmText(fn: object, text: unknown): unknown {
    let o: object | null = fn;
    for (let depth = 0; depth < 4 && o !== null; depth++) {
      o = N.getPrototypeOf(o);
      if (o === null || o === Function.prototype) return text;
      const d = N.getOwnPropertyDescriptor(o, 'toString');
      const theirs = d && N.hasOwn(d, 'value') ? d.value : undefined;
      if (typeof theirs === 'function' && N.hasOwn(o, 'call') && N.hasOwn(o, 'bind')) {
        if (theirs === wrappedToString || N.reflectApply(nativeToString, theirs, []) !== PROXY_TEXT) return text;
        return N.reflectApply(theirs, fn, []);
      }
    }
    return text;
  }
  const wrappedToString = wrap(nativeToString, { apply: toString } as ProxyHandler<typeof nativeToString>);
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

  N.addEventListener(port, 'message', (e: MessageEvent) => {
    try {
      onCommand(clean(N.messageEventData(e)));
    } catch (err) {
      fault(err);
    }
  });
  N.portStart(port);
  // The page is going away (reload, navigation): frames a rule holds go on as they were while the socket can still
  // carry them. Firefox closes a document's sockets before `pagehide` (readyState is CLOSED there, checked), so held
  // frames are let go at `beforeunload`, which is only listened to once rules were used on this page (a listener
  // there can cost a page its back/forward cache in some engines).
  N.addEventListener(w, 'pagehide', () => {
    try {
      control.stop();
    } catch (err) {
      fault(err);
    }
  });
  let unloadHooked = false;
  function hookUnload(): void {
    if (unloadHooked || !control.used) return;
    unloadHooked = true;
    N.addEventListener(w, 'beforeunload', () => {
      try {
        control.releaseAll();
      } catch (err) {
        fault(err);
      }
    });
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
    try {
      if (draining.length) sampleDrains();
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
      post({ source: SOURCE, v: PROTOCOL_VERSION, type: 'events', docId, json: json + ']', dropped, replay: replay || undefined, fault: faultNote() });
      dropped = 0;
      const head = ring.slot(cursor);
      if (head >= 0 && ring.blobReading[head]) break;
    }
    if (subscribed && faults) post({ source: SOURCE, v: PROTOCOL_VERSION, type: 'events', docId, json: '[]', dropped: 0, fault: faultNote() });
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
    const reader = new N.FileReader();
    N.addEventListener(reader, 'loadend', () => {
      try {
        const result = N.fileReaderResult(reader);
        done(isArrayBuffer(result) ? new N.Uint8Array(result) : new N.Uint8Array(0));
      } catch (err) {
        fault(err);
      }
    });
    N.readAsArrayBuffer(reader, blob);
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
    const buffer = N.typedArrayBuffer(bytes);
    if (forBinaryType !== 'blob') return buffer;
    const parts = nullArray<ArrayBuffer>();
    parts[0] = buffer;
    // the Blob constructor iterates its parts: a plain array would run the page's Array.prototype[Symbol.iterator]
    return new N.Blob(plainIterable(parts) as BlobPart[]);
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
      try {
        replayOne(item);
      } catch (err) {
        fault(err);
      }
    };
    const replayOne = (item: ReplayItem) => {
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
      // a panel watches this document now: it may keep what a developer looking at it would want to fetch
      ring.byteBudget = RING_BYTES;
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
      if (typeof raw !== 'string' && !isArrayBuffer(raw)) return readBlobBytes(raw, (bytes) => reply(encodePayload(raw, false, bytes)));
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
        return result(reqId, 'Not forwarded: ' + describeError(err));
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
        return result(reqId, 'Not sent: ' + describeError(err));
      }
    }
    if (m.cmd === 'inject') {
      if (state !== 1) return result(reqId, 'Not injected: the socket is ' + STATE_NAMES[state] + '; a real server could not send on it now.');
      try {
        const data = toData(m.payload as OutgoingPayload, N.wsBinaryType(ws));
        dispatchAs(ws, 'injected', messageEvent(ws, data));
        return result(reqId);
      } catch (err) {
        return result(reqId, 'Not injected: ' + describeError(err));
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
        record(sid, closing());
        return result(reqId);
      } catch (err) {
        return result(reqId, 'Not closed: ' + describeError(err));
      }
    }
  }
})();
