/**
 * CBOR (RFC 8949) as a generic binary format, on any socket: a binary frame holding one CBOR value, shown as a tree.
 * Tags keep their number (dates, tags 0 and 1, also show as dates; bignums, tags 2 and 3, as numbers); the
 * self-describe tag 55799 is a marker and is looked through. Detection is strict, as MessagePack's.
 */
import { decode as decodeCborg } from 'cborg';
import { binaryFormat, Tagged } from './tree';

const SELF_DESCRIBE = 55799;

function bignum(bytes: unknown, negative: boolean): unknown {
  if (!(bytes instanceof Uint8Array)) return new Tagged(negative ? 3 : 2, bytes);
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return negative ? -1n - n : n;
}

type TagControl = () => unknown;

/** every tag number has a decoder (cborg refuses a tag it has none for): the tag, kept with its content */
const TAGS = new Proxy([] as unknown[], {
  get(_target, prop) {
    if (typeof prop !== 'string' || !/^\d+$/.test(prop)) return undefined;
    const tag = Number(prop);
    if (tag === SELF_DESCRIBE) return (decode: TagControl) => decode();
    if (tag === 2 || tag === 3) return (decode: TagControl) => bignum(decode(), tag === 3);
    return (decode: TagControl) => new Tagged(tag, decode());
  },
});

const OPTIONS = { useMaps: true, tags: TAGS as never };
const STRICT = { ...OPTIONS, rejectDuplicateMapKeys: true };

/** One whole CBOR value, or why the bytes are not one. */
export function readCbor(bytes: Uint8Array, options: object = OPTIONS): { value: unknown } | { error: string } {
  try {
    return { value: decodeCborg(bytes, options) };
  } catch (e) {
    return { error: e instanceof Error ? e.message.replace(/^CBOR decode error: /, '') : String(e) };
  }
}

const selfDescribed = (b: Uint8Array) => b[0] === 0xd9 && b[1] === 0xd9 && b[2] === 0xf7;

/** what the head says of a map or an array (major types 5 and 4), past a self-describe tag */
function head(b: Uint8Array): { kind: 'map' | 'array'; size: number | 'indefinite' } | undefined {
  const at = selfDescribed(b) ? 3 : 0;
  const c = b[at];
  const major = c >> 5;
  if (major !== 4 && major !== 5) return undefined;
  const kind = major === 5 ? 'map' : 'array';
  const info = c & 0x1f;
  if (info < 24) return { kind, size: info };
  if (info === 31) return { kind, size: 'indefinite' };
  const n = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : 0;
  if (!n || b.length < at + 1 + n) return undefined;
  let size = 0;
  for (let i = 1; i <= n; i++) size = size * 256 + b[at + i];
  return { kind, size };
}

export const cbor = binaryFormat({
  id: 'cbor',
  label: 'CBOR',
  // WAMP's `wamp.2.cbor` is WAMP's and detected first
  subprotocol: /^(.+\.)?cbor$/i,
  read: (b, strict) => readCbor(b, strict ? STRICT : OPTIONS),
  head,
  marked: selfDescribed,
});
