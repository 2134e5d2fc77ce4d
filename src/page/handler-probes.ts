/**
 * The page's side of each received frame (issue 17): which of the page's `message` listeners ran for it, how long
 * each took and what it threw, without wrapping a single page function.
 *
 * For every `message` listener the page adds to a captured socket (`addEventListener`, or `onmessage`), the hook adds
 * one listener of its own, a probe, right after it and in the same phase. Dispatch then runs hook, L1, P1, L2, P2, …
 * in both browsers (the neighbours of a listener in dispatch order are those of its own phase registered next to it,
 * measured: docs/page-side-design.md), and Lk's time is Pk's `performance.now()` minus P(k-1)'s. It includes the
 * microtasks Lk queued (a browser-dispatched event has a microtask checkpoint after each listener): time Lk caused.
 * The page's functions, `this`, `handleEvent`, `once`, `signal`, the order of listeners and every stack a handler
 * throws stay the browser's own; the page cannot list a target's listeners, so it cannot see the probes.
 *
 * An exception a listener throws is reported by the browser on the global (`error` event, console) before the next
 * listener runs: the hook listens there, first and capturing, only listens, and gives it to the next probe.
 */
import { natives as N, bare, getter, nullArray } from './natives';
import { asNative, wrap, type Trap } from './disguise';
import { isObjectLike } from './read-once';
import type { Dom, HookGlobal } from './dom';
import type { HandlerError, HandlerRun } from '../shared/protocol';

/** One page listener of `message` on a captured socket, and the probe after it. */
interface Entry {
  /** the page's callback (a function or a `handleEvent` object); for `onmessage`, the handler function */
  callback: object;
  capture: boolean;
  once: boolean;
  signal: AbortSignal | undefined;
  /** the socket's `onmessage` event handler, not an `addEventListener` listener */
  handler: boolean;
  probe: (e: Event) => void;
  /** removed by the page (or, once, by the browser after its run): the probe is gone too */
  removed: boolean;
  /** the dispatch counter when it was added: a dispatch under way when it was added does not run it */
  since: number;
  /** id of the last dispatch its probe ran in */
  lastRun: number;
  label: string | undefined;
}

/** One dispatch of a received frame to the page's listeners, while it is measured. */
interface Dispatch {
  id: number;
  sid: number;
  seq: number;
  /** when the previous listener ended (the hook's own listener, then each probe) */
  last: number;
  runs: HandlerRun[];
  /** live listeners when it began: all of them ran when this many probes did */
  expected: number;
  /** a listener was removed while it ran: count nothing, look at each entry when settling */
  changed: boolean;
  /** the exception reported on the global since the last probe: the next probe's listener threw it */
  error: HandlerError | undefined;
}

interface Registry {
  entries: Entry[];
  dispatch: Dispatch | undefined;
  /** in `open` until the next settleAll: a socket is listed there once, however many frames it got meanwhile */
  listed: boolean;
}

export interface HandlerProbes {
  /** a socket the hook captured: its `message` listeners get probes from now on */
  watch(ws: object): void;
  /**
   * the hook's own listener has recorded frame `seq` of socket `sid`, and the page's listeners run next.
   * `synthetic`: an event the page dispatched itself, maybe from inside a listener of a frame still measured; that
   * one is not cut short for it (the synthetic one goes unmeasured instead).
   */
  begin(ws: object, sid: number, seq: number, synthetic: boolean): void;
  /** every dispatch still open ends here (the recorder's flush timer): one a listener stopped, or with no listener */
  settleAll(): void;
}

/** What the probes report to: set a finished dispatch's runs on its frame. */
export type Annotate = (sid: number, seq: number, runs: HandlerRun[], total: number) => void;

/**
 * Times go to the panel in µs steps: the clock is no finer in a page (0.1 ms in Chromium, 1 ms in Firefox, finer only
 * when cross-origin isolated), and `0.09999999403953552` costs every frame 19 bytes of JSON where `0.1` costs 3.
 */
const us = (ms: number) => N.mathRound(ms * 1000) / 1000;

/** At most this much of a listener's source is kept as its label when it has no name. */
const SOURCE_LABEL_CHARS = 80;

function captureListenerApi(g: HookGlobal) {
  const et = g.EventTarget.prototype;
  const signalProto = (g as { AbortSignal?: typeof AbortSignal }).AbortSignal?.prototype;
  const errorEvent = (g as { ErrorEvent?: typeof ErrorEvent }).ErrorEvent?.prototype;
  return {
    addEventListener: et.addEventListener,
    removeEventListener: et.removeEventListener,
    aborted: signalProto ? (getter(signalProto, 'aborted') as (s: AbortSignal) => boolean) : () => false,
    errorMessage: getter(errorEvent, 'message') as (e: Event) => string,
    errorFilename: getter(errorEvent, 'filename') as (e: Event) => string,
    errorLineno: getter(errorEvent, 'lineno') as (e: Event) => number,
    errorColno: getter(errorEvent, 'colno') as (e: Event) => number,
    errorError: getter(errorEvent, 'error') as (e: Event) => unknown,
  };
}

/**
 * At the target, does this engine run every capturing listener before the bubbling ones (Firefox, the DOM standard)
 * or all of them in registration order (Chromium 156)? Asked of an EventTarget of the hook's own, so the page sees
 * nothing. It decides which listener a `stopImmediatePropagation()` came from.
 */
function captureFirstAtTarget(g: HookGlobal, dom: Dom): boolean {
  try {
    const target = new g.EventTarget();
    let first = '';
    dom.addEventListener(target, 'x', () => (first = first || 'bubble'), false);
    dom.addEventListener(target, 'x', () => (first = first || 'capture'), true);
    dom.dispatchEvent(target, new dom.Event('x'));
    return first === 'capture';
  } catch {
    return false;
  }
}

export function createHandlerProbes(
  g: HookGlobal,
  dom: Dom,
  proto: object,
  mask: (wrapper: object, native: object) => void,
  annotate: Annotate,
  fault: (err: unknown) => void,
): HandlerProbes {
  const L = captureListenerApi(g);
  const captureFirst = captureFirstAtTarget(g, dom);
  const registries = new N.WeakMap<object, Registry>();
  /** dispatches begun and not settled yet */
  const open = nullArray<Registry>();
  let dispatches = 0;
  /** the dispatch whose listener runs now: a global error event belongs to it */
  let current: Dispatch | undefined;

  const nativeAdd = (ws: object, probe: (e: Event) => void, capture: boolean, once: boolean, signal: AbortSignal | undefined) => {
    const options = { __proto__: null, capture, once } as AddEventListenerOptions;
    if (signal !== undefined) options.signal = signal;
    N.reflectApply(L.addEventListener, ws, ['message', probe, options]);
  };
  const nativeRemove = (ws: object, probe: (e: Event) => void, capture: boolean) => N.reflectApply(L.removeEventListener, ws, ['message', probe, capture]);

  function live(e: Entry): boolean {
    if (e.removed) return false;
    if (e.signal !== undefined && L.aborted(e.signal)) e.removed = true;
    return !e.removed;
  }

  /** entries the page removed go, while no dispatch looks at them */
  function compact(reg: Registry): void {
    if (reg.dispatch !== undefined) return;
    const entries = reg.entries;
    let keep = 0;
    for (let i = 0; i < entries.length; i++) if (live(entries[i])) entries[keep++] = entries[i];
    entries.length = keep;
  }

  function addEntry(ws: object, reg: Registry, callback: object, capture: boolean, once: boolean, signal: AbortSignal | undefined, handler: boolean): void {
    const entry = bare<Entry>();
    entry.callback = callback;
    entry.capture = capture;
    entry.once = once;
    entry.signal = signal;
    entry.handler = handler;
    entry.removed = false;
    entry.since = dispatches;
    entry.lastRun = -1;
    entry.label = undefined;
    entry.probe = function () {
      // a once listener is gone after its first run, and so is its probe (also `once`)
      if (entry.once) entry.removed = true;
      const d = reg.dispatch;
      if (d === undefined) return;
      const now = N.perfNow();
      try {
        ran(reg, d, entry, now);
      } catch (err) {
        fault(err);
      }
    };
    compact(reg);
    reg.entries[reg.entries.length] = entry;
    nativeAdd(ws, entry.probe, capture, once, signal);
  }

  /** the live `addEventListener` entry the browser identifies by (callback, capture), as it does its listeners */
  function listenerEntry(reg: Registry, callback: unknown, capture: boolean): Entry | undefined {
    for (let i = 0; i < reg.entries.length; i++) {
      const e = reg.entries[i];
      if (!e.handler && e.callback === callback && e.capture === capture && live(e)) return e;
    }
    return undefined;
  }

  /** the page removed a listener: its probe goes too; a dispatch under way can no longer count its probes */
  function dropEntry(ws: object, reg: Registry, e: Entry): void {
    e.removed = true;
    nativeRemove(ws, e.probe, e.capture);
    if (reg.dispatch !== undefined) reg.dispatch.changed = true;
    compact(reg);
  }

  function ran(reg: Registry, d: Dispatch, entry: Entry, now: number): void {
    const run = bare<HandlerRun>();
    run.name = labelOf(entry);
    run.ms = us(now - d.last);
    if (d.error !== undefined) {
      run.threw = d.error;
      d.error = undefined;
    }
    d.runs[d.runs.length] = run;
    entry.lastRun = d.id;
    current = d;
    // the last listener that was there when the frame came: nothing more can run for it
    if (!d.changed && d.runs.length === d.expected) settle(reg);
    else d.last = N.perfNow();
  }

  /**
   * The dispatch is over: every listener ran, or one stopped the others (`stopImmediatePropagation()`: the first
   * live listener, in dispatch order, whose probe did not run is the one that stopped it; it ran, for a time no
   * probe saw). Its runs go on the frame.
   */
  function settle(reg: Registry): void {
    const d = reg.dispatch;
    if (d === undefined) return;
    reg.dispatch = undefined;
    if (current === d) current = undefined;
    if (d.runs.length < d.expected || d.changed) {
      const stopper = firstNotRun(reg.entries, d);
      if (stopper !== undefined) {
        const run = bare<HandlerRun>();
        run.name = labelOf(stopper);
        run.stopped = true;
        if (d.error !== undefined) run.threw = d.error;
        d.runs[d.runs.length] = run;
        // a once listener the browser removed before running it: its probe never ran, and must go with it
        if (stopper.once) {
          stopper.removed = true;
          nativeRemove(ws(reg), stopper.probe, stopper.capture);
        }
      }
    }
    let total = 0;
    for (let i = 0; i < d.runs.length; i++) total += d.runs[i].ms ?? 0;
    annotate(d.sid, d.seq, d.runs, us(total));
  }
  /** registries do not know their socket; a stopped once listener is rare enough to look it up */
  const sockets = new N.WeakMap<Registry, object>();
  const ws = (reg: Registry) => N.weakMapGet(sockets, reg) as object;

  function firstNotRun(entries: Entry[], d: Dispatch): Entry | undefined {
    const pick = (capture: boolean | undefined) => {
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i];
        if (capture !== undefined && e.capture !== capture) continue;
        if (e.since >= d.id || e.lastRun === d.id || !live(e)) continue;
        return e;
      }
      return undefined;
    };
    return captureFirst ? (pick(true) ?? pick(false)) : pick(undefined);
  }

  // ---------------------------------------------------------------- names
  const NATIVE_CODE = '[native code]';
  /**
   * The listener's own `name`, read as a property descriptor (a getter is never called), else the start of its
   * source. A Proxy's, a bound or a native function's source is "[native code]": the name of those is not asked
   * for at all, since asking a Proxy runs the page's trap.
   */
  function labelOf(entry: Entry): string {
    if (entry.label !== undefined) return entry.label;
    const cb = entry.callback;
    let label: string;
    if (typeof cb !== 'function') label = 'handleEvent';
    else {
      const text = N.functionToString(cb);
      if (N.stringIndexOf(text, NATIVE_CODE) >= 0) label = '(native or bound function)';
      else {
        const d = N.getOwnPropertyDescriptor(cb, 'name');
        const name = d !== undefined && N.hasOwn(d, 'value') && typeof d.value === 'string' ? d.value : '';
        label = name !== '' ? name : firstLine(text);
      }
    }
    if (entry.handler) label = label === 'onmessage' ? label : 'onmessage: ' + label;
    entry.label = label;
    return label;
  }
  function firstLine(text: string): string {
    let end = N.stringIndexOf(text, '\n');
    if (end < 0) end = text.length;
    if (end > SOURCE_LABEL_CHARS) end = SOURCE_LABEL_CHARS;
    return N.stringSlice(text, 0, end) + (end < text.length ? '…' : '');
  }

  // ---------------------------------------------------------------- exceptions
  /**
   * What a listener threw, as the browser reported it. The thrown value's stack is read only from a genuine Error
   * (Error.isError asks no trap of a Proxy) and only as a data property or the engine's own accessor, never a getter
   * of the page's; and not when the page formats stacks itself (V8 calls Error.prepareStackTrace on the first read).
   */
  function reported(e: Event): void {
    const d = current;
    if (d === undefined || !e.isTrusted) return;
    try {
      const err = bare<HandlerError>();
      err.message = L.errorMessage(e);
      const file = L.errorFilename(e);
      if (file) {
        err.file = file;
        err.line = L.errorLineno(e);
        err.column = L.errorColno(e);
      }
      const stack = stackOf(L.errorError(e));
      if (stack) err.stack = stack;
      d.error = err;
    } catch (err) {
      fault(err);
    }
  }
  function stackOf(value: unknown): string | undefined {
    if (N.isError === undefined || !N.isError(value)) return undefined;
    if (N.getOwnPropertyDescriptor(N.Error, 'prepareStackTrace')) return undefined;
    const own = N.getOwnPropertyDescriptor(value, 'stack');
    if (own !== undefined) {
      if (N.hasOwn(own, 'value')) return typeof own.value === 'string' ? own.value : undefined;
      // the engine's own accessor, never one the page put there
      const stack = own.get !== undefined && own.get === N.ownStackGetter ? N.reflectApply(own.get, value, []) : undefined;
      return typeof stack === 'string' ? stack : undefined;
    }
    const stack = N.errorStack ? N.errorStack(value) : undefined;
    return typeof stack === 'string' ? stack : undefined;
  }
  // first of the global's error listeners (the hook installs before any page script), and capturing: see above
  dom.addEventListener(g, 'error', reported, true);

  // ---------------------------------------------------------------- the wrappers
  /** The event type as the native converts it (a DOMString), or undefined when the native is left to do it. */
  function typeOf(type: unknown): string | undefined {
    if (typeof type === 'string') return type;
    if (typeof type === 'symbol') return undefined;
    return N.String(type);
  }

  /** the registry of a socket the hook captured, when the call names one and has its two required arguments */
  function registryOf(self: unknown, args: unknown[]): Registry | undefined {
    return isObjectLike(self) && args.length >= 2 ? N.weakMapGet(registries, self) : undefined;
  }
  /** the native, as the page would have called it; what it throws is thrown as its own */
  function callNative(target: object, self: unknown, args: unknown[], trap: Trap): unknown {
    try {
      return N.reflectApply(target as (...a: unknown[]) => unknown, self, args);
    } catch (err) {
      throw asNative(err, trap);
    }
  }

  function add(target: typeof L.addEventListener, self: unknown, args: unknown[]): unknown {
    const reg = registryOf(self, args);
    const type = reg !== undefined ? typeOf(args[0]) : undefined;
    if (reg === undefined || type === undefined) return callNative(target, self, args, add);
    const callback = args[1];
    // what Web IDL reads of the options, once and in its order (capture, once, passive, signal); the native is
    // given a copy without a prototype, so a page's getters see one read each, as without the hook
    let capture = false;
    let once = false;
    let signal: AbortSignal | undefined;
    let callArgs: unknown[];
    const options = args[2];
    if (type !== 'message' || !isObjectLike(callback)) callArgs = [type, callback, ...N.arraySlice(args, 2)];
    else if (isObjectLike(options)) {
      const o = options as AddEventListenerOptions;
      capture = !!o.capture;
      once = !!o.once;
      const passive = o.passive;
      const s = o.signal;
      const copy = { __proto__: null, capture, once } as AddEventListenerOptions;
      if (passive !== undefined) copy.passive = !!passive;
      if (s !== undefined) copy.signal = s as AbortSignal;
      signal = s as AbortSignal | undefined;
      callArgs = [type, callback, copy];
    } else {
      capture = !!options;
      callArgs = args.length > 2 ? [type, callback, capture] : [type, callback];
    }
    callNative(target, self, callArgs, add);
    if (type !== 'message' || !isObjectLike(callback)) return undefined;
    try {
      // the native added nothing: the same listener again, or one whose signal has already aborted
      if (signal !== undefined && L.aborted(signal)) return undefined;
      if (listenerEntry(reg, callback, capture) !== undefined) return undefined;
      addEntry(self as object, reg, callback as object, capture, once, signal, false);
    } catch (err) {
      fault(err);
    }
    return undefined;
  }

  function remove(target: typeof L.removeEventListener, self: unknown, args: unknown[]): unknown {
    const reg = registryOf(self, args);
    const type = reg !== undefined ? typeOf(args[0]) : undefined;
    if (reg === undefined || type === undefined) return callNative(target, self, args, remove);
    const callback = args[1];
    const options = args[2];
    // EventListenerOptions has `capture` only
    let capture = false;
    let callArgs: unknown[];
    if (isObjectLike(options)) {
      capture = !!(options as EventListenerOptions).capture;
      callArgs = [type, callback, { __proto__: null, capture }];
    } else {
      capture = !!options;
      callArgs = args.length > 2 ? [type, callback, capture] : [type, callback];
    }
    callNative(target, self, callArgs, remove);
    if (type !== 'message') return undefined;
    try {
      const e = listenerEntry(reg, callback, capture);
      if (e !== undefined) dropEntry(self as object, reg, e);
    } catch (err) {
      fault(err);
    }
    return undefined;
  }

  // `onmessage`: null to a handler appends the event handler's listener (its probe goes right after it), handler to
  // null removes it, one handler to another keeps its place. The native getter, before and after, tells which.
  const handlerDesc = N.getOwnPropertyDescriptor(proto, 'onmessage');
  const handlerGet = handlerDesc?.get;
  function setHandler(target: (v: unknown) => void, self: unknown, args: unknown[]): unknown {
    const reg = isObjectLike(self) && handlerGet ? N.weakMapGet(registries, self) : undefined;
    if (reg === undefined) return callNative(target, self, args, setHandler);
    const before = N.reflectApply(handlerGet!, self, []);
    callNative(target, self, args, setHandler);
    try {
      const after = N.reflectApply(handlerGet!, self, []);
      if (after === before) return undefined;
      let entry: Entry | undefined;
      for (let i = 0; i < reg.entries.length; i++) if (reg.entries[i].handler && !reg.entries[i].removed) entry = reg.entries[i];
      if (after === null || after === undefined) {
        if (entry !== undefined) dropEntry(self as object, reg, entry);
      } else if (entry !== undefined) {
        entry.callback = after as object;
        entry.label = undefined;
      } else addEntry(self as object, reg, after as object, false, false, undefined, true);
    } catch (err) {
      fault(err);
    }
    return undefined;
  }

  const wrappedAdd = wrap(L.addEventListener, { apply: add } as ProxyHandler<typeof L.addEventListener>);
  const wrappedRemove = wrap(L.removeEventListener, { apply: remove } as ProxyHandler<typeof L.removeEventListener>);
  mask(wrappedAdd, L.addEventListener);
  mask(wrappedRemove, L.removeEventListener);
  const et = g.EventTarget.prototype;
  const addDesc = N.getOwnPropertyDescriptor(et, 'addEventListener');
  const removeDesc = N.getOwnPropertyDescriptor(et, 'removeEventListener');
  if (addDesc) N.defineProperty(et, 'addEventListener', { ...addDesc, value: wrappedAdd });
  if (removeDesc) N.defineProperty(et, 'removeEventListener', { ...removeDesc, value: wrappedRemove });
  if (handlerDesc && handlerDesc.set) {
    const wrappedSet = wrap(handlerDesc.set, { apply: setHandler } as ProxyHandler<(v: unknown) => void>);
    mask(wrappedSet, handlerDesc.set);
    // a descriptor with no prototype: the page may have planted `value` or `writable` on Object.prototype by now
    N.defineProperty(proto, 'onmessage', { __proto__: null, get: handlerDesc.get, set: wrappedSet, enumerable: handlerDesc.enumerable, configurable: handlerDesc.configurable } as PropertyDescriptor);
  }

  return {
    watch(socket) {
      const reg = bare<Registry>();
      reg.entries = nullArray<Entry>();
      reg.dispatch = undefined;
      reg.listed = false;
      N.weakMapSet(registries, socket, reg);
      N.weakMapSet(sockets, reg, socket);
    },
    begin(socket, sid, seq, synthetic) {
      const reg = N.weakMapGet(registries, socket);
      if (reg === undefined || (synthetic && reg.dispatch !== undefined)) return;
      // the previous frame's dispatch is over by now (one a listener stopped, or a nested one)
      if (reg.dispatch !== undefined) settle(reg);
      let expected = 0;
      for (let i = 0; i < reg.entries.length; i++) if (live(reg.entries[i])) expected++;
      // no listener: the frame says so (a socket nobody reads is worth knowing about)
      if (expected === 0) return annotate(sid, seq, nullArray<HandlerRun>(), 0);
      const d = bare<Dispatch>();
      d.id = ++dispatches;
      d.sid = sid;
      d.seq = seq;
      d.runs = nullArray<HandlerRun>();
      d.expected = expected;
      d.changed = false;
      d.error = undefined;
      reg.dispatch = d;
      if (!reg.listed) {
        reg.listed = true;
        open[open.length] = reg;
      }
      current = d;
      d.last = N.perfNow();
    },
    settleAll() {
      for (let i = 0; i < open.length; i++) {
        open[i].listed = false;
        settle(open[i]);
      }
      open.length = 0;
    },
  };
}
