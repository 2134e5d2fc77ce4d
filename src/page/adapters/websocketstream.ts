/**
 * The WebSocketStream adapter (Chromium; a global without WebSocketStream gets nothing). A stream socket hands the
 * page a readable and a writable once `opened` resolves; the adapter keeps the native pair for itself and hands the
 * page a pair of its own that forwards every chunk, so each one is recorded, traffic rules can hold or rewrite it and
 * the panel can write and inject on the socket.
 *
 * Backpressure stays the page's: the readable the page gets has a high-water mark of 0 and reads the native one only
 * when the page asks for a chunk (a slow reader still slows the socket), and the writable passes each write on and
 * resolves when the native write does. Received frames are therefore recorded as the page reads them. What the page
 * can tell: `opened` settles a microtask after the native one, and its readable and writable are ReadableStream and
 * WritableStream objects of the page's own realm rather than the browser's internal pair (README, Known limits).
 */
import { natives as N, getter, isArrayBuffer, uncurry } from '../natives';
import { copyBinary, type RawData } from '../encode';
import { asNative, creationStack, withoutHookFrames, wrap } from '../disguise';
import { isObjectLike, readProtocols } from '../read-once';
import { closingState, draft, receivedDraft } from '../recorder';
import { FRAME_PASS, FRAME_TAKEN } from '../control';
import type { HookGlobal } from '../dom';
import type { Delivery, LensSocket } from '../socket';
import type { AdapterContext } from './websocket';

interface OpenedInfo {
  readable: ReadableStream;
  writable: WritableStream;
  protocol: string;
  extensions: string;
}
type NativeStream = object;
type StreamGlobal = HookGlobal & {
  WebSocketStream?: new (url: string, options?: object) => NativeStream;
  WebSocketError?: { prototype: object };
  ReadableStream: typeof ReadableStream;
  WritableStream: typeof WritableStream;
  ReadableStreamDefaultReader: typeof ReadableStreamDefaultReader;
  WritableStreamDefaultWriter: typeof WritableStreamDefaultWriter;
  ReadableStreamDefaultController: typeof ReadableStreamDefaultController;
};

function captureStreams(g: StreamGlobal) {
  const proto = g.WebSocketStream!.prototype as object;
  const reader = g.ReadableStreamDefaultReader.prototype;
  const writer = g.WritableStreamDefaultWriter.prototype;
  const controller = g.ReadableStreamDefaultController.prototype;
  return {
    Native: g.WebSocketStream!,
    proto,
    url: getter(proto, 'url') as (s: NativeStream) => string,
    opened: getter(proto, 'opened') as (s: NativeStream) => Promise<OpenedInfo>,
    closed: getter(proto, 'closed') as (s: NativeStream) => Promise<{ closeCode: number; reason: string }>,
    close: (proto as { close: (info?: object) => void }).close,
    errorCloseCode: getter(g.WebSocketError?.prototype, 'closeCode') as (e: unknown) => number,
    errorReason: getter(g.WebSocketError?.prototype, 'reason') as (e: unknown) => string,
    ReadableStream: g.ReadableStream,
    WritableStream: g.WritableStream,
    getReader: uncurry(g.ReadableStream.prototype.getReader) as (s: ReadableStream) => ReadableStreamDefaultReader,
    getWriter: uncurry(g.WritableStream.prototype.getWriter) as (s: WritableStream) => WritableStreamDefaultWriter,
    read: uncurry(reader.read) as (r: ReadableStreamDefaultReader) => Promise<ReadableStreamReadResult<unknown>>,
    cancel: uncurry(reader.cancel) as (r: ReadableStreamDefaultReader, reason?: unknown) => Promise<void>,
    write: uncurry(writer.write) as (w: WritableStreamDefaultWriter, chunk: unknown) => Promise<void>,
    closeWriter: uncurry(writer.close) as (w: WritableStreamDefaultWriter) => Promise<void>,
    abort: uncurry(writer.abort) as (w: WritableStreamDefaultWriter, reason?: unknown) => Promise<void>,
    enqueue: uncurry(controller.enqueue) as (c: ReadableStreamDefaultController, chunk: unknown) => void,
    closeController: uncurry(controller.close) as (c: ReadableStreamDefaultController) => void,
    errorController: uncurry(controller.error) as (c: ReadableStreamDefaultController, e: unknown) => void,
  };
}

const noop = () => {};

/**
 * `then` on a promise the page never sees. `Promise.prototype.then` asks the promise for its `constructor` and that
 * for its `Symbol.species`, both of which a page can redefine (to notice the hook, or to run code inside it): an own
 * `constructor` of undefined makes `then` use the intrinsic Promise without asking either.
 */
function privateThen<T, R>(p: Promise<T>, onFulfilled?: (v: T) => R | PromiseLike<R>, onRejected?: (e: unknown) => R | PromiseLike<R>): Promise<R> {
  N.defineProperty(p, 'constructor', { __proto__: null, value: undefined, configurable: true } as PropertyDescriptor);
  return N.promiseThen(p, onFulfilled, onRejected);
}

/** `then` on a promise the hook made and hands the page: the same, and the promise as it was before the page gets it. */
function handedThen<T, R>(p: Promise<T>, onFulfilled?: (v: T) => R | PromiseLike<R>, onRejected?: (e: unknown) => R | PromiseLike<R>): Promise<R> {
  const next = privateThen(p, onFulfilled, onRejected);
  delete (p as { constructor?: unknown }).constructor;
  return next;
}

export function hookWebSocketStream(g: StreamGlobal, ctx: AdapterContext): void {
  if (typeof g.WebSocketStream !== 'function' || typeof g.ReadableStream !== 'function') return;
  const { sockets, recorder, control } = ctx;
  const { record, fault } = recorder;
  const S = captureStreams(g);
  /** the promise the page gets from `opened`, per stream (the native one resolves to the browser's own pair) */
  const openedOf = new N.WeakMap<object, Promise<OpenedInfo>>();
  const closedOf = new N.WeakMap<object, Promise<unknown>>();
  const adapters = new N.WeakMap<object, StreamAdapter>();

  /**
   * What the page's write sends: bytes as they are, anything else as the string the native would make of it (Chromium
   * sends `write(42)` as the text "42", measured), converted here once and handed to the native as that string.
   */
  function sendable(chunk: unknown): unknown {
    // bytes go as they are; a Symbol has no string: the native refuses it with its own error
    if (typeof chunk === 'string' || typeof chunk === 'symbol' || isArrayBuffer(chunk) || N.isView(chunk)) return chunk;
    return N.String(chunk);
  }

  /**
   * Page-side resolution of the native promises' results asks `Object.prototype.then` (a result object is a
   * thenable if the page made it one): a page that defined it could hand the hook forged chunks. Such a page's
   * received frames are recorded as the page's, not the socket's, and the panel is told.
   */
  function thenPlanted(): boolean {
    return N.hasOwn(N.objectPrototype, 'then');
  }

  class StreamAdapter implements LensSocket {
    state = 0;
    reader: ReadableStreamDefaultReader | undefined;
    writer: WritableStreamDefaultWriter | undefined;
    controller: ReadableStreamDefaultController | undefined;
    constructor(
      readonly sid: number,
      private readonly stream: NativeStream,
    ) {}
    url(): string {
      return S.url(this.stream);
    }
    readyState(): number {
      return this.state;
    }
    /** a stream has no bufferedAmount: its writable's backpressure is the page's to see */
    bufferedAmount(): number {
      return 0;
    }
    /** a stream hands binary frames over as ArrayBuffers (measured in Chromium 156) */
    binaryType(): string {
      return 'arraybuffer';
    }
    send(data: RawData): void {
      if (!this.writer) throw new N.Error('the stream is not open');
      privateThen(S.write(this.writer, data), undefined, fault);
    }
    deliver(data: RawData, as: Delivery): void {
      // the page gets a buffer of its own: the one the ring keeps must stay what it is, whatever the page does with its
      const own = copyBinary(data) ?? data;
      try {
        if (!this.controller) throw new N.Error('the stream is not open');
        S.enqueue(this.controller, own);
      } catch (err) {
        // a frame traffic control gives back after the page cancelled its reader: nobody is there to take it
        if (as === 'given-back') return fault(err);
        throw err;
      }
      if (as !== 'given-back') record(this.sid, receivedDraft(as), data);
    }
    deliverEvent(type: 'close' | 'error'): void {
      try {
        if (this.controller) {
          if (type === 'close') S.closeController(this.controller);
          else S.errorController(this.controller, new N.Error('the socket failed'));
        }
      } catch (err) {
        // the page's readable is already closed or cancelled
        fault(err);
      }
      sockets.forget(this.sid);
    }
    close(code?: number, reason?: string): void {
      N.reflectApply(S.close, this.stream, code === undefined ? [] : [{ __proto__: null, closeCode: code, reason }]);
    }
  }
  N.setPrototypeOf(StreamAdapter.prototype, null);

  /** The page's readable: pulls the native one chunk by chunk, as the page reads. */
  function pageReadable(socket: StreamAdapter, reader: ReadableStreamDefaultReader): ReadableStream {
    const sid = socket.sid;
    /** true when the chunk went to the page; false when a rule holds it (it reaches the page later, or never) */
    function take(value: unknown): boolean {
      try {
        // the ring keeps its own copy of the bytes: the page may transfer or rewrite the buffer it is handed
        const raw = typeof value === 'string' ? value : copyBinary(value);
        if (raw !== undefined) {
          if (thenPlanted()) {
            fault(new N.Error('the page defined Object.prototype.then: its stream frames are shown as the page\'s'));
            record(sid, receivedDraft('page'), raw);
          } else {
            const fate = control.engaged() ? control.frame(sid, false, raw) : FRAME_PASS;
            if (fate === FRAME_TAKEN) return false;
            if (fate === FRAME_PASS) record(sid, receivedDraft(), raw);
          }
        }
      } catch (err) {
        fault(err);
      }
      try {
        S.enqueue(socket.controller!, value);
      } catch (err) {
        fault(err);
      }
      return true;
    }
    function ended(): void {
      try {
        // received frames a rule still holds reach the page before the end of the stream
        if (control.engaged() && control.socketEvent(sid, 'close')) return;
      } catch (err) {
        fault(err);
      }
      try {
        S.closeController(socket.controller!);
      } catch (err) {
        // the page cancelled its reader: nothing to close
        fault(err);
      }
      sockets.forget(sid);
    }
    // A pull resolves once the page has a chunk: a held one does not count, so the next is read (the page waits for
    // something it can have; frames behind a held one are held too, in order).
    function pump(): Promise<void> {
      return privateThen(
        S.read(reader),
        (r) => {
          if (r.done) return ended();
          if (!take(r.value)) return pump();
        },
        (err) => {
          try {
            S.errorController(socket.controller!, err);
          } catch (e) {
            fault(e);
          }
        },
      );
    }
    const source = {
      __proto__: null,
      start(c: ReadableStreamDefaultController) {
        socket.controller = c;
      },
      pull: pump,
      cancel: (reason: unknown) => S.cancel(reader, reason),
    };
    return new S.ReadableStream(source as UnderlyingDefaultSource, { __proto__: null, highWaterMark: 0 } as QueuingStrategy);
  }

  /** The page's writable: each write recorded, passed to the native writer, resolved when the native write is. */
  function pageWritable(socket: StreamAdapter, writer: WritableStreamDefaultWriter): WritableStream {
    function write(chunk: unknown): Promise<void> | undefined {
      const send = sendable(chunk);
      // what the wire carries: the text well-formed, the bytes copied (none for a Symbol, which the native refuses)
      const raw = typeof send === 'string' ? N.toWellFormed(send) : copyBinary(send);
      if (raw === undefined) return S.write(writer, send);
      try {
        if (control.engaged() && socket.state === 1 && control.frame(socket.sid, true, raw)) return undefined;
      } catch (err) {
        fault(err);
      }
      const done = S.write(writer, send);
      try {
        recorder.recordSent(socket, raw, undefined, socket.state >= 2);
      } catch (err) {
        fault(err);
      }
      return done;
    }
    const sink = {
      __proto__: null,
      write,
      close: () => S.closeWriter(writer),
      abort: (reason: unknown) => S.abort(writer, reason),
    };
    return new S.WritableStream(sink as UnderlyingSink, { __proto__: null, highWaterMark: 1 } as QueuingStrategy);
  }

  function opened(socket: StreamAdapter, info: OpenedInfo): OpenedInfo {
    try {
      // the info object came through the page's Object.prototype.then, if it planted one: it may be the page's own
      if (thenPlanted()) throw new N.Error('the page defined Object.prototype.then: this stream is not recorded');
      const reader = S.getReader(info.readable);
      const writer = S.getWriter(info.writable);
      socket.reader = reader;
      socket.writer = writer;
      socket.state = 1;
      const open = draft('open');
      open.protocol = info.protocol;
      open.extensions = info.extensions;
      record(socket.sid, open);
      // the native keys, in the native order
      return { extensions: info.extensions, protocol: info.protocol, readable: pageReadable(socket, reader), writable: pageWritable(socket, writer) };
    } catch (err) {
      // the page gets the browser's own pair rather than nothing: it loses no frame, the panel does
      fault(err);
      return info;
    }
  }

  function closed(socket: StreamAdapter, code: number, reason: string, wasClean: boolean): void {
    try {
      socket.state = 3;
      if (!wasClean) record(socket.sid, draft('error'));
      const close = draft('close');
      close.code = code;
      close.reason = reason;
      close.wasClean = wasClean;
      record(socket.sid, close);
      if (!socket.controller) sockets.forget(socket.sid);
    } catch (err) {
      fault(err);
    }
  }

  function track(stream: NativeStream, protocols: string[], stack: string): void {
    const sid = sockets.allocate();
    const socket = new StreamAdapter(sid, stream);
    N.weakMapSet(adapters, stream, socket);
    sockets.add(socket);
    const created = draft('created');
    created.url = S.url(stream);
    created.protocols = protocols;
    created.stack = stack;
    created.socketKind = 'stream';
    record(sid, created);
    const forPage = privateThen(
      S.opened(stream),
      (info) => opened(socket, info),
      (err) => {
        withoutHookFrames(err);
        throw err;
      },
    );
    // as the native `opened` is: a rejection nobody awaits is no unhandled rejection
    handedThen(forPage, undefined, noop);
    N.weakMapSet(openedOf, stream, forPage);
    // the page's `closed` is the hook's too (the hook's reactions to the native one must not ask the page anything)
    const closedForPage = privateThen(
      S.closed(stream),
      (info) => {
        closed(socket, info.closeCode, info.reason, true);
        return info;
      },
      (err) => {
        // the hook's reactions run before any the page adds: the page never sees the wrapper's frames
        withoutHookFrames(err);
        let code = 1006;
        let reason = '';
        try {
          code = S.errorCloseCode(err) ?? 1006;
          reason = S.errorReason(err) ?? '';
        } catch {
          // not a WebSocketError (the connection failed): an abnormal closure
        }
        closed(socket, code, reason, false);
        throw err;
      },
    );
    handedThen(closedForPage, undefined, noop);
    N.weakMapSet(closedOf, stream, closedForPage);
  }

  // ---------------------------------------------------------------- the wrappers
  // The options dictionary is read once, as the native reads it (protocols, then signal), and the native is handed a
  // prototype-less copy: a page's getters run once and Object.prototype is never consulted.
  function construct(target: typeof S.Native, args: unknown[], newTarget: unknown): object {
    let callArgs: unknown[] = args;
    let list: string[] = [];
    // (what a page's toString, getter or iterator throws here is the page's own error, thrown as natively: untouched)
    if (args.length > 0) {
      const url = isObjectLike(args[0]) ? N.String(args[0]) : args[0];
      const options = args[1];
      if (isObjectLike(options)) {
        const copy = { __proto__: null } as unknown as Record<string, unknown>;
        const protocols = (options as Record<string, unknown>).protocols;
        if (protocols !== undefined) {
          const p = readProtocols(protocols);
          copy.protocols = p.value;
          list = p.list;
        }
        const signal = (options as Record<string, unknown>).signal;
        if (signal !== undefined) copy.signal = signal;
        // built whole: an index written into an array may reach a setter a page planted on Array.prototype
        callArgs = [url, copy];
      } else callArgs = args.length > 1 ? [url, options] : [url];
    }
    let stream: NativeStream;
    try {
      stream = N.reflectConstruct(target, callArgs, newTarget === Hooked ? target : (newTarget as typeof S.Native)) as NativeStream;
    } catch (err) {
      throw asNative(err, construct);
    }
    try {
      track(stream, list, creationStack(construct));
    } catch (err) {
      fault(err);
    }
    return stream;
  }
  const Hooked = wrap(S.Native, { construct } as ProxyHandler<typeof S.Native>);
  const ctorDesc = N.getOwnPropertyDescriptor(S.proto, 'constructor');
  if (ctorDesc) N.defineProperty(S.proto, 'constructor', { ...ctorDesc, value: Hooked });

  /**
   * `opened` and `closed` answer with the hook's promise for a stream the hook made (cached: the same promise every
   * time, as natively), and with the native's otherwise.
   */
  function hookPromiseGetter(name: 'opened' | 'closed', mine: WeakMap<object, Promise<unknown>>): void {
    const desc = N.getOwnPropertyDescriptor(S.proto, name)!;
    function get(target: () => unknown, self: unknown, args: unknown[]): unknown {
      const promise = isObjectLike(self) ? N.weakMapGet(mine, self) : undefined;
      if (promise !== undefined) return promise;
      try {
        return N.reflectApply(target, self, args);
      } catch (err) {
        throw asNative(err, get);
      }
    }
    const wrapped = wrap(desc.get!, { apply: get } as ProxyHandler<() => unknown>);
    ctx.mask(wrapped, desc.get!);
    N.defineProperty(S.proto, name, { ...desc, get: wrapped });
  }

  function close(target: typeof S.close, self: unknown, args: unknown[]): unknown {
    const socket = isObjectLike(self) ? N.weakMapGet(adapters, self) : undefined;
    try {
      N.reflectApply(target, self, args);
    } catch (err) {
      throw asNative(err, close);
    }
    try {
      if (socket !== undefined && socket.state < 2) {
        socket.state = 2;
        record(socket.sid, closingState());
      }
    } catch (err) {
      fault(err);
    }
    return undefined;
  }
  const wrappedClose = wrap(S.close, { apply: close } as ProxyHandler<typeof S.close>);

  ctx.mask(Hooked, S.Native);
  ctx.mask(wrappedClose, S.close);
  hookPromiseGetter('opened', openedOf);
  hookPromiseGetter('closed', closedOf);
  const closeDesc = N.getOwnPropertyDescriptor(S.proto, 'close');
  if (closeDesc) N.defineProperty(S.proto, 'close', { ...closeDesc, value: wrappedClose });
  const globalDesc = N.getOwnPropertyDescriptor(g, 'WebSocketStream');
  N.defineProperty(g, 'WebSocketStream', { ...(globalDesc || { writable: true, configurable: true, enumerable: false }), value: Hooked });
}
