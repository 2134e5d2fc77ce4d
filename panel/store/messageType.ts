/**
 * A message's type: what the "what dominates" table groups frames by and the filter's `type:` term matches. It is
 * read from the frame's decoded view: for a protocol, the head of its summary without the parts that differ from
 * one message to the next (ids, arguments, counts, times): `event: chat message`, `subscribe Countdown`,
 * `PUBLISH chat/room1`, `join room:lobby`, `invoke Echo`; for plain JSON (and MessagePack, CBOR) the value of the
 * first key apps name a message by (`type`, `event`, `action`, …); else `binary` or `text`.
 */
import { isRecord } from '../lib/isRecord';
import { decodedView } from './decoding';
import type { Decoded } from '../decoders/types';
import type { Frame, Socket } from './model';

/** the keys plain JSON messages are named by, in the order the JSON decoder's summary reads them */
const TELLING = ['type', 'event', 'action', 'op', 'method', 'channel', 'topic', 'cmd', 'kind'];
/** protocols whose decoded fields are the message itself */
const PLAIN = new Set(['json', 'msgpack', 'cbor']);

const cache = new WeakMap<Frame, { decoded: Decoded | undefined; type: string }>();

/** The type of a message frame (undefined for lifecycle rows). Cached per frame while its decoded view stays. */
export function messageType(f: Frame, sock: Socket | undefined): string | undefined {
  if (!f.payload || f.direction === 'event') return undefined;
  const decoded = decodedView(f, sock);
  const hit = cache.get(f);
  if (hit && hit.decoded === decoded) return hit.type;
  const type = typeOf(f, decoded);
  cache.set(f, { decoded, type });
  return type;
}

function typeOf(f: Frame, d: Decoded | undefined): string {
  const raw = f.payload!.type === 'text' ? 'text' : 'binary';
  if (!d) return raw;
  if (PLAIN.has(d.protocol)) {
    const v = d.fields;
    if (Array.isArray(v)) return `${d.protocol === 'json' ? 'JSON' : d.protocol} array`;
    if (isRecord(v))
      for (const k of TELLING) {
        const x = v[k];
        if (typeof x === 'string' && x) return x.length > 60 ? `${x.slice(0, 60)}…` : x;
        if (typeof x === 'number' || typeof x === 'boolean') return `${k} ${String(x)}`;
      }
    return d.protocol === 'json' ? 'JSON (no type field)' : `${d.protocol} (no type field)`;
  }
  if (d.protocol === 'protobuf') return 'protobuf';
  return fromSummary(d.summary) || d.protocol;
}

/** The head of a summary, without what changes per message. */
export function fromSummary(summary: string): string {
  let s = summary.split(' · ')[0];
  s = s.split(/[;,]/)[0];
  s = s
    // arguments and quoted values: Echo("hello"), room="lobby", user={…}
    .replace(/\([^)]*\)?/g, ' ')
    .replace(/\S+=\S*/g, ' ')
    .replace(/"[^"]*"?/g, ' ')
    // ids and counts: #4a62e87e, #3, a[2], (+2 more), 12 B
    .replace(/#\S*/g, ' ')
    .replace(/\[\d+\]/g, '')
    .replace(/\b\d+(\.\d+)?\s*(B|kB|MB|ms|s)?\b/g, ' ')
    .replace(/[{}…]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[:\s]+$/, '');
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

export interface TypeStat {
  type: string;
  sentFrames: number;
  sentBytes: number;
  receivedFrames: number;
  receivedBytes: number;
}

/** Frames and bytes per message type, each direction, over `frames` (a socket's, or all). */
export function typeStats(frames: Iterable<Frame>, socket: (key: string) => Socket | undefined): TypeStat[] {
  const by = new Map<string, TypeStat>();
  for (const f of frames) {
    const type = messageType(f, socket(f.socketKey));
    if (type === undefined) continue;
    let s = by.get(type);
    if (!s) by.set(type, (s = { type, sentFrames: 0, sentBytes: 0, receivedFrames: 0, receivedBytes: 0 }));
    const size = f.payload!.size;
    if (f.direction === 'sent') {
      s.sentFrames++;
      s.sentBytes += size;
    } else {
      s.receivedFrames++;
      s.receivedBytes += size;
    }
  }
  return [...by.values()];
}

/** How the filter writes a type: `type:chat`, `type:"chat message"`. */
export function typeTerm(type: string): string {
  return /^[^\s"]+$/.test(type) ? `type:${type}` : `type:"${type.replace(/"/g, '')}"`;
}
