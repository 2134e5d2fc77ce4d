/**
 * Payload encoding for the trip out of the page: text stays text, bytes become base64. Uses only captured natives.
 * Large payloads are cut to a preview; the full size is always recorded.
 */
import { natives, isArrayBuffer, isBlob, bare } from './natives';
import { BINARY_PREVIEW_BYTES, TEXT_PREVIEW_CHARS, type Payload } from '../shared/protocol';

/** What the hook keeps of a frame: the page's own value (a copy, for bytes the page may reuse) */
export type RawData = string | ArrayBuffer | Blob;

const CHUNK = 0x8000;

/**
 * base64 of bytes[from, to). String.fromCharCode.apply reads its argument list's `length`, which on a typed array is
 * an accessor of the page's %TypedArray%.prototype: each chunk is a view of the hook's own with an own `length`, so
 * no getter of the page's runs (a prototype-less plain array as the list was measured 10x slower: 0.7 ms per 8 KB).
 */
export function bytesToBase64(bytes: Uint8Array, from = 0, to = natives.typedArrayLength(bytes)): string {
  const buffer = natives.typedArrayBuffer(bytes);
  const offset = natives.typedArrayByteOffset(bytes);
  let bin = '';
  for (let i = from; i < to; i += CHUNK) {
    const n = to - i < CHUNK ? to - i : CHUNK;
    const chunk = new natives.Uint8Array(buffer, offset + i, n);
    natives.defineProperty(chunk, 'length', { __proto__: null, value: n } as PropertyDescriptor);
    bin += natives.reflectApply(natives.fromCharCode, null, chunk as unknown as number[]) as string;
  }
  return natives.btoa(bin);
}

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = natives.atob(b64);
  const out = new natives.Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = natives.charCodeAt(bin, i);
  return out;
}

/**
 * A copy of `length` bytes of `buffer` from `offset`, made without the page's help: ArrayBuffer.prototype.slice and
 * TypedArray.prototype.subarray would ask the page's `constructor` / `Symbol.species` for the copy's constructor
 * (so a page could watch the hook, or be handed a buffer that it then rewrites). Throws on a detached buffer.
 */
export function copyBytes(buffer: ArrayBuffer, offset: number, length: number): ArrayBuffer {
  const out = new natives.ArrayBuffer(length);
  if (length > 0) natives.typedArraySet(new natives.Uint8Array(out), new natives.Uint8Array(buffer, offset, length));
  return out;
}

/** The bytes of an ArrayBuffer or a view as a buffer of the hook's own, or undefined when `data` is neither. */
export function copyBinary(data: unknown): ArrayBuffer | undefined {
  if (isArrayBuffer(data)) return copyBytes(data, 0, natives.arrayBufferByteLength(data));
  if (!natives.isView(data)) return undefined;
  try {
    const v = data as Uint8Array;
    return copyBytes(natives.typedArrayBuffer(v), natives.typedArrayByteOffset(v), natives.typedArrayByteLength(v));
  } catch {
    const v = data as unknown as DataView;
    return copyBytes(natives.dataViewBuffer(v), natives.dataViewByteOffset(v), natives.dataViewByteLength(v));
  }
}

/**
 * What the socket carried for a value `send()` was given, taken right after the native send read it: bytes are
 * copied (pages reuse, rewrite and transfer their buffers), a Blob is immutable, a string is what the wire carried
 * (well-formed, as the USVString conversion makes it). Anything else was converted by the caller beforehand (read
 * once: a page's `toString` may answer differently the second time).
 */
export function snapshot(data: unknown): RawData {
  if (typeof data === 'string') return natives.toWellFormed(data);
  const bytes = copyBinary(data);
  if (bytes !== undefined) return bytes;
  if (isBlob(data)) return data;
  return natives.toWellFormed(natives.String(data));
}

export function rawSize(raw: RawData): number {
  if (typeof raw === 'string') return raw.length;
  if (isArrayBuffer(raw)) return natives.arrayBufferByteLength(raw);
  return natives.blobSize(raw);
}

/**
 * Encode a frame. `limit` false gives the whole payload (the on-demand fetch). Blobs need their bytes read first
 * (asynchronously) and passed as `blobBytes`. `raw` bytes are always the hook's own copy.
 */
export function encodePayload(raw: RawData, limit: boolean, blobBytes?: Uint8Array): Payload {
  if (typeof raw === 'string') {
    const cut = limit && raw.length > TEXT_PREVIEW_CHARS;
    return payload('text', cut ? natives.stringSlice(raw, 0, TEXT_PREVIEW_CHARS) : raw, raw.length, cut);
  }
  const blob = !isArrayBuffer(raw);
  const size = rawSize(raw);
  const bytes = blob ? blobBytes : new natives.Uint8Array(raw);
  if (!bytes) return payload('blob', '', size, size > 0);
  const length = natives.typedArrayLength(bytes);
  const cut = limit && length > BINARY_PREVIEW_BYTES;
  return payload(blob ? 'blob' : 'binary', bytesToBase64(bytes, 0, cut ? BINARY_PREVIEW_BYTES : length), size, cut);
}

function payload(type: Payload['type'], data: string, size: number, truncated: boolean): Payload {
  const p = bare<Payload>();
  p.type = type;
  p.data = data;
  p.size = size;
  p.truncated = truncated;
  return p;
}

/**
 * JSON by hand, for a page that defined toJSON on Object.prototype or Array.prototype: only primitives go through
 * JSON.stringify, which consults no toJSON for them. Own keys only (Object.keys).
 */
export function toJson(v: unknown): string {
  if (typeof v !== 'object' || v === null) return natives.stringify(v) ?? 'null';
  let out: string;
  if (natives.isArray(v)) {
    out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + toJson(v[i]);
    return out + ']';
  }
  const keys = natives.objectKeys(v);
  out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const x = (v as Record<string, unknown>)[keys[i]];
    if (x === undefined || typeof x === 'function') continue;
    out += (first ? '' : ',') + natives.stringify(keys[i]) + ':' + toJson(x);
    first = false;
  }
  return out + '}';
}

/**
 * JSON text of a value. A page that defines toJSON on Object.prototype or Array.prototype would hijack
 * JSON.stringify: then (and only then: it is slower) serialise by hand.
 */
export function jsonText(v: unknown): string {
  return 'toJSON' in natives.objectPrototype || 'toJSON' in natives.arrayPrototype ? toJson(v) : (natives.stringify(v) ?? 'null');
}

/** UTF-8 length, for the close reason's 123-byte limit */
export function utf8Length(s: string): number {
  return natives.typedArrayLength(natives.textEncode(new natives.TextEncoder(), s));
}
