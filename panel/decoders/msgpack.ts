/**
 * MessagePack as a generic binary format, on any socket: a binary frame holding one MessagePack value, shown as a
 * tree. Detection is strict (one whole value, a non-empty map with string keys or an array with more than numbers
 * in it) so that random binary is not claimed; "decode as" takes any binary frame.
 */
import { decode as decodeMessagePack, type DecoderOptions } from '@msgpack/msgpack';
import { binaryFormat, keyText } from './tree';

const OPTIONS: DecoderOptions = {
  // 64-bit integers as bigints: a number would silently lose their low digits
  useBigInt64: true,
  // the library takes only string and number keys; other keys keep a written form rather than fail the frame
  mapKeyConverter: (k) => (typeof k === 'string' || typeof k === 'number' ? k : keyText(k)),
};

/** for detection: maps with string keys only, at any depth */
const STRICT: DecoderOptions = {
  useBigInt64: true,
  mapKeyConverter: (k) => {
    if (typeof k !== 'string') throw new Error('a map key that is not a string');
    return k;
  },
};

/** One whole MessagePack value, or why the bytes are not one. */
export function readMsgpack(bytes: Uint8Array, options = OPTIONS): { value: unknown } | { error: string } {
  try {
    return { value: decodeMessagePack(bytes, options) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** what the first byte says of a map or an array: enough to summarize a cut-off preview */
function head(b: Uint8Array): { kind: 'map' | 'array'; size: number } | undefined {
  const c = b[0];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (c >= 0x80 && c <= 0x8f) return { kind: 'map', size: c & 0x0f };
  if (c >= 0x90 && c <= 0x9f) return { kind: 'array', size: c & 0x0f };
  if ((c === 0xdc || c === 0xde) && b.length >= 3) return { kind: c === 0xdc ? 'array' : 'map', size: dv.getUint16(1) };
  if ((c === 0xdd || c === 0xdf) && b.length >= 5) return { kind: c === 0xdd ? 'array' : 'map', size: dv.getUint32(1) };
  return undefined;
}

export const msgpack = binaryFormat({
  id: 'msgpack',
  label: 'MessagePack',
  // `msgpack`, `messagepack`, `v1.msgpack`: no registered name. WAMP's `wamp.2.msgpack` is WAMP's and detected first.
  subprotocol: /^(.+\.)?(msgpack|messagepack)$/i,
  read: (b, strict) => readMsgpack(b, strict ? STRICT : OPTIONS),
  head,
});
