/**
 * The values the binary formats decode to (MessagePack, CBOR; also inside SignalR's and WAMP's binary forms) as the
 * panel's tree: plain JSON-able data. Maps with keys that are not strings keep them in a short written form
 * (`1`, `true`, `h'0a0b'`, `[1,2]`); bytes show as hex; extension types and tags keep their number; bigints become
 * strings once past what a number holds exactly.
 */
import { ExtData } from '@msgpack/msgpack';
import type { Decoded, FrameInput, Protocol } from './types';
import { describeBytes, hexPreview, setOwn, shortValue, TRUNCATED } from './util';

/** a CBOR tag the decoder has no meaning for: its number and its content */
export class Tagged {
  constructor(
    readonly tag: number,
    readonly value: unknown,
  ) {}
}

/** deeper than this, a value shows as `…` (a page's data may nest without end) */
const MAX_DEPTH = 64;

/** a map key as the tree's key */
export function keyText(k: unknown): string {
  if (typeof k === 'string') return k;
  if (k instanceof Uint8Array) return `h'${hexPreview(k, 16).replaceAll(' ', '')}'`;
  if (typeof k === 'object' && k !== null) {
    const t = toTree(k);
    return JSON.stringify(t) ?? String(t);
  }
  return String(k);
}

function dateOf(d: Date): string {
  return Number.isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString();
}

/** A decoded value as plain data for the tree. */
export function toTree(v: unknown, depth = 0): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v >= Number.MIN_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : String(v);
  if (v === undefined) return 'undefined';
  if (depth >= MAX_DEPTH) return '…';
  if (v instanceof Uint8Array) return describeBytes(v);
  if (v instanceof Date) return { date: dateOf(v) };
  if (v instanceof ExtData) {
    const data = v.data instanceof Uint8Array ? v.data : new Uint8Array(0);
    return { ext: v.type, ...describeBytes(data) };
  }
  if (v instanceof Tagged) {
    const t: Record<string, unknown> = { tag: v.tag, value: toTree(v.value, depth + 1) };
    // RFC 8949 tags 0 and 1: a date as text, or as seconds since the epoch
    const date = v.tag === 0 && typeof v.value === 'string' ? new Date(v.value) : v.tag === 1 && typeof v.value === 'number' ? new Date(v.value * 1000) : undefined;
    if (date) t.date = dateOf(date);
    return t;
  }
  if (Array.isArray(v)) return v.map((x) => toTree(x, depth + 1));
  const out: Record<string, unknown> = {};
  const put = (k: unknown, value: unknown) => {
    let key = keyText(k);
    // a string key and a number key may read the same: keep both
    for (let n = 2; Object.hasOwn(out, key); n++) key = `${keyText(k)} (${n})`;
    setOwn(out, key, toTree(value, depth + 1));
  };
  if (v instanceof Map) for (const [k, value] of v) put(k, value);
  else if (typeof v === 'object') for (const k of Object.keys(v)) put(k, (v as Record<string, unknown>)[k]);
  else return String(v);
  return out;
}

/** what kind of value this is, in a word */
export function kindOf(v: unknown): string {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Uint8Array) return 'binary';
  if (v instanceof Date) return 'date';
  if (v instanceof ExtData) return `ext ${v.type}`;
  if (v instanceof Tagged) return `tag ${v.tag}`;
  if (v instanceof Map || typeof v === 'object') return 'map';
  return typeof v === 'bigint' ? 'integer' : typeof v;
}

const TELLING = ['type', 'event', 'action', 'op', 'method', 'cmd', 'kind', 'channel', 'topic'];
const SEARCH_LIMIT = 2000;

function entriesOf(v: unknown): [unknown, unknown][] {
  if (v instanceof Map) return [...v];
  if (typeof v === 'object' && v !== null) return Object.entries(v);
  return [];
}

/**
 * The Summary line of a decoded value: its kind and size, then a `type`/`event`-like member when there is one, else
 * its first keys (a map) or items (an array). E.g. `map of 3 · type: "chat" · room, text`, `array of 3 · "join", 7, {…}`.
 */
export function summarizeValue(v: unknown): string {
  const kind = kindOf(v);
  if (kind === 'array') {
    const a = v as unknown[];
    const items = a.slice(0, 3).map((x) => shortValue(toTree(x), 24));
    return `array of ${a.length}${items.length ? ` · ${items.join(', ')}${a.length > 3 ? ', …' : ''}` : ''}`;
  }
  if (kind === 'map') {
    const entries = entriesOf(v);
    const parts = [`map of ${entries.length}`];
    const telling = entries.find(([k, x]) => typeof k === 'string' && TELLING.includes(k) && (typeof x === 'string' || typeof x === 'number'));
    if (telling) parts.push(`${telling[0] as string}: ${shortValue(telling[1])}`);
    const rest = entries.filter((e) => e !== telling).map(([k]) => keyText(k));
    if (rest.length) parts.push(rest.slice(0, 5).join(', ') + (rest.length > 5 ? ', …' : ''));
    return parts.join(' · ');
  }
  if (v instanceof Tagged) return `tag ${v.tag} · ${summarizeValue(v.value)}`;
  if (v instanceof Date) return `date ${dateOf(v)}`;
  if (v instanceof Uint8Array || v instanceof ExtData) {
    const b = v instanceof Uint8Array ? v : v.data;
    return `${kind} · ${b.length} B`;
  }
  return `${kind} ${shortValue(toTree(v), 60)}`;
}

/** the keys and scalar values of a decoded value, for the filter, up to a couple of thousand characters */
export function searchText(v: unknown): string {
  const out: string[] = [];
  let size = 0;
  const add = (s: string) => {
    out.push(s);
    size += s.length + 1;
  };
  const walk = (x: unknown, depth: number) => {
    if (size > SEARCH_LIMIT || depth > 8) return;
    if (typeof x === 'string') add(x.length > 200 ? x.slice(0, 200) : x);
    else if (typeof x === 'number' || typeof x === 'bigint' || typeof x === 'boolean') add(String(x));
    else if (x instanceof Tagged) walk(x.value, depth + 1);
    else if (Array.isArray(x)) for (const y of x) walk(y, depth + 1);
    else if (x instanceof Map || (typeof x === 'object' && x !== null && !(x instanceof Uint8Array) && !(x instanceof Date) && !(x instanceof ExtData))) {
      for (const [k, y] of entriesOf(x)) {
        add(keyText(k));
        walk(y, depth + 1);
      }
    }
  };
  walk(v, 0);
  return out.join(' ');
}

/** the fields of a top-level value: a map or an array is the tree itself; anything else hangs on `value` */
export function treeFields(v: unknown): Record<string, unknown> {
  const t = toTree(v);
  return (t !== null && typeof t === 'object' && !(v instanceof Tagged) && !(v instanceof Uint8Array) && !(v instanceof ExtData) && !(v instanceof Date) ? t : { value: t }) as Record<
    string,
    unknown
  >;
}

// control characters and U+FFFD (bytes that were not UTF-8): what random bytes decode to as text
const UNTEXTLIKE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/;

/** whether every string (keys too) in the first levels of a value reads as text */
function textLike(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return !UNTEXTLIKE.test(v);
  if (depth > 3) return true;
  if (Array.isArray(v)) return v.every((x) => textLike(x, depth + 1));
  if (v instanceof Map || (typeof v === 'object' && v !== null && kindOf(v) === 'map')) {
    return entriesOf(v).every(([k, x]) => textLike(k, depth + 1) && textLike(x, depth + 1));
  }
  return true;
}

/**
 * Whether a decoded top-level value is what a socket plausibly sends as a whole message, not bytes that happen to
 * parse: a non-empty map with string keys, or an array holding more than numbers; and its strings read as text.
 */
export function plausible(v: unknown): boolean {
  let shape: boolean;
  if (Array.isArray(v)) shape = v.some((x) => typeof x === 'string' || (typeof x === 'object' && x !== null));
  else if (v instanceof Map) shape = v.size > 0 && [...v.keys()].every((k) => typeof k === 'string');
  else shape = typeof v === 'object' && v !== null && kindOf(v) === 'map' && Object.keys(v).length > 0;
  return shape && textLike(v, 0);
}

/** call arguments for a summary: `("ada", 7, {…})`, the first three */
export function argsPreview(args: unknown[] | undefined): string {
  if (!args) return '';
  const shown = args.slice(0, 3).map((a) => shortValue(a, 24));
  return `(${shown.join(', ')}${args.length > 3 ? ', …' : ''})`;
}

/** What a generic binary format (MessagePack, CBOR) brings to the one decoder they share. */
export interface BinaryFormat {
  id: 'msgpack' | 'cbor';
  label: string;
  subprotocol: RegExp;
  /** one whole value, or why the bytes are not one; `strict` for detection */
  read(bytes: Uint8Array, strict: boolean): { value: unknown } | { error: string };
  /** what the first bytes say of a top-level map or array: enough to summarize a cut-off preview */
  head(bytes: Uint8Array): { kind: 'map' | 'array'; size: number | string } | undefined;
  /** the frame opens with a marker that is no part of the value (CBOR's self-describe tag) */
  marked?(bytes: Uint8Array): boolean;
}

/** A binary format as a protocol: a frame is one value shown as a tree; detection insists on a plausible one. */
export function binaryFormat(fmt: BinaryFormat): Protocol {
  const decode = (frame: FrameInput) => {
    const b = frame.bytes;
    if (!b) return { decoded: null };
    const read = fmt.read(b, false);
    if ('value' in read) {
      const marked = fmt.marked?.(b) ?? false;
      const summary = summarizeValue(read.value);
      const fields = treeFields(read.value);
      const decoded: Decoded = {
        protocol: fmt.id,
        summary: marked ? `${summary} (self-described)` : summary,
        fields: marked ? { selfDescribed: true, value: fields } : fields,
        search: searchText(read.value),
      };
      if (frame.truncated) decoded.error = TRUNCATED;
      return { decoded };
    }
    const h = fmt.head(b);
    const summary = h ? `${h.kind} of ${h.size} …` : `${fmt.label} (unreadable)`;
    const error = frame.truncated ? `${TRUNCATED} (${read.error})` : `not one ${fmt.label} value: ${read.error}`;
    return { decoded: { protocol: fmt.id, summary, fields: { bytes: b.length }, search: '', error } };
  };
  return {
    id: fmt.id,
    label: fmt.label,
    byHandshake: (_url, subprotocol) => fmt.subprotocol.test(subprotocol),
    byContent(frame) {
      const b = frame.bytes;
      if (!b || frame.truncated || b.length < 3 || !fmt.head(b)) return false;
      const read = fmt.read(b, true);
      return 'value' in read && plausible(read.value);
    },
    create: () => ({ decode }),
  };
}
