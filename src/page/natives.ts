/**
 * The language's built-ins (and the few platform ones every realm the hook runs in has: timers, performance, base64,
 * Blob, TextEncoder), captured once when the hook's script runs (document_start, before any page script). The DOM
 * interfaces of the global the hook wraps (events, message ports, its socket classes) are captured by `captureDom`
 * and the socket adapters, from that global.
 * A page that later replaces `postMessage`, `JSON`, `Array.prototype.push`, `Date.now`, `setTimeout`… cannot break
 * or steer the hook, because the hook never looks those up again. Methods are "uncurried" (`call.bind(fn)`), which
 * holds the original function object, so even a replaced `Function.prototype.call` changes nothing.
 */

const g = globalThis as typeof globalThis & Window;
const call = Function.prototype.call;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => any;
export function uncurry<T extends Fn>(fn: T): (self: unknown, ...args: Parameters<T>) => ReturnType<T> {
  return call.bind(fn) as never;
}
export function getter(proto: object | undefined, name: string): (self: unknown) => unknown {
  // an interface this realm lacks (Node, in unit tests, has no CloseEvent or FileReader): nothing is of that kind
  if (!proto) return () => {
    throw new TypeError('Illegal invocation');
  };
  const d = Object.getOwnPropertyDescriptor(proto, name);
  if (!d || !d.get) throw new Error('ws-lens: no getter ' + name);
  return uncurry(d.get);
}
export function setter(proto: object, name: string): (self: unknown, value: unknown) => void {
  const d = Object.getOwnPropertyDescriptor(proto, name);
  if (!d || !d.set) throw new Error('ws-lens: no setter ' + name);
  return uncurry(d.set);
}
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const setPrototypeOf = Object.setPrototypeOf;
const hasOwnProperty = Object.prototype.hasOwnProperty;
/** absent where the engine has no stack API; V8 and SpiderMonkey both have it */
const ErrorCtor = Error as ErrorConstructor & { captureStackTrace?: (e: object, fn: Fn) => void };
const stackDescriptor = Object.getOwnPropertyDescriptor(Error.prototype, 'stack');
/** V8 (Chromium 156) gives each error an own `stack` accessor, the same getter for every error: this one */
const ownStackDescriptor = Object.getOwnPropertyDescriptor(new Error(), 'stack');

/** the original, before the hook's toString disguise replaces it (disguise.ts) */
const functionToString = uncurry(Function.prototype.toString) as (fn: unknown) => string;
/** Error.isError (Chromium 134+, Firefox 138+, measured present in both test browsers): asks no trap of a Proxy */
const isError = (Error as { isError?: (v: unknown) => boolean }).isError;

export const natives = {
  functionToString,
  isError,
  reflectApply: Reflect.apply,
  reflectConstruct: Reflect.construct,
  defineProperty: Object.defineProperty,
  getOwnPropertyDescriptor: Object.getOwnPropertyDescriptor,
  setTimeout: g.setTimeout.bind(g),
  perfNow: performance.now.bind(performance),
  timeOrigin: performance.timeOrigin,
  mathRandom: Math.random,
  mathRound: Math.round,
  symbolIterator: Symbol.iterator,
  reflectGet: Reflect.get,
  reflectDeleteProperty: Reflect.deleteProperty,
  setPrototypeOf,
  getPrototypeOf: Object.getPrototypeOf,
  hasOwn: uncurry(hasOwnProperty) as (o: object, k: PropertyKey) => boolean,
  // Every accessor the hook reads is captured too: a page that redefines, say, TypedArray.prototype.buffer would
  // otherwise be called with the hook's own data.
  typedArrayBuffer: getter(TypedArrayPrototype, 'buffer') as (v: ArrayBufferView) => ArrayBuffer,
  typedArrayByteOffset: getter(TypedArrayPrototype, 'byteOffset') as (v: ArrayBufferView) => number,
  typedArrayByteLength: getter(TypedArrayPrototype, 'byteLength') as (v: ArrayBufferView) => number,
  typedArrayLength: getter(TypedArrayPrototype, 'length') as (v: ArrayBufferView) => number,
  typedArraySet: uncurry((TypedArrayPrototype as Uint8Array).set) as (target: Uint8Array, source: Uint8Array, offset?: number) => void,
  dataViewBuffer: getter(DataView.prototype, 'buffer') as (v: DataView) => ArrayBuffer,
  dataViewByteOffset: getter(DataView.prototype, 'byteOffset') as (v: DataView) => number,
  dataViewByteLength: getter(DataView.prototype, 'byteLength') as (v: DataView) => number,
  /** String.prototype.toWellFormed: what WebSocket.send makes of a string (USVString: lone surrogates become U+FFFD) */
  toWellFormed: (String.prototype as { toWellFormed?: () => string }).toWellFormed
    ? uncurry((String.prototype as unknown as { toWellFormed: () => string }).toWellFormed)
    : (s: string) => s,
  captureStackTrace: ErrorCtor.captureStackTrace,
  /** SpiderMonkey keeps `stack` as an accessor on Error.prototype; V8 as an own property of each error */
  errorStack: stackDescriptor && stackDescriptor.get ? uncurry(stackDescriptor.get) : undefined,
  ownStackGetter: ownStackDescriptor && ownStackDescriptor.get ? ownStackDescriptor.get : undefined,
  Error: g.Error,
  WeakMap: g.WeakMap,
  weakMapGet: uncurry(WeakMap.prototype.get),
  weakMapSet: uncurry(WeakMap.prototype.set),
  ArrayBuffer: g.ArrayBuffer,
  isView: ArrayBuffer.isView,
  arrayBufferByteLength: getter(ArrayBuffer.prototype, 'byteLength') as (b: ArrayBuffer) => number,
  Uint8Array: g.Uint8Array,
  Blob: g.Blob,
  blobSize: getter(Blob.prototype, 'size') as (b: Blob) => number,
  fromCharCode: String.fromCharCode,
  charCodeAt: uncurry(String.prototype.charCodeAt),
  stringSlice: uncurry(String.prototype.slice),
  stringIndexOf: uncurry(String.prototype.indexOf),
  btoa: g.btoa.bind(g),
  atob: g.atob.bind(g),
  TextEncoder: g.TextEncoder,
  textEncode: uncurry(TextEncoder.prototype.encode),
  String: g.String,
  isArray: Array.isArray,
  objectKeys: Object.keys,
  objectPrototype: Object.prototype,
  arrayPrototype: Array.prototype,
  stringify: JSON.stringify,
  parse: JSON.parse,
  RegExp: g.RegExp,
  regexpExec: uncurry(RegExp.prototype.exec),
  arraySlice: uncurry(Array.prototype.slice),
  arrayShift: Array.prototype.shift,
  arraySplice: Array.prototype.splice,
  domExceptionMessage: getter(DOMException.prototype, 'message') as (e: unknown) => string,
  /** a socket's url as the browser parses it (chaos: a refused connection's url) */
  URL: g.URL,
  urlHref: getter(URL.prototype, 'href') as (u: URL) => string,
  urlProtocol: getter(URL.prototype, 'protocol') as (u: URL) => string,
  urlSetProtocol: setter(URL.prototype, 'protocol') as (u: URL, v: string) => void,
  urlSetPort: setter(URL.prototype, 'port') as (u: URL, v: string) => void,
  Promise: g.Promise,
  promiseThen: uncurry(Promise.prototype.then) as <T, R>(p: Promise<T>, onFulfilled?: (v: T) => R | PromiseLike<R>, onRejected?: (e: unknown) => R | PromiseLike<R>) => Promise<R>,
};

/**
 * The hook's own records (events, payloads): objects whose prototype is an object with no prototype, so a page's
 * Object.prototype accessors are never consulted when a field is read or added. Made by a constructor, not by
 * `{ __proto__: null }` literals, which V8 keeps in slow dictionary mode (measured: 3x the memory and time per event).
 */
function Bare() {}
Bare.prototype = Object.create(null);
export function bare<T = Record<string, unknown>>(): T {
  return new (Bare as unknown as new () => T)();
}

/**
 * An array with no prototype: writing or reading an index never reaches a getter or setter a page planted on
 * Array.prototype (an ordinary array consults the prototype for every index it does not hold yet).
 */
export function nullArray<T>(length = 0): T[] {
  const a: T[] = [];
  setPrototypeOf(a, null);
  if (length) a.length = length;
  return a;
}

/**
 * A deep copy of structured-cloned data with no prototypes anywhere: the commands the bridge posts are
 * deserialised in the page's realm, where every property the hook reads and the object does not own would be looked
 * up on the page's Object.prototype.
 */
export function clean(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (natives.isArray(v)) {
    const out = nullArray<unknown>();
    for (let i = 0; i < v.length; i++) out[i] = natives.hasOwn(v, i) ? clean(v[i]) : undefined;
    return out;
  }
  const out = { __proto__: null } as unknown as Record<string, unknown>;
  const keys = natives.objectKeys(v);
  for (let i = 0; i < keys.length; i++) out[keys[i]] = clean((v as Record<string, unknown>)[keys[i]]);
  return out;
}

/**
 * The message of an error the hook caught, read without the page's help: a DOMException's `message` is an
 * accessor on its prototype (captured), an Error's an own property; anything else is not described.
 */
export function describeError(err: unknown): string {
  try {
    return natives.domExceptionMessage(err);
  } catch {
    // not a DOMException
  }
  const own = typeof err === 'object' && err !== null && natives.hasOwn(err, 'message') ? (err as { message: unknown }).message : err;
  return typeof own === 'string' ? own : 'unknown error';
}

/** `x instanceof C` without consulting the page-writable `Symbol.hasInstance` or prototype chain tricks. */
export function isArrayBuffer(x: unknown): x is ArrayBuffer {
  if (typeof x !== 'object' || x === null) return false;
  try {
    natives.arrayBufferByteLength(x as ArrayBuffer);
    return true;
  } catch {
    return false;
  }
}
export function isBlob(x: unknown): x is Blob {
  if (typeof x !== 'object' || x === null) return false;
  try {
    natives.blobSize(x as Blob);
    return true;
  } catch {
    return false;
  }
}
