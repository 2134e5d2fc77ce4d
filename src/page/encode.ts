/**
 * Payload encoding for the trip out of the page: text stays text, bytes become base64. Uses only captured natives.
 * Large payloads are cut to a preview; the full size is always recorded.
 */
import { natives, isArrayBuffer, isBlob } from './natives';
import { BINARY_PREVIEW_BYTES, TEXT_PREVIEW_CHARS, type Payload } from '../shared/protocol';

/** What the hook keeps of a frame: the page's own value (a copy, for bytes the page may reuse) */
export type RawData = string | ArrayBuffer | Blob;

const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    const part = natives.u8Subarray(bytes, i, i + CHUNK);
    bin += natives.reflectApply(natives.fromCharCode, null, part as unknown as number[]) as string;
  }
  return natives.btoa(bin);
}

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = natives.atob(b64);
  const out = new natives.Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = natives.charCodeAt(bin, i);
  return out;
}

/** Take the page's data as it is at send time: views and buffers are copied because pages reuse them. */
export function snapshot(data: unknown): RawData {
  if (typeof data === 'string') return data;
  if (isArrayBuffer(data)) return natives.arrayBufferSlice(data, 0) as ArrayBuffer;
  if (natives.isView(data)) {
    const v = data as ArrayBufferView;
    return natives.arrayBufferSlice(v.buffer, v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer;
  }
  if (isBlob(data)) return data;
  // WebSocket.send stringifies anything else (numbers, objects); so do we
  return natives.String(data);
}

export function rawSize(raw: RawData): number {
  if (typeof raw === 'string') return raw.length;
  if (isArrayBuffer(raw)) return natives.arrayBufferByteLength(raw);
  return natives.blobSize(raw);
}

/**
 * Encode a frame. `limit` false gives the whole payload (the on-demand fetch). Blobs need their bytes read first
 * (asynchronously) and passed as `blobBytes`.
 */
export function encodePayload(raw: RawData, limit: boolean, blobBytes?: Uint8Array): Payload {
  if (typeof raw === 'string') {
    const cut = limit && raw.length > TEXT_PREVIEW_CHARS;
    return { type: 'text', data: cut ? natives.stringSlice(raw, 0, TEXT_PREVIEW_CHARS) : raw, size: raw.length, truncated: cut };
  }
  const blob = !isArrayBuffer(raw);
  const size = rawSize(raw);
  const bytes = blob ? blobBytes : new natives.Uint8Array(raw);
  if (!bytes) return { type: 'blob', data: '', size, truncated: size > 0 };
  const cut = limit && bytes.length > BINARY_PREVIEW_BYTES;
  return {
    type: blob ? 'blob' : 'binary',
    data: bytesToBase64(cut ? natives.u8Subarray(bytes, 0, BINARY_PREVIEW_BYTES) : bytes),
    size,
    truncated: cut,
  };
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
  return natives.textEncode(new natives.TextEncoder(), s).length;
}
