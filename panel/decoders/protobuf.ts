/**
 * Protocol Buffers without a schema, read the way `protoc --decode_raw` reads them: field numbers and wire types,
 * varints (with their zigzag and bool readings), fixed32/fixed64 (with their float and double readings), and
 * length-delimited fields as a nested message, text or bytes. Never detected by content: almost any binary frame
 * parses as protobuf, so the user picks it in "decode as".
 *
 * The wire is read with protobufjs's minimal Reader (no code generation), not by hand. protobufjs/minimal is 58 kB
 * (13 kB gzipped) with long.js, a third of the panel's own code, so it is imported when a socket is first decoded
 * as protobuf, not at the panel's start: until it is there a frame says so, and the store reads it again after.
 */
import type { Reader } from 'protobufjs';
import type { Decoded, DecodeOutput, FrameInput, Protocol } from './types';
import { isBase64, base64ToBytes } from '../lib/base64';
import { hexPreview, setOwn, shortValue, textPreview, TRUNCATED } from './util';

/** nesting tried for length-delimited fields: a guess per level, so bounded */
const MAX_GUESS_DEPTH = 24;
/** bytes shown in hex for a length-delimited field that is neither a message nor text */
const HEX_MAX = 64;
/** fields named in the Summary column */
const SUMMARY_FIELDS = 4;

/** A place the wire stopped making sense: the byte offset in the frame and what was expected there. */
export class WireError extends Error {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {
    super(`at byte ${offset}: ${expected}`);
  }
}

let ReaderClass: (new (buf: Uint8Array) => Reader) | undefined;
let loading: Promise<void> | undefined;

/** Import protobufjs's minimal Reader (once); decoding waits for nothing, it reads frames once this is done. */
export function loadProtobufReader(): Promise<void> {
  loading ??= import('protobufjs/minimal.js').then((m) => {
    const pb = ((m as unknown as { default?: { Reader: typeof ReaderClass } }).default ?? m) as { Reader: typeof ReaderClass };
    ReaderClass = pb.Reader;
  });
  return loading;
}

export function protobufReaderReady(): boolean {
  return ReaderClass !== undefined;
}

export const READER_LOADING = 'the protobuf reader is still loading: this frame is read again once it is there';

export function readerOf(bytes: Uint8Array, start = 0, end = bytes.length): Reader {
  if (!ReaderClass) throw new Error(READER_LOADING);
  const r = new ReaderClass(bytes);
  r.pos = start;
  r.len = end;
  return r;
}

/** A 64-bit varint or fixed64 from the Reader (a Long, or a number where long.js is absent) as an unsigned BigInt. */
export function toUint64(v: { low: number; high: number } | number): bigint {
  if (typeof v === 'number') return BigInt.asUintN(64, BigInt(Math.trunc(v)));
  return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
}

export const zigzag = (u: bigint): bigint => (u >> 1n) ^ -(u & 1n);

/** Read a tag; throws a WireError saying where and why. */
export function readTag(r: Reader): { field: number; wire: number; at: number } {
  const at = r.pos;
  let tag: number;
  try {
    tag = r.uint32();
  } catch {
    throw new WireError(at, 'a field tag (varint), but the frame ends inside it');
  }
  const field = tag >>> 3;
  const wire = tag & 7;
  if (wire > 5) throw new WireError(at, `a field tag, but ${tag} has wire type ${wire} (protobuf has 0-5)`);
  if (field === 0) throw new WireError(at, 'a field tag, but field number 0 is not allowed');
  return { field, wire, at };
}

export function readVarint(r: Reader, what: string): bigint {
  const at = r.pos;
  try {
    return toUint64(r.uint64() as unknown as { low: number; high: number });
  } catch {
    throw new WireError(at, `a varint for ${what}, but the frame ends inside it`);
  }
}

export function need(r: Reader, n: number, what: string): void {
  if (r.pos + n > r.len) throw new WireError(r.pos, `${n} bytes of ${what}, but only ${r.len - r.pos} are left`);
}

/** The length of a length-delimited field, checked against what is left. */
export function readLength(r: Reader, what: string): number {
  const at = r.pos;
  const len = readVarint(r, `the length of ${what}`);
  if (len > BigInt(r.len - r.pos)) throw new WireError(at, `${len} bytes of ${what}, but only ${r.len - r.pos} are left`);
  return Number(len);
}

// ------------------------------------------------------------------ values

function varintText(u: bigint): string {
  const parts: string[] = [];
  const signed = BigInt.asIntN(64, u);
  if (signed < 0n) parts.push(`int64 ${signed}`);
  const z = zigzag(u);
  if (z !== u) parts.push(`sint ${z}`);
  if (u <= 1n) parts.push(`bool ${u === 1n}`);
  return parts.length ? `${u} (${parts.join(', ')})` : String(u);
}

const num = (u: bigint): number | string => (u <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(u) : String(u));

function floatText(f: number): string {
  return Number.isFinite(f) ? String(Number(f.toPrecision(9))) : String(f);
}

function fixed32Text(r: Reader): string {
  const at = r.pos;
  const u = r.fixed32();
  r.pos = at;
  const f = r.float();
  const s = u | 0;
  return `${u} (${s < 0 ? `sfixed32 ${s}, ` : ''}float ${floatText(f)})`;
}

function fixed64Text(r: Reader): string {
  const at = r.pos;
  const u = toUint64(r.fixed64() as unknown as { low: number; high: number });
  r.pos = at;
  const d = r.double();
  const s = BigInt.asIntN(64, u);
  return `${u} (${s < 0n ? `sfixed64 ${s}, ` : ''}double ${d})`;
}

/** The values of a packed varint field, when the bytes are exactly a run of varints (a guess: shown as one). */
function packedVarints(bytes: Uint8Array, start: number, end: number): (number | string)[] | undefined {
  const r = readerOf(bytes, start, end);
  const out: (number | string)[] = [];
  try {
    while (r.pos < end) out.push(num(toUint64(r.uint64() as unknown as { low: number; high: number })));
  } catch {
    return undefined;
  }
  return out.length > 1 ? out : undefined;
}

// ------------------------------------------------------------------ messages

export interface RawMessage {
  /** `"<field> <wire>"` → value, or an array of values for a field that occurs again */
  fields: Record<string, unknown>;
  /** fields read, in order: for the summary */
  order: { field: number; kind: string; value: unknown }[];
  /** keys seen more than once (their value is the array of occurrences) */
  repeated: Set<string>;
  error?: WireError;
  /** byte offset just past what was read */
  end: number;
}

function put(msg: RawMessage, field: number, kind: string, value: unknown): void {
  const key = `${field} ${kind}`;
  if (msg.repeated.has(key)) (msg.fields[key] as unknown[]).push(value);
  else if (Object.prototype.hasOwnProperty.call(msg.fields, key)) {
    setOwn(msg.fields, key, [msg.fields[key], value]);
    msg.repeated.add(key);
  } else setOwn(msg.fields, key, value);
  msg.order.push({ field, kind, value });
}

/** A length-delimited field's bytes: printable text, else a nested message that parses whole, else hex. */
function lengthDelimited(bytes: Uint8Array, start: number, end: number, depth: number): { kind: string; value: unknown } {
  if (start === end) return { kind: 'bytes', value: '' };
  const slice = bytes.subarray(start, end);
  // text first: short printable text nearly always parses as a message too ("hi" is field 13 = 105), while a
  // message whose every byte is printable needs field numbers above 3 and printable values throughout, which is rare
  const text = textPreview(slice, Infinity);
  if (text !== undefined) return { kind: 'string', value: text };
  if (depth < MAX_GUESS_DEPTH) {
    const inner = parseMessage(bytes, start, end, depth + 1);
    if (!inner.error && inner.order.length) return { kind: 'message', value: inner.fields };
  }
  const hex = hexPreview(slice, HEX_MAX);
  const packed = packedVarints(bytes, start, end);
  return { kind: 'bytes', value: packed ? { hex, 'as packed varints': packed } : hex };
}

/**
 * The fields between `start` and `end` (or up to the end-group tag of `group`). On a malformed wire, what was read
 * before the fault, and the fault.
 */
export function parseMessage(bytes: Uint8Array, start: number, end: number, depth = 0, group?: number): RawMessage {
  const msg: RawMessage = { fields: {}, order: [], repeated: new Set(), end: start };
  const r = readerOf(bytes, start, end);
  try {
    while (r.pos < end) {
      const { field, wire, at } = readTag(r);
      if (wire === 4) {
        if (group === field) {
          msg.end = r.pos;
          return msg;
        }
        throw new WireError(at, group === undefined ? `a field, but found the end of group ${field}, which never started` : `the end of group ${group}, but found the end of group ${field}`);
      }
      if (wire === 0) put(msg, field, 'varint', varintText(readVarint(r, `field ${field}`)));
      else if (wire === 1) {
        need(r, 8, `fixed64 field ${field}`);
        put(msg, field, 'fixed64', fixed64Text(r));
      } else if (wire === 5) {
        need(r, 4, `fixed32 field ${field}`);
        put(msg, field, 'fixed32', fixed32Text(r));
      } else if (wire === 2) {
        const len = readLength(r, `field ${field}`);
        const { kind, value } = lengthDelimited(bytes, r.pos, r.pos + len, depth);
        r.pos += len;
        put(msg, field, kind, value);
      } else {
        if (depth >= MAX_GUESS_DEPTH) throw new WireError(at, `at most ${MAX_GUESS_DEPTH} nested groups`);
        const inner = parseMessage(bytes, r.pos, end, depth + 1, field);
        if (inner.error) {
          put(msg, field, 'group', inner.fields);
          throw inner.error;
        }
        r.pos = inner.end;
        put(msg, field, 'group', inner.fields);
      }
      msg.end = r.pos;
    }
    if (group !== undefined) throw new WireError(end, `the end of group ${group}, but the frame ends first`);
  } catch (e) {
    msg.error = e instanceof WireError ? e : new WireError(r.pos, String((e as Error).message));
  }
  return msg;
}

// ------------------------------------------------------------------ the decoder

function summaryOf(order: RawMessage['order']): string {
  const parts = order.slice(0, SUMMARY_FIELDS).map(({ field, kind, value }) => {
    if (kind === 'message' || kind === 'group') return `#${field} {…}`;
    if (kind === 'string') return `#${field} ${shortValue(value, 24)}`;
    if (kind === 'bytes') return `#${field} bytes`;
    // a number's first reading, without the alternatives
    return `#${field} ${String(value).replace(/ \(.*$/, '')}`;
  });
  if (order.length > SUMMARY_FIELDS) parts.push('…');
  return parts.join(' · ');
}

function searchOf(fields: Record<string, unknown>, out: string[] = []): string[] {
  for (const v of Object.values(fields)) {
    if (typeof v === 'string') out.push(v);
    else if (v !== null && typeof v === 'object') searchOf(v as Record<string, unknown>, out);
  }
  return out;
}

/** The bytes a frame carries as protobuf: a binary frame's, or a text frame's when the text is base64. */
export function frameBytes(frame: FrameInput): { bytes: Uint8Array; base64: boolean } | undefined {
  if (frame.bytes) return { bytes: frame.bytes, base64: false };
  const text = frame.text?.trim();
  if (!text || !isBase64(text)) return undefined;
  try {
    return { bytes: base64ToBytes(text), base64: true };
  } catch {
    return undefined;
  }
}

/** A frame read without a schema; `protocol` lets the schema decoder fall back to it under its own name. */
export function decodeRaw(frame: FrameInput, protocol: Decoded['protocol'] = 'protobuf'): Decoded | null {
  const got = frameBytes(frame);
  if (!got) return null;
  if (!ReaderClass) return { protocol, summary: 'loading the protobuf reader…', fields: {}, search: '', error: READER_LOADING };
  const { bytes, base64 } = got;
  const msg = parseMessage(bytes, 0, bytes.length);
  const fields: Record<string, unknown> = base64 ? { encoding: 'base64 text', ...msg.fields } : msg.fields;
  const errors: string[] = [];
  if (msg.error) errors.push(`${msg.error.message}${msg.order.length ? ` (after ${msg.order.length} field${msg.order.length === 1 ? '' : 's'})` : ''}`);
  if (frame.truncated) errors.push(TRUNCATED);
  const summary = bytes.length === 0 ? 'empty message' : msg.order.length ? summaryOf(msg.order) : 'not protobuf';
  return {
    protocol,
    summary: msg.error && msg.order.length ? `${summary} · error at byte ${msg.error.offset}` : summary,
    fields,
    search: searchOf(msg.fields).join(' '),
    ...(errors.length ? { error: errors.join('; ') } : {}),
  };
}

export const protobufRaw: Protocol = {
  id: 'protobuf',
  label: 'Protocol Buffers (raw)',
  byHandshake: () => false,
  // random binary parses as protobuf far too often for any content rule to be trusted
  byContent: () => false,
  create: () => ({ decode: (frame: FrameInput): DecodeOutput => ({ decoded: decodeRaw(frame) }) }),
};
