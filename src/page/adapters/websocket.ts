/**
 * The WebSocket adapter: wraps the global's `WebSocket` (constructor, `send`, `close`) so every socket the page makes
 * is recorded from its creation, and gives recording, traffic control and the panel's commands a `LensSocket` for it.
 * The wrappers must be invisible: native-identical constructor, prototype, statics, errors and `toString`
 * (disguise.ts), and no page-visible change to what a socket does.
 */
import { natives as N, bare, getter, isArrayBuffer, isBlob, nullArray } from '../natives';
import { copyBinary, copyBytes, snapshot, type RawData } from '../encode';
import { asNative, creationStack, wrap } from '../disguise';
import { isObjectLike, readProtocols, readSendData } from '../read-once';
import { closingState, draft, receivedDraft, type Recorder } from '../recorder';
import { FRAME_PASS, FRAME_TAKEN, type Control } from '../control';
import type { RuleMark } from '../../shared/protocol';
import type { Dom, HookGlobal } from '../dom';
import type { Delivery, LensSocket, SocketTable } from '../socket';
import { createHandlerProbes } from '../handler-probes';

export interface AdapterContext {
  dom: Dom;
  sockets: SocketTable;
  recorder: Recorder;
  control: Control;
  /** make `toString` of a wrapper answer with its native's text */
  mask(wrapper: object, native: object): void;
  /**
   * Firefox workers: the secret that asks this realm whether the hook is in already. A module worker's every module
   * carries the hook, and the first one evaluated installs it; `new WebSocket(realmKey)` answers the later ones with
   * an object where the native throws a SyntaxError (see worker-hook-firefox.ts).
   */
  realmKey?: string;
}

/** What the base URL of a relative socket url is: the document's base URL, or a worker's location. */
function captureBase(g: HookGlobal): () => string | undefined {
  const doc = (g as { document?: Document }).document;
  const NodeCtor = (g as { Node?: typeof Node }).Node;
  if (doc && NodeCtor) {
    const baseURI = getter(NodeCtor.prototype, 'baseURI') as (n: Node) => string;
    return () => baseURI(doc);
  }
  const WorkerLocationCtor = (g as { WorkerLocation?: { prototype: object } }).WorkerLocation;
  const where = (g as { location?: object }).location;
  if (WorkerLocationCtor && where) {
    const href = getter(WorkerLocationCtor.prototype, 'href') as (l: object) => string;
    return () => href(where);
  }
  return () => undefined;
}

/** A chaos close under way: what the page will hear once the real socket has closed. */
interface Chaos {
  code: number;
  reason: string;
  wasClean: boolean;
  mark: RuleMark;
  /** the socket was OPEN: the native close event is replaced by this one (a CONNECTING one fails natively) */
  replace: boolean;
  /** the code the real socket was closed with, when one was sent */
  wire: number | undefined;
}

function captureWebSocket(g: HookGlobal) {
  const NativeWebSocket = g.WebSocket;
  const proto = NativeWebSocket.prototype;
  return {
    base: captureBase(g),
    NativeWebSocket,
    send: proto.send,
    close: proto.close,
    readyState: getter(proto, 'readyState') as (ws: WebSocket) => number,
    bufferedAmount: getter(proto, 'bufferedAmount') as (ws: WebSocket) => number,
    url: getter(proto, 'url') as (ws: WebSocket) => string,
    protocol: getter(proto, 'protocol') as (ws: WebSocket) => string,
    extensions: getter(proto, 'extensions') as (ws: WebSocket) => string,
    binaryType: getter(proto, 'binaryType') as (ws: WebSocket) => string,
  };
}

export function hookWebSocket(g: HookGlobal, ctx: AdapterContext): void {
  const { dom, sockets, recorder, control } = ctx;
  const { record, fault } = recorder;
  const W = captureWebSocket(g);
  const NativeWebSocket = W.NativeWebSocket;
  /** each wrapped socket's adapter, also after it closed (a send on a closed socket is still recorded) */
  const adapters = new N.WeakMap<object, WebSocketAdapter>();

  /**
   * Set while the hook itself dispatches a message event on a socket (see `Delivery`): the hook's own listener
   * records an injected or replayed frame with that origin, and skips a frame given back (recorded on arrival).
   */
  let delivering: Delivery | undefined;
  /** a given-back frame's seq (recorded on arrival), while it is dispatched */
  let deliveringSeq = -1;
  function dispatchAs(ws: WebSocket, as: Delivery, event: Event, seq = -1): void {
    const before = delivering;
    const beforeSeq = deliveringSeq;
    delivering = as;
    deliveringSeq = seq;
    try {
      dom.dispatchEvent(ws, event);
    } finally {
      delivering = before;
      deliveringSeq = beforeSeq;
    }
  }

  /**
   * A MessageEvent the page cannot tamper with: the init dictionary has no prototype, so getters a page plants on
   * Object.prototype (`ports`, `source`, `lastEventId`…) are never consulted while the event is built.
   */
  function messageEvent(ws: WebSocket, data: unknown): MessageEvent {
    // the page gets a buffer of its own: the one the ring keeps must stay what it is, whatever the page does with its
    const own = isArrayBuffer(data) ? copyBytes(data, 0, N.arrayBufferByteLength(data)) : data;
    return new dom.MessageEvent('message', { __proto__: null, data: own, origin: originOf(ws) } as MessageEventInit);
  }

  function originOf(ws: WebSocket): string {
    const url = W.url(ws);
    return N.stringSlice(url, 0, N.stringIndexOf(url, '/', 6));
  }

  /** The LensSocket of one WebSocket. */
  class WebSocketAdapter implements LensSocket {
    /** set once a chaos rule closes the socket */
    chaos: Chaos | undefined = undefined;
    constructor(
      readonly sid: number,
      private readonly ws: WebSocket,
      /** a refused socket: the url the page asked for (the native one has another port), and what refused it */
      private readonly realUrl: string | undefined,
      readonly refusedBy: RuleMark | undefined,
    ) {}
    url(): string {
      return this.realUrl !== undefined ? this.realUrl : W.url(this.ws);
    }
    readyState(): number {
      return W.readyState(this.ws);
    }
    bufferedAmount(): number {
      return W.bufferedAmount(this.ws);
    }
    binaryType(): string {
      return W.binaryType(this.ws);
    }
    send(data: RawData): void {
      N.reflectApply(W.send, this.ws, [data]);
    }
    deliver(data: RawData, as: Delivery, seq?: number): void {
      dispatchAs(this.ws, as, messageEvent(this.ws, data), seq);
    }
    deliverEvent(type: 'close' | 'error', init?: CloseEventInit): void {
      dispatchAs(this.ws, 'given-back', type === 'close' ? new dom.CloseEvent('close', { __proto__: null, ...init } as CloseEventInit) : new dom.Event('error'));
      if (type === 'close') sockets.forget(this.sid);
    }
    close(code?: number, reason?: string): void {
      N.reflectApply(W.close, this.ws, code === undefined ? [] : [code, reason]);
    }
    closeAs(code: number, reason: string, mark: RuleMark): void {
      try {
        const state = W.readyState(this.ws);
        if (this.chaos || state > 1) return;
        // The real socket is closed for real. A code the page could send itself goes to the server too; the
        // server's own codes (1001, 1011, …) and the network's 1006 cannot be sent from a browser: the server then
        // sees a close without a code (1005). The page hears the rule's code once the closing handshake is done
        // (readyState CLOSED, as for a server's close); a CONNECTING socket fails as a connection does.
        const wire = state === 1 && (code === 1000 || (code >= 3000 && code <= 4999)) ? code : undefined;
        this.chaos = { __proto__: null, code, reason: code === 1006 || code === 1005 ? '' : reason, wasClean: code !== 1006, mark, replace: state === 1, wire } as Chaos;
        N.reflectApply(W.close, this.ws, wire === undefined ? [] : [wire, reason]);
      } catch (err) {
        fault(err);
      }
    }
  }
  // the adapter's own methods are found on its prototype; nothing it reads is ever looked up further
  N.setPrototypeOf(WebSocketAdapter.prototype, null);

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
    const type = dom.eventType(e);
    const event = draft('dispatched');
    event.type = type;
    if (type === 'close') {
      try {
        event.code = dom.closeEventCode(e);
        event.reason = dom.closeEventReason(e);
      } catch {
        // an Event named 'close' that is no CloseEvent: nothing more to tell
      }
    }
    record(sid, event);
  }

  function track(ws: WebSocket, protocols: string[], stack: string, refused?: Refused): void {
    const sid = sockets.allocate();
    const socket = new WebSocketAdapter(sid, ws, refused?.real, refused?.mark);
    N.weakMapSet(adapters, ws, socket);
    sockets.add(socket);
    probes.watch(ws);
    const created = draft('created');
    created.url = socket.url();
    created.protocols = protocols;
    created.stack = stack;
    if (refused) created.rule = refused.mark;
    record(sid, created);
    // The hook's listeners are added at construction, before any page listener, and as capturing listeners: at the
    // target Firefox runs every capturing listener before any other (the DOM standard's order; Chromium 156 keeps
    // registration order, measured), so a page's `addEventListener('message', fn, true)` ran before a bubbling hook
    // listener there and could stop the hook from ever seeing the frame. They see every event first and cannot be
    // removed by the page (it has no reference to them). Each catches what it could throw.
    const listen = <E extends Event>(type: string, fn: (e: E) => void) => dom.addEventListener(ws, type, fn as (e: never) => void, true);
    listen('open', (e: Event) => {
      try {
        if (!e.isTrusted) return recordDispatched(sid, e);
        const open = draft('open');
        open.protocol = W.protocol(ws);
        open.extensions = W.extensions(ws);
        record(sid, open);
        if (control.engaged()) control.opened(socket);
      } catch (err) {
        fault(err);
      }
    });
    listen('message', (e: MessageEvent) => {
      try {
        // the frame's event, for the page's handler runs after this listener
        let seq: number;
        let synthetic = false;
        if (delivering === 'given-back') seq = deliveringSeq;
        else {
          const data = dom.messageEventData(e);
          if (delivering !== undefined) seq = record(sid, receivedDraft(delivering), pageData(data));
          else if (!e.isTrusted) {
            seq = record(sid, receivedDraft('page'), pageData(data));
            synthetic = true;
          } else {
            // the ring keeps its own copy of the bytes: the page may transfer or rewrite the buffer it is handed
            const raw = isArrayBuffer(data) ? copyBytes(data, 0, N.arrayBufferByteLength(data)) : (data as RawData);
            // a rule holds, delays or rewrites it, or it must wait behind one that does: the page gets it later
            const fate = control.engaged() ? control.frame(sid, false, raw) : FRAME_PASS;
            if (fate === FRAME_TAKEN) {
              dom.stopImmediatePropagation(e);
              return;
            }
            // (recorded with a chaos mark by traffic control: the page still gets the browser's own event)
            seq = fate === FRAME_PASS ? record(sid, receivedDraft(), raw) : recorder.lastSeq();
          }
        }
        if (recorder.options.handlerTiming && seq >= 0) probes.begin(ws, sid, seq, synthetic);
      } catch (err) {
        fault(err);
      }
    });
    listen('error', (e: Event) => {
      try {
        if (delivering !== undefined) return;
        if (!e.isTrusted) return recordDispatched(sid, e);
        // a socket a chaos rule is closing as a server would: the page hears that close, and no error
        if (socket.chaos?.replace) return dom.stopImmediatePropagation(e);
        const error = draft('error');
        const mark = socket.refusedBy ?? socket.chaos?.mark;
        if (mark) error.rule = mark;
        record(sid, error);
        if (control.engaged() && control.socketEvent(sid, 'error')) dom.stopImmediatePropagation(e);
      } catch (err) {
        fault(err);
      }
    });
    listen('close', (e: CloseEvent) => {
      try {
        if (delivering !== undefined) return;
        if (!e.isTrusted) return recordDispatched(sid, e);
        const chaos = socket.chaos;
        if (chaos?.replace) {
          // the real socket has closed (a chaos rule closed it): the page hears the close the rule chose instead
          dom.stopImmediatePropagation(e);
          const init = { __proto__: null, code: chaos.code, reason: chaos.reason, wasClean: chaos.wasClean } as CloseEventInit;
          const close = draft('close');
          close.code = chaos.code;
          close.reason = chaos.reason;
          close.wasClean = chaos.wasClean;
          close.rule = chaos.mark;
          if (chaos.wire !== undefined) close.wire = chaos.wire;
          record(sid, close);
          if (!control.socketEvent(sid, 'close', init)) socket.deliverEvent('close', init);
          return;
        }
        const init = { __proto__: null, code: dom.closeEventCode(e), reason: dom.closeEventReason(e), wasClean: dom.closeEventWasClean(e) } as CloseEventInit;
        const close = draft('close');
        close.code = init.code!;
        close.reason = init.reason!;
        close.wasClean = init.wasClean!;
        const mark = socket.refusedBy ?? chaos?.mark;
        if (mark) close.rule = mark;
        record(sid, close);
        // received frames still waiting reach the page before it hears of the close
        if (control.engaged() && control.socketEvent(sid, 'close', init)) dom.stopImmediatePropagation(e);
        else sockets.forget(sid);
      } catch (err) {
        fault(err);
      }
    });
  }

  // ---------------------------------------------------------------- refused connections (chaos)
  /**
   * A socket that a server-down rule or the offline switch refuses is a native WebSocket to the page's url with its
   * port changed to 1, a port both browsers block before any connection is attempted (measured: nothing listening
   * on 127.0.0.1:1 is ever reached). The browser fails it exactly as it fails a refused connection: readyState
   * CONNECTING, then a trusted `error` and a `close` 1006 (wasClean false) a few ms later, with Firefox's growing
   * delay between failed reconnects. Only the port is changed, so mixed-content and local-network checks see the
   * same scheme and host; the `url` getter answers with the page's url for these sockets (see hookUrlGetter).
   */
  interface Refused {
    real: string;
    fake: string;
    mark: RuleMark;
  }
  /** The page's url as the native constructor parses it, and the url to fail it with; undefined: the native throws. */
  function refusedTarget(input: unknown): { real: string; fake: string } | undefined {
    if (typeof input === 'symbol') return undefined;
    const text = typeof input === 'string' ? input : N.String(input);
    // any fragment is a SyntaxError for the native: let it throw it
    if (N.stringIndexOf(text, '#') >= 0) return undefined;
    let u: URL;
    try {
      u = new N.URL(text, W.base());
    } catch {
      return undefined;
    }
    const scheme = N.urlProtocol(u);
    if (scheme === 'http:') N.urlSetProtocol(u, 'ws:');
    else if (scheme === 'https:') N.urlSetProtocol(u, 'wss:');
    else if (scheme !== 'ws:' && scheme !== 'wss:') return undefined;
    const real = N.urlHref(u);
    N.urlSetPort(u, '1');
    return { real, fake: N.urlHref(u) };
  }
  function refusalFor(input: unknown): Refused | undefined {
    const target = refusedTarget(input);
    if (!target) return undefined;
    const mark = control.refusal(target.real);
    if (!mark) return undefined;
    hookUrlGetter();
    return { __proto__: null, real: target.real, fake: target.fake, mark } as Refused;
  }

  /** refused sockets' urls as the page asked for them */
  const realUrls = new N.WeakMap<object, string>();
  let urlHooked = false;
  /**
   * `url` of a refused socket must read as the page's url. Wrapped (a disguised Proxy, as send and close) only once
   * a socket was refused: a page where chaos never refused anything keeps the native getter.
   */
  function hookUrlGetter(): void {
    if (urlHooked) return;
    urlHooked = true;
    const d = N.getOwnPropertyDescriptor(proto, 'url');
    if (!d || typeof d.get !== 'function') return;
    const nativeUrl = d.get;
    function url(target: () => string, self: unknown, args: unknown[]): unknown {
      if (typeof self === 'object' && self !== null) {
        const real = N.weakMapGet(realUrls, self);
        if (real !== undefined) return real;
      }
      try {
        return N.reflectApply(target, self, args);
      } catch (err) {
        throw asNative(err, url);
      }
    }
    const wrapped = wrap(nativeUrl, { apply: url } as ProxyHandler<() => string>);
    ctx.mask(wrapped, nativeUrl);
    // a descriptor with no prototype: the page may have planted `value` or `writable` on Object.prototype by now
    N.defineProperty(proto, 'url', { __proto__: null, get: wrapped, set: d.set, enumerable: d.enumerable, configurable: d.configurable } as PropertyDescriptor);
  }

  // ---------------------------------------------------------------- the wrappers
  // The construct trap passes `newTarget` through so `class X extends WebSocket` builds an X. Native errors
  // (SyntaxError for a bad URL) are thrown by the native constructor itself, before anything is tracked.
  function construct(target: typeof WebSocket, args: unknown[], newTarget: unknown): object {
    if (ctx.realmKey !== undefined && args.length === 1 && args[0] === ctx.realmKey) return bare<object>();
    let callArgs: unknown[] = args;
    let list = nullArray<string>();
    if (args.length > 0) {
      // url first, then protocols: the order in which the native converts them
      const url = isObjectLike(args[0]) ? N.String(args[0]) : args[0];
      if (args.length > 1) {
        const p = readProtocols(args[1]);
        // built whole: an index written into an array may reach a setter a page planted on Array.prototype
        callArgs = [url, p.value];
        list = p.list;
      } else callArgs = [url];
    }
    // server down or offline: the socket fails as a refused connection does, and never connects
    let refused: Refused | undefined;
    if (args.length > 0 && control.refusing()) {
      try {
        refused = refusalFor(callArgs[0]);
        if (refused) callArgs = callArgs.length > 1 ? [refused.fake, callArgs[1]] : [refused.fake];
      } catch (err) {
        fault(err);
      }
    }
    let ws: WebSocket;
    try {
      ws = N.reflectConstruct(target, callArgs, newTarget === Hooked ? target : (newTarget as typeof WebSocket)) as WebSocket;
    } catch (err) {
      throw asNative(err, construct);
    }
    try {
      if (refused) N.weakMapSet(realUrls, ws, refused.real);
      track(ws, list, creationStack(construct), refused);
    } catch (err) {
      fault(err);
    }
    return ws;
  }
  const Hooked = wrap(NativeWebSocket, { construct } as ProxyHandler<typeof WebSocket>);
  const proto = NativeWebSocket.prototype;
  // the page's message listeners on its sockets, each followed by a probe of the hook's (handler-probes.ts)
  const probes = createHandlerProbes(g, dom, proto, ctx.mask, recorder.annotate, fault);
  recorder.setBeforeFlush(probes.settleAll);
  // `ws.constructor === WebSocket` must hold for the page's view of WebSocket, which is now the Proxy
  const ctorDesc = N.getOwnPropertyDescriptor(proto, 'constructor');
  if (ctorDesc) N.defineProperty(proto, 'constructor', { ...ctorDesc, value: Hooked });

  // send/close are wrapped by Proxies too, so `name`, `length` and `toString` keep their native look; the native
  // call runs first, so its exceptions (InvalidStateError while CONNECTING) reach the page unchanged.
  function send(target: typeof W.send, self: unknown, args: unknown[]): unknown {
    const socket = N.weakMapGet(adapters, self as object);
    if (socket === undefined || args.length === 0) {
      try {
        return N.reflectApply(target, self, args);
      } catch (err) {
        throw asNative(err, send);
      }
    }
    const data = readSendData(args[0]);
    const callArgs = data === args[0] ? args : [data];
    const state = W.readyState(self as WebSocket);
    // taken here, in the trap, so the stack starts at the page's call (a frame of the hook's above would be cut anyway)
    let stack: string | undefined;
    if (recorder.options.sendStacks) {
      try {
        stack = creationStack(send);
      } catch (err) {
        fault(err);
      }
    }
    let raw: RawData | undefined;
    // only an OPEN socket's frames can be held: a CONNECTING one must throw, natively, right now
    if (control.engaged() && state === 1) {
      try {
        raw = snapshot(data);
        if (control.frame(socket.sid, true, raw, stack)) return undefined;
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
    afterSend(socket, raw, data, state >= 2, stack);
    return undefined;
  }
  /** Record a frame the native just took; never throws (the page's send has already happened). */
  function afterSend(socket: LensSocket, raw: RawData | undefined, data: unknown, discarded: boolean, stack: string | undefined): void {
    try {
      recorder.recordSent(socket, raw ?? snapshot(data), undefined, discarded, stack);
    } catch (err) {
      fault(err);
    }
  }
  const wrappedSend = wrap(W.send, { apply: send } as ProxyHandler<typeof W.send>);

  function close(target: typeof W.close, self: unknown, args: unknown[]): unknown {
    const socket = N.weakMapGet(adapters, self as object);
    const before = socket === undefined ? -1 : W.readyState(self as WebSocket);
    try {
      N.reflectApply(target, self, args);
    } catch (err) {
      throw asNative(err, close);
    }
    try {
      if (socket !== undefined && before < 2 && W.readyState(self as WebSocket) === 2) record(socket.sid, closingState());
    } catch (err) {
      fault(err);
    }
    return undefined;
  }
  const wrappedClose = wrap(W.close, { apply: close } as ProxyHandler<typeof W.close>);

  ctx.mask(Hooked, NativeWebSocket);
  ctx.mask(wrappedSend, W.send);
  ctx.mask(wrappedClose, W.close);
  const sendDesc = N.getOwnPropertyDescriptor(proto, 'send');
  const closeDesc = N.getOwnPropertyDescriptor(proto, 'close');
  if (sendDesc) N.defineProperty(proto, 'send', { ...sendDesc, value: wrappedSend });
  if (closeDesc) N.defineProperty(proto, 'close', { ...closeDesc, value: wrappedClose });
  const globalDesc = N.getOwnPropertyDescriptor(g, 'WebSocket');
  N.defineProperty(g, 'WebSocket', { ...(globalDesc || { writable: true, configurable: true, enumerable: false }), value: Hooked });
}
