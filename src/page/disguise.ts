/**
 * What keeps the hook's wrappers looking native, whatever kind of socket they wrap: Proxies whose handlers a page
 * cannot reach, `Function.prototype.toString` answering for each wrapper with its target's text, errors thrown
 * through a wrapper with the stack they have without it, and the creation stack of a socket without the hook's
 * frames or any call a page could notice.
 */
import { natives as N, bare } from './natives';

/** a Proxy trap; its identity matters: stacks are captured above it */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Trap = (...args: any[]) => unknown;

// Each Proxy's get trap reads with the target as receiver, so accessors such as Function.prototype's `caller` see
// the native function, not a Proxy (SpiderMonkey throws "called on incompatible Proxy" otherwise).
function nativeGet(this: { proxy: unknown }, target: object, key: PropertyKey, receiver: unknown): unknown {
  return N.reflectGet(target, key, receiver === this.proxy ? target : receiver);
}

/** A handler with no prototype: a page's getter on Object.prototype (`get`, `has`, ...) is never consulted as a trap. */
function handler<T extends object>(traps: ProxyHandler<T>): ProxyHandler<T> & { proxy: unknown } {
  const h = { __proto__: null, get: nativeGet, proxy: undefined } as unknown as ProxyHandler<T> & { proxy: unknown };
  const keys = N.objectKeys(traps);
  for (let i = 0; i < keys.length; i++) (h as unknown as Record<string, unknown>)[keys[i]] = (traps as Record<string, unknown>)[keys[i]];
  return h;
}

/**
 * A Proxy keeps `name`, `length`, `prototype`, the static constants and `instanceof` native. The traps must call
 * the natives themselves, never through a helper: each function between the page and the native is one more frame
 * in the stack of what it throws.
 */
export function wrap<T extends object>(target: T, traps: ProxyHandler<T>): T {
  const h = handler(traps);
  const proxy = new Proxy(target, h);
  h.proxy = proxy;
  return proxy;
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
export function asNative(err: unknown, trap: Trap): unknown {
  if (rethrowAsNative && typeof err === 'object' && err !== null && N.hasOwn(err, 'stack')) {
    const limit = N.getOwnPropertyDescriptor(N.Error, 'stackTraceLimit');
    if (limit && N.hasOwn(limit, 'value')) N.captureStackTrace!(err, trap);
  }
  return err;
}

/**
 * Where the page created a socket: the stack above the construct trap, taken with Error.captureStackTrace
 * (V8 and SpiderMonkey both have it), which leaves out the hook's own frames. The page must not see this happen:
 * a page's Error.prepareStackTrace (V8 calls it when the stack is first read) is set aside while the stack is read,
 * and a page that made Error.stackTraceLimit or prepareStackTrace an accessor, or froze them, gets no creation stack
 * rather than a call it could notice.
 */
export function creationStack(above: Trap): string {
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

/**
 * An error the browser made while a wrapper was on the stack but hands the page later, as a promise's rejection (a
 * WebSocketStream built with an already-aborted signal rejects `opened` with an AbortError made inside the native
 * constructor): the same error with the wrapper's frames taken out of its stack, before any page code sees it. Only
 * in V8 (see asNative), and only when the page formats no stacks itself: reading `stack` would run its
 * `Error.prepareStackTrace` early.
 */
export function withoutHookFrames(err: unknown): void {
  if (!rethrowAsNative || typeof err !== 'object' || err === null || !N.hasOwn(err, 'stack')) return;
  if (N.getOwnPropertyDescriptor(N.Error, 'prepareStackTrace')) return;
  const stack = (err as { stack: unknown }).stack;
  if (typeof stack !== 'string' || N.stringIndexOf(stack, 'extension://') < 0) return;
  // the header stays, whatever it says; every frame of an extension's script goes
  (err as { stack: string }).stack = keptLines(stack, (line, first) => first || N.stringIndexOf(line, 'extension://') < 0);
}

/** The lines of `stack` that `keep` keeps, joined again. */
function keptLines(stack: string, keep: (line: string, first: boolean) => boolean): string {
  let out = '';
  let from = 0;
  while (from < stack.length) {
    let to = N.stringIndexOf(stack, '\n', from);
    if (to < 0) to = stack.length;
    const line = N.stringSlice(stack, from, to);
    if (keep(line, from === 0)) out += (out ? '\n' : '') + line;
    from = to + 1;
  }
  return out;
}

/** the lines of a stack that are the page's: not V8's "Error" header, not a frame of an extension's script */
function pageFrames(stack: string): string {
  return keptLines(stack, (line) => line !== '' && line !== 'Error' && N.stringIndexOf(line, 'extension://') < 0);
}

/**
 * A Proxy's toString drops the function's name ("function () { [native code] }"). Installs a wrapper of
 * Function.prototype.toString that answers for each masked wrapper with its target's native text; it answers for
 * itself too, so it looks native as well. Returns `mask(wrapper, native)`.
 */
export function maskToString(): (wrapper: object, native: object) => void {
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
  N.weakMapSet(masks, wrappedToString, nativeToString);
  const toStringDesc = N.getOwnPropertyDescriptor(Function.prototype, 'toString');
  if (toStringDesc) N.defineProperty(Function.prototype, 'toString', { ...toStringDesc, value: wrappedToString });
  return (wrapper, native) => N.weakMapSet(masks, wrapper, native);
}
