/**
 * Protocol Buffers with a schema: a frame read as one message type of a loaded protobufjs Root, into named fields,
 * the way protobufjs's `toObject(message, { enums: String, longs: String, bytes: String, defaults: false,
 * oneofs: true })` shows a decoded message (the unit tests hold it to exactly that), plus the fields the schema
 * does not know.
 *
 * Why not protobufjs's own `Type.decode` and `toObject`: both are generated at run time with `new Function`, and an
 * extension page's Content Security Policy (MV3: `script-src 'self'`, no 'unsafe-eval', in Chrome and Firefox)
 * forbids that, so they throw in the panel. This walks the reflection objects (fields, oneofs, enums, map entries)
 * instead, reading the wire with the same minimal Reader, and says where a frame stops fitting its type.
 * The reflection objects come from the lazily loaded full build (../store/protobufSchemas.ts); this module only
 * needs their shape, so it adds nothing to the panel's start-up bundle.
 */
import type { Enum, Field, OneOf, Reader, Type } from 'protobufjs';

type MapField = Field & { keyType: string };
import { bytesToBase64 } from '../lib/base64';
import type { Decoded, DecodeOutput, FrameInput, Protocol } from './types';
import { decodeRaw, frameBytes, need, parseMessage, protobufReaderReady, readerOf, readLength, readTag, readVarint, toUint64, WireError, zigzag } from './protobuf';
import { setOwn, shortValue, TRUNCATED } from './util';

export interface Style {
  /** enum values as their names (unknown numbers stay numbers), or as numbers */
  enums: 'name' | 'number';
  /** 64-bit integers as decimal strings, or as (possibly rounded) numbers */
  longs: 'string' | 'number';
  /** bytes as base64 text, or as Uint8Array */
  bytes: 'base64' | 'raw';
  /** the set member of each oneof under the oneof's name, as toObject's `oneofs: true` does */
  oneofs: boolean;
  /**
   * absent fields read their default from the object's prototype, as protobufjs's decoded messages do (for handing
   * to protobufjs's own reflection code, which expects its messages); false: plain objects of what was on the wire
   */
  prototypeDefaults: boolean;
  /** fields the type does not declare, read raw under `[unknown fields]` */
  unknown: boolean;
}

/** what the panel shows */
export const VIEW_STYLE: Style = { enums: 'name', longs: 'string', bytes: 'base64', oneofs: true, prototypeDefaults: false, unknown: true };

export const UNKNOWN_KEY = '[unknown fields]';
const MAX_DEPTH = 64;

const VARINT = new Set(['int32', 'uint32', 'sint32', 'int64', 'uint64', 'sint64', 'bool']);
const FIXED64 = new Set(['fixed64', 'sfixed64', 'double']);
const FIXED32 = new Set(['fixed32', 'sfixed32', 'float']);

const isEnum = (t: unknown): t is Enum => t !== null && typeof t === 'object' && 'valuesById' in t;
const isType = (t: unknown): t is Type => t !== null && typeof t === 'object' && 'fieldsArray' in t;

/** The wire type a value of this field's type is written with (messages: 2, or 3 for groups). */
function wireOf(f: Field): number {
  if (isType(f.resolvedType)) return f.delimited ? 3 : 2;
  if (isEnum(f.resolvedType) || VARINT.has(f.type)) return 0;
  if (FIXED64.has(f.type)) return 1;
  if (FIXED32.has(f.type)) return 5;
  return 2;
}

/** invalid UTF-8 reads as U+FFFD, as protobufjs reads it */
const utf8 = new TextDecoder('utf-8');

const WIRE = ['varint', 'fixed64', 'length-delimited', 'group', 'end group', 'fixed32'];

export interface TypedResult {
  value: Record<string, unknown>;
  /** where the frame stopped fitting the type; `value` has what was read before */
  error?: WireError & { path: string };
}

/** Decode `bytes` as one `type`. Never throws on what a page sends. */
export function decodeTyped(type: Type, bytes: Uint8Array, style: Style = VIEW_STYLE): TypedResult {
  const d = new TypedDecoder(bytes, style);
  const r = readerOf(bytes);
  const value = d.newObject(type);
  try {
    d.message(type, r, bytes.length, value, '', 0);
    return { value };
  } catch (e) {
    const err = (e instanceof WireError ? e : new WireError(r.pos, (e as Error).message)) as WireError & { path: string };
    err.path ??= '';
    return { value, error: err };
  }
}

class TypedDecoder {
  private protos = new WeakMap<Type, object>();
  /** where the field being read began (its tag): where a wrong wire type is reported */
  private tagAt = 0;

  constructor(
    private bytes: Uint8Array,
    private style: Style,
  ) {}

  newObject(type: Type): Record<string, unknown> {
    if (!this.style.prototypeDefaults) return {};
    let proto = this.protos.get(type);
    if (!proto) {
      const p: Record<string, unknown> = {};
      for (const f of type.fieldsArray) {
        if (f.map) p[f.name] = {};
        else if (f.repeated) p[f.name] = Object.freeze([]);
        else if (isType(f.resolvedType)) p[f.name] = null;
        else if (isEnum(f.resolvedType)) p[f.name] = typeof f.typeDefault === 'number' ? f.typeDefault : (f.resolvedType.values[f.typeDefault as string] ?? 0);
        else p[f.name] = this.scalarDefault(f);
      }
      this.protos.set(type, (proto = p));
    }
    return Object.create(proto) as Record<string, unknown>;
  }

  private scalarDefault(f: Field): unknown {
    const v: unknown = f.typeDefault;
    if (v !== null && typeof v === 'object' && 'low' in (v as object)) return this.long(toUint64(v as { low: number; high: number }), f.type);
    if (f.type === 'bytes') return this.style.bytes === 'raw' ? new Uint8Array(0) : '';
    return v;
  }

  /** Read fields into `obj` up to `end`, or up to the end tag of the group `group`. */
  message(type: Type, r: Reader, end: number, obj: Record<string, unknown>, path: string, depth: number, group?: number): void {
    if (depth > MAX_DEPTH) throw at(r.pos, `at most ${MAX_DEPTH} nested messages`, path);
    const byId = type.fieldsById;
    while (r.pos < end) {
      let tag;
      try {
        tag = readTag(r);
      } catch (e) {
        throw withPath(e, path, r.pos);
      }
      const { field: id, wire } = tag;
      if (wire === 4) {
        if (group === id) return;
        throw at(tag.at, `a field of ${type.name}, but found the end of group ${id}`, path);
      }
      const f = byId[id];
      this.tagAt = tag.at;
      if (!f) {
        this.unknown(r, tag, obj, path, depth);
        continue;
      }
      const here = path ? `${path}.${f.name}` : f.name;
      try {
        if (f.map) this.mapEntry(f as MapField, r, wire, obj, here, depth);
        else if (f.repeated) this.repeated(f, r, wire, obj, here, depth);
        else {
          setOwn(obj, f.name, this.value(f, r, wire, here, depth));
          if (f.partOf) this.oneofCase(f.partOf, f, obj);
        }
      } catch (e) {
        throw withPath(e, here, r.pos);
      }
    }
    if (group !== undefined) throw at(end, `the end of group ${group} (${type.name}), but the frame ends first`, path);
  }

  private unknown(r: Reader, tag: { field: number; wire: number; at: number }, obj: Record<string, unknown>, path: string, depth: number): void {
    try {
      r.skipType(tag.wire, depth, tag.field);
    } catch {
      throw at(tag.at, `a whole ${WIRE[tag.wire]} value for field ${tag.field} (not in the type), but it is cut short`, path);
    }
    if (!this.style.unknown) return;
    const raw = parseMessage(this.bytes, tag.at, r.pos, depth).fields;
    const into = ownOr<Record<string, unknown>>(obj, UNKNOWN_KEY, {});
    for (const [k, v] of Object.entries(raw)) {
      const had = Object.prototype.hasOwnProperty.call(into, k) ? into[k] : undefined;
      setOwn(into, k, had === undefined ? v : [...(Array.isArray(had) ? had : [had]), ...(Array.isArray(v) ? v : [v])]);
    }
  }

  private oneofCase(oneof: OneOf, f: Field, obj: Record<string, unknown>): void {
    if (oneof.isProto3Optional) return;
    // a later member of the same oneof replaces an earlier one, as in every protobuf runtime
    for (const other of oneof.fieldsArray) if (other !== f) delete obj[other.name];
    if (this.style.oneofs) setOwn(obj, oneof.name, f.name);
  }

  private repeated(f: Field, r: Reader, wire: number, obj: Record<string, unknown>, path: string, depth: number): void {
    const list = ownOr<unknown[]>(obj, f.name, []);
    const expected = wireOf(f);
    // packed: every scalar but string and bytes, and parsers must accept both forms whatever the schema says
    if (wire === 2 && expected !== 2 && expected !== 3) {
      const len = readLength(r, `packed ${f.name}`);
      const end = r.pos + len;
      const saved = r.len;
      r.len = end;
      try {
        while (r.pos < end) list.push(this.scalar(f, r, expected, `${path}[${list.length}]`));
      } finally {
        r.len = saved;
      }
      return;
    }
    list.push(this.value(f, r, wire, `${path}[${list.length}]`, depth));
  }

  private mapEntry(f: MapField, r: Reader, wire: number, obj: Record<string, unknown>, path: string, depth: number): void {
    if (wire !== 2) throw at(this.tagAt, `a map entry (length-delimited) for ${f.name}, but found wire type ${wire} (${WIRE[wire]})`, path);
    const map = ownOr<Record<string, unknown>>(obj, f.name, {});
    const len = readLength(r, `a ${f.name} entry`);
    const end = r.pos + len;
    const saved = r.len;
    r.len = end;
    // the entry is a message { key = 1; value = 2; }; either may be missing and then takes its default
    const keyField = { type: f.keyType, resolvedType: null, name: 'key' } as unknown as Field;
    let key: unknown = f.keyType === 'string' ? '' : f.keyType === 'bool' ? false : 0;
    let value: unknown;
    try {
      while (r.pos < end) {
        const tag = readTag(r);
        if (tag.field === 1) key = this.scalar(keyField, r, tag.wire, `${path}.key`, wireOf(keyField));
        else if (tag.field === 2) value = this.value(f, r, tag.wire, `${path}[value]`, depth);
        else r.skipType(tag.wire, depth, tag.field);
      }
    } finally {
      r.len = saved;
    }
    if (value === undefined) value = isType(f.resolvedType) ? {} : isEnum(f.resolvedType) ? this.enumValue(f.resolvedType, 0) : this.scalarDefault(f);
    setOwn(map, String(key), value);
  }

  /** One value of a field (not a map entry; a repeated field's one element). */
  private value(f: Field, r: Reader, wire: number, path: string, depth: number): unknown {
    const rt = f.resolvedType;
    if (isType(rt)) {
      const obj = this.newObject(rt);
      if (wire === 3) {
        this.message(rt, r, r.len, obj, path, depth + 1, f.id);
        return obj;
      }
      if (wire !== 2) throw at(this.tagAt, `a ${rt.name} message (length-delimited) for ${f.name}, but found wire type ${wire} (${WIRE[wire]})`, path);
      const len = readLength(r, `${f.name} (${rt.name})`);
      const end = r.pos + len;
      const saved = r.len;
      r.len = end;
      try {
        this.message(rt, r, end, obj, path, depth + 1);
      } finally {
        r.len = saved;
      }
      return obj;
    }
    return this.scalar(f, r, wire, path);
  }

  private scalar(f: Field, r: Reader, wire: number, path: string, expected = wireOf(f)): unknown {
    const start = r.pos;
    if (wire !== expected) throw at(this.tagAt, `${WIRE[expected]} for ${f.name} (${f.type}), but found wire type ${wire} (${WIRE[wire]})`, path);
    if (isEnum(f.resolvedType)) return this.enumValue(f.resolvedType, Number(BigInt.asIntN(32, readVarint(r, f.name))));
    switch (f.type) {
      case 'string': {
        const len = readLength(r, `${f.name} (string)`);
        const s = utf8.decode(this.bytes.subarray(r.pos, r.pos + len));
        r.pos += len;
        return s;
      }
      case 'bytes': {
        const len = readLength(r, `${f.name} (bytes)`);
        const b = this.bytes.slice(r.pos, r.pos + len);
        r.pos += len;
        return this.style.bytes === 'raw' ? b : bytesToBase64(b);
      }
      case 'bool':
        return readVarint(r, f.name) !== 0n;
      case 'int32':
        return Number(BigInt.asIntN(32, readVarint(r, f.name)));
      case 'uint32':
        return Number(BigInt.asUintN(32, readVarint(r, f.name)));
      case 'sint32':
        return Number(BigInt.asIntN(32, zigzag(BigInt.asUintN(32, readVarint(r, f.name)))));
      case 'int64':
        return this.long(BigInt.asIntN(64, readVarint(r, f.name)), f.type);
      case 'uint64':
        return this.long(readVarint(r, f.name), f.type);
      case 'sint64':
        return this.long(zigzag(readVarint(r, f.name)), f.type);
      case 'fixed32':
        need(r, 4, `${f.name} (fixed32)`);
        return r.fixed32();
      case 'sfixed32':
        need(r, 4, `${f.name} (sfixed32)`);
        return r.sfixed32();
      case 'float':
        need(r, 4, `${f.name} (float)`);
        return this.finite(r.float());
      case 'fixed64':
        need(r, 8, `${f.name} (fixed64)`);
        return this.long(toUint64(r.fixed64() as unknown as { low: number; high: number }), f.type);
      case 'sfixed64':
        need(r, 8, `${f.name} (sfixed64)`);
        return this.long(BigInt.asIntN(64, toUint64(r.fixed64() as unknown as { low: number; high: number })), f.type);
      case 'double':
        need(r, 8, `${f.name} (double)`);
        return this.finite(r.double());
    }
    throw at(start, `a value of ${f.name}, whose type ${f.type} did not resolve`, path);
  }

  private enumValue(e: Enum, n: number): unknown {
    if (this.style.enums === 'number') return n;
    return e.valuesById[n] ?? n;
  }

  private long(v: bigint, type: string): unknown {
    if (this.style.longs === 'string') return String(type === 'uint64' || type === 'fixed64' ? BigInt.asUintN(64, v) : v);
    return Number(v);
  }

  /** JSON has no NaN or Infinity: the tree shows them as text (as ProtoJSON does) */
  private finite(x: number): number | string {
    return this.style.longs === 'string' && !Number.isFinite(x) ? String(x) : x;
  }
}

/** obj's own `key` (a list or map being filled), set to `fresh` the first time; a prototype default never counts */
function ownOr<T = Record<string, unknown>>(obj: Record<string, unknown>, key: string, fresh: T): T {
  if (!Object.prototype.hasOwnProperty.call(obj, key)) setOwn(obj, key, fresh);
  return obj[key] as T;
}

function at(offset: number, expected: string, path: string): WireError & { path: string } {
  return Object.assign(new WireError(offset, expected), { path });
}

/** Keep the innermost path a fault was found at; add one where there is none (and an offset to a Reader's error). */
function withPath(e: unknown, path: string, offset: number): WireError & { path: string } {
  const w = (e instanceof WireError ? e : new WireError(offset, (e as Error).message)) as WireError & { path: string };
  if (!w.path) w.path = path;
  return w;
}

// ------------------------------------------------------------------ the decoder

/** The message type each direction's frames are read as; a direction without one is read raw. */
export interface SchemaTypes {
  sent?: Type;
  received?: Type;
}

const SUMMARY_FIELDS = 3;

function fieldsText(value: Record<string, unknown>, skip?: string): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (k === skip || k === UNKNOWN_KEY) continue;
    if (parts.length === SUMMARY_FIELDS) {
      parts.push('…');
      break;
    }
    parts.push(`${k}=${shortValue(v, 24)}`);
  }
  return parts.join(' ');
}

/** "Envelope chat: room=\"lobby\" text=\"hi\"": the type, the oneof case that is set, the first few fields. */
export function typedSummary(type: Type, value: Record<string, unknown>): string {
  for (const oneof of type.oneofsArray) {
    if (oneof.isProto3Optional) continue;
    const set = value[oneof.name];
    if (typeof set !== 'string') continue;
    const inner = value[set];
    const rest = inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? fieldsText(inner as Record<string, unknown>) : shortValue(inner, 24);
    return `${type.name} ${set}${rest ? `: ${rest}` : ''}`;
  }
  const rest = fieldsText(value);
  return rest ? `${type.name} ${rest}` : `${type.name} (all defaults)`;
}

function searchText(value: unknown, out: string[]): string[] {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) searchText(v, out);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      searchText(v, out);
    }
  return out;
}

/** One frame read as `type`; a frame that does not fit says where, and shows the raw reading. */
export function decodeWithType(frame: FrameInput, type: Type): Decoded | null {
  const got = frameBytes(frame);
  if (!got) return null;
  // a schema is loaded with the full build, whose Reader is the minimal one: ready, but say so if it is not
  if (!protobufReaderReady()) return decodeRaw(frame, 'protobuf-schema');
  const { value, error } = decodeTyped(type, got.bytes);
  const name = type.fullName.replace(/^\./, '');
  if (error) {
    const raw = decodeRaw(frame, 'protobuf-schema')!;
    const where = `${error.message}${error.path ? ` (in ${error.path})` : ''}`;
    const fields: Record<string, unknown> = Object.keys(value).length ? { [`read as ${name} before the fault`]: value, ...raw.fields } : raw.fields;
    return {
      ...raw,
      summary: `not a ${type.name} · ${raw.summary}`,
      fields,
      error: [`Not a ${name}: ${where}; shown raw`, frame.truncated ? TRUNCATED : ''].filter(Boolean).join('; '),
    };
  }
  const fields: Record<string, unknown> = got.base64 ? { encoding: 'base64 text', ...value } : value;
  return {
    protocol: 'protobuf-schema',
    summary: typedSummary(type, value),
    fields,
    search: [name, ...searchText(value, [])].join(' '),
    ...(frame.truncated ? { error: TRUNCATED } : {}),
  };
}

/** "Decode as" with a schema: each direction's frames read as its chosen type (or raw, with none chosen). */
export function schemaProtocol(types: SchemaTypes = {}): Protocol {
  return {
    id: 'protobuf-schema',
    label: 'Protocol Buffers (schema)',
    byHandshake: () => false,
    byContent: () => false,
    create: () => ({
      decode(frame: FrameInput): DecodeOutput {
        const type = types[frame.direction];
        return { decoded: type ? decodeWithType(frame, type) : decodeRaw(frame, 'protobuf-schema') };
      },
    }),
  };
}
