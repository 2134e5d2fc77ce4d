/**
 * Every built-in the hook uses, captured once at injection time (document_start, before any page script).
 * A page that later replaces `postMessage`, `JSON`, `Array.prototype.push`, `Date.now`, `setTimeout`… cannot break
 * or steer the hook, because the hook never looks those up again. Methods are "uncurried" (`call.bind(fn)`), which
 * holds the original function object, so even a replaced `Function.prototype.call` changes nothing.
 */

const g = globalThis as typeof globalThis & Window;
const call = Function.prototype.call;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => any;
function uncurry<T extends Fn>(fn: T): (self: unknown, ...args: Parameters<T>) => ReturnType<T> {
  return call.bind(fn) as never;
}
function getter(proto: object, name: string): (self: unknown) => unknown {
  const d = Object.getOwnPropertyDescriptor(proto, name);
  if (!d || !d.get) throw new Error('ws-lens: no getter ' + name);
  return uncurry(d.get);
}

export const natives = {
  reflectApply: Reflect.apply,
  reflectConstruct: Reflect.construct,
  defineProperty: Object.defineProperty,
  getOwnPropertyDescriptor: Object.getOwnPropertyDescriptor,
  addEventListener: uncurry(EventTarget.prototype.addEventListener) as (t: EventTarget, type: string, fn: (e: never) => void) => void,
  dispatchEvent: uncurry(EventTarget.prototype.dispatchEvent),
  MessageEvent: g.MessageEvent,
  MessageChannel: g.MessageChannel,
  portPostMessage: uncurry(MessagePort.prototype.postMessage),
  portStart: uncurry(MessagePort.prototype.start),
  // absent outside a window (unit tests); the hook only runs in windows
  windowPostMessage: uncurry(g.postMessage ?? (() => {})) as (w: unknown, msg: unknown, origin: string, transfer: Transferable[]) => void,
  setTimeout: g.setTimeout.bind(g),
  perfNow: performance.now.bind(performance),
  timeOrigin: performance.timeOrigin,
  mathRandom: Math.random,
  mathMax: Math.max,
  mathMin: Math.min,
  Error: g.Error,
  TypeError: g.TypeError,
  WeakMap: g.WeakMap,
  weakMapGet: uncurry(WeakMap.prototype.get),
  weakMapSet: uncurry(WeakMap.prototype.set),
  ArrayBuffer: g.ArrayBuffer,
  isView: ArrayBuffer.isView,
  arrayBufferSlice: uncurry(ArrayBuffer.prototype.slice),
  arrayBufferByteLength: getter(ArrayBuffer.prototype, 'byteLength') as (b: ArrayBuffer) => number,
  Uint8Array: g.Uint8Array,
  u8Subarray: uncurry(Uint8Array.prototype.subarray) as (a: Uint8Array, s: number, e?: number) => Uint8Array<ArrayBuffer>,
  Blob: g.Blob,
  blobSize: getter(Blob.prototype, 'size') as (b: Blob) => number,
  blobArrayBuffer: uncurry(Blob.prototype.arrayBuffer) as (b: Blob) => Promise<ArrayBuffer>,
  promiseThen: uncurry(Promise.prototype.then),
  fromCharCode: String.fromCharCode,
  charCodeAt: uncurry(String.prototype.charCodeAt),
  stringSlice: uncurry(String.prototype.slice),
  stringSplit: uncurry(String.prototype.split) as unknown as (s: string, sep: string) => string[],
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
  hasOwnProperty: Object.prototype.hasOwnProperty,
  arraySlice: uncurry(Array.prototype.slice),
  arrayShift: Array.prototype.shift,
  arraySplice: Array.prototype.splice,
  stopImmediatePropagation: uncurry(Event.prototype.stopImmediatePropagation),
  CloseEvent: g.CloseEvent,
  Event: g.Event,
  clearTimeout: g.clearTimeout.bind(g),
};

/** The WebSocket natives, captured by the hook when it installs (kept apart so the encoders load anywhere). */
export function captureWebSocket() {
  const NativeWebSocket = g.WebSocket;
  const wsProto = NativeWebSocket.prototype;
  return {
    NativeWebSocket,
    wsSend: wsProto.send,
    wsClose: wsProto.close,
    wsReadyState: getter(wsProto, 'readyState') as (ws: WebSocket) => number,
    wsBufferedAmount: getter(wsProto, 'bufferedAmount') as (ws: WebSocket) => number,
    wsUrl: getter(wsProto, 'url') as (ws: WebSocket) => string,
    wsProtocol: getter(wsProto, 'protocol') as (ws: WebSocket) => string,
    wsExtensions: getter(wsProto, 'extensions') as (ws: WebSocket) => string,
    wsBinaryType: getter(wsProto, 'binaryType') as (ws: WebSocket) => string,
  };
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
