/**
 * The log's rows, kept in columns. A row was one object of 15 fields, its payload another, and its times boxed
 * numbers: about 180 bytes a small frame in Chromium and 300 in Firefox before its text (panel heap snapshots of
 * 100,000 frames, `npm run bench:heap-panel`; README Performance, "Rows in columns"). Here each field a row always
 * has is a slot of a typed array or of a plain array, and the row the rest of the panel holds is a handle with its
 * id whose fields read those slots; the fields few rows have (event labels, rules, verdicts, stacks, handler runs
 * that threw) stay own properties of the handle, added when set, as before. A handle keeps its identity for as long
 * as its row lives, so the caches keyed by row (decoded JSON, message types) and the rows the log refers to (queued
 * ones) work as they did with objects.
 *
 * The columns come in chunks of CHUNK rows, allocated as rows arrive and dropped whole once trimming has passed
 * them: nothing is copied as the log grows or trims, and at most one chunk is allocated ahead of the rows. The
 * columns few rows fill (decoded, handler runs, bufferedAmount) are allocated per chunk on the first row that sets
 * them, so a flood of plain received frames pays for none of them.
 *
 * A handle whose row was trimmed, cleared or dropped reads as empty (undefined fields) unless it was detached first
 * (`detach`, for the rows the log still refers to).
 */
import type { Decoded } from '../decoders/types';
import type { Payload } from '../../src/shared/protocol';
import type { Frame, FrameDirection, FrameKind } from './model';

/** what a row's socket fields are: one object per socket and document, shared by its rows */
interface Where {
  socketKey: string;
  docId: string;
  frameId: number;
  /**
   * `time - mono` of its first row. The hook stamps `time` as its document's timeOrigin + `mono`, so most rows' time
   * is this plus their mono, exactly, and is not kept; a row whose sum differs (an imported file's) keeps its own.
   */
  clock?: number;
}

// in the order directionIndex and kindIndex number them
const DIRECTIONS: readonly FrameDirection[] = ['sent', 'received', 'event'];
const KINDS: readonly FrameKind[] = ['text', 'binary', 'event', 'injected', 'page'];
const KIND_BITS = 3;
/** an event row: no payload, its text in `data` */
const isEventCode = (code: number) => code >> KIND_BITS === directionIndex('event');

const CHUNK_BITS = 13;
/** rows per chunk: 8,192 rows of columns are about 0.4 MB, small beside the default limit of 200,000 rows */
const CHUNK = 1 << CHUNK_BITS;
const IN_CHUNK = CHUNK - 1;

interface Chunk {
  where: Where[];
  /** the hook's seq counts from 0; a seq that is no int32 moves the chunk's to `seqWide` */
  seq: Int32Array;
  seqWide?: Float64Array;
  /** the times that are not `where.clock + mono` (NaN: that sum) */
  time?: Float64Array;
  mono: Float64Array;
  /** direction and kind, as indexes into DIRECTIONS and KINDS */
  code: Uint8Array;
  /**
   * A message's payload: a whole text payload as its string (its size is its length, and it is not cut), any other
   * as itself; text frames are most of any log, and their payload objects were 28 bytes a row. An event row's text
   * (its preview) is here too: a message's preview is read from its payload (`previewOf`), not kept.
   */
  data: (string | Payload)[];
  /** the columns few rows set, allocated on the first; NaN: none */
  buffered?: Float64Array;
  handlerMs?: Float64Array;
  decoded?: (Decoded | undefined)[];
  handler?: (string | undefined)[];
}

/** the id of a handle whose row was dropped (see keepOnly): below every base, so no row is ever found under it */
export const RETIRED_ID = -1;

/** the columnar fields of a row, which `detach` copies into the handle */
const COLUMN_FIELDS = ['socketKey', 'docId', 'frameId', 'seq', 'time', 'mono', 'direction', 'kind', 'preview', 'payload', 'bufferedAmount', 'decoded', 'handler', 'handlerMs'] as const;

/** a new row's columnar fields; `preview` is read only for an event row (a message's is its payload's) */
export type RowInit = Pick<Frame, 'socketKey' | 'docId' | 'frameId' | 'seq' | 'time' | 'mono' | 'direction' | 'kind' | 'preview' | 'payload' | 'bufferedAmount'>;

export interface RowStore {
  /** id of the first row held */
  readonly base: number;
  readonly length: number;
  /** rows whose time could not be read from their clock and mono, so is kept (see Where.clock) */
  readonly timesKept: number;
  /** a new row with the next id (`base + length`) */
  append(init: RowInit): Frame;
  /** forget the `n` oldest rows */
  trimFront(n: number): void;
  /** forget every row; the next one gets id `base` */
  reset(base: number): void;
  /**
   * Keep only `rows` (handles of this store, oldest first), renumbered from `base`. The handles in `dropped` are
   * retired: their id becomes RETIRED_ID, which names no row, so they read as empty, never as a renumbered row.
   * (They were detached, a copy of every field per handle: on a navigation after a 100,000-frame burst that was
   * one panel task of 1.2 s wall, 0.3 s on its thread's clock, 1.2 million property definitions and their garbage.)
   */
  keepOnly(rows: Frame[], dropped: Frame[], base: number): void;
  /** give a handle its own copy of its fields, so it outlives its row (a row the log still refers to) */
  detach(row: Frame): void;
}

export function createRowStore(preview: (p: Payload) => string): RowStore {
  /** the rows held are ids base … base + length - 1; id `origin` is slot 0 of chunks[0] */
  let base = 0;
  let length = 0;
  let origin = 0;
  let chunks: Chunk[] = [];
  let timesKept = 0;
  const wheres = new Map<string, Where>();

  // a flood is one socket's rows one after another: the last row's Where is the next one's, without a key to build
  let last: Where | undefined;
  function whereOf(socketKey: string, docId: string, frameId: number): Where {
    if (last && last.socketKey === socketKey && last.frameId === frameId && last.docId === docId) return last;
    const key = `${frameId}|${socketKey}`;
    let w = wheres.get(key);
    if (!w || w.docId !== docId) wheres.set(key, (w = { socketKey, docId, frameId }));
    return (last = w);
  }

  /** the chunk of a held row, else undefined; its slot is `(id - origin) & IN_CHUNK` */
  function chunkOf(id: number): Chunk | undefined {
    return id >= base && id < base + length ? chunks[(id - origin) >> CHUNK_BITS] : undefined;
  }

  // one class per store: its accessors reach the columns through the closure, so a handle holds its id only
  class Row {
    id: number;
    constructor(id: number) {
      this.id = id;
    }
    get socketKey(): string {
      return chunkOf(this.id)?.where[(this.id - origin) & IN_CHUNK].socketKey as string;
    }
    get docId(): string {
      return chunkOf(this.id)?.where[(this.id - origin) & IN_CHUNK].docId as string;
    }
    get frameId(): number {
      return chunkOf(this.id)?.where[(this.id - origin) & IN_CHUNK].frameId as number;
    }
    get seq(): number {
      const ch = chunkOf(this.id);
      return (ch && (ch.seqWide ?? ch.seq)[(this.id - origin) & IN_CHUNK]) as number;
    }
    get time(): number {
      const ch = chunkOf(this.id);
      if (!ch) return undefined as unknown as number;
      const i = (this.id - origin) & IN_CHUNK;
      const kept = ch.time?.[i];
      return kept === undefined || Number.isNaN(kept) ? (ch.where[i].clock as number) + ch.mono[i] : kept;
    }
    get mono(): number {
      return chunkOf(this.id)?.mono[(this.id - origin) & IN_CHUNK] as number;
    }
    get direction(): FrameDirection {
      const code = chunkOf(this.id)?.code[(this.id - origin) & IN_CHUNK];
      return (code === undefined ? undefined : DIRECTIONS[code >> KIND_BITS]) as FrameDirection;
    }
    get kind(): FrameKind {
      const code = chunkOf(this.id)?.code[(this.id - origin) & IN_CHUNK];
      return (code === undefined ? undefined : KINDS[code & ((1 << KIND_BITS) - 1)]) as FrameKind;
    }
    get preview(): string {
      const ch = chunkOf(this.id);
      if (!ch) return undefined as unknown as string;
      const i = (this.id - origin) & IN_CHUNK;
      const d = ch.data[i];
      return isEventCode(ch.code[i]) ? (d as string) : preview(unpack(d));
    }
    get payload(): Payload | undefined {
      const ch = chunkOf(this.id);
      if (!ch) return undefined;
      const i = (this.id - origin) & IN_CHUNK;
      return isEventCode(ch.code[i]) ? undefined : unpack(ch.data[i]);
    }
    set payload(p: Payload | undefined) {
      const ch = chunkOf(this.id);
      const i = (this.id - origin) & IN_CHUNK;
      // an event row has none to replace
      if (ch && p && !isEventCode(ch.code[i])) ch.data[i] = pack(p);
    }
    get bufferedAmount(): number | undefined {
      return orUndefined(chunkOf(this.id)?.buffered?.[(this.id - origin) & IN_CHUNK]);
    }
    get decoded(): Decoded | undefined {
      return chunkOf(this.id)?.decoded?.[(this.id - origin) & IN_CHUNK];
    }
    set decoded(d: Decoded | undefined) {
      const ch = chunkOf(this.id);
      if (ch && (d !== undefined || ch.decoded)) (ch.decoded ??= new Array<Decoded | undefined>(CHUNK))[(this.id - origin) & IN_CHUNK] = d;
    }
    get handler(): string | undefined {
      return chunkOf(this.id)?.handler?.[(this.id - origin) & IN_CHUNK];
    }
    set handler(name: string | undefined) {
      const ch = chunkOf(this.id);
      if (ch && (name !== undefined || ch.handler)) (ch.handler ??= new Array<string | undefined>(CHUNK))[(this.id - origin) & IN_CHUNK] = name;
    }
    get handlerMs(): number | undefined {
      return orUndefined(chunkOf(this.id)?.handlerMs?.[(this.id - origin) & IN_CHUNK]);
    }
    set handlerMs(ms: number | undefined) {
      const ch = chunkOf(this.id);
      if (ch && (ms !== undefined || ch.handlerMs)) (ch.handlerMs ??= nanArray())[(this.id - origin) & IN_CHUNK] = ms ?? NaN;
    }
  }

  // JSON (an export, a test reading the log) sees own properties only: a row is written out with all its fields
  Object.defineProperty(Row.prototype, 'toJSON', {
    value(this: Row) {
      const out: Record<string, unknown> = { id: this.id };
      for (const k of COLUMN_FIELDS) if (this[k] !== undefined) out[k] = this[k];
      return Object.assign(out, this);
    },
  });

  function append(r: RowInit): Frame {
    const id = base + length;
    const k = (id - origin) >> CHUNK_BITS;
    const ch = (chunks[k] ??= newChunk());
    const i = (id - origin) & IN_CHUNK;
    const w = (ch.where[i] = whereOf(r.socketKey, r.docId, r.frameId));
    if (ch.seqWide) ch.seqWide[i] = r.seq;
    else if ((r.seq | 0) === r.seq) ch.seq[i] = r.seq;
    else (ch.seqWide = Float64Array.from(ch.seq))[i] = r.seq;
    w.clock ??= r.time - r.mono;
    if (w.clock + r.mono !== r.time) {
      (ch.time ??= nanArray())[i] = r.time;
      timesKept++;
    }
    ch.mono[i] = r.mono;
    const code = (directionIndex(r.direction) << KIND_BITS) | kindIndex(r.kind);
    ch.code[i] = code;
    ch.data[i] = isEventCode(code) || !r.payload ? r.preview : pack(r.payload);
    if (r.bufferedAmount !== undefined) (ch.buffered ??= nanArray())[i] = r.bufferedAmount;
    length++;
    return new Row(id) as unknown as Frame;
  }

  function reset(to: number): void {
    base = origin = to;
    length = 0;
    chunks = [];
    wheres.clear();
    last = undefined;
  }

  return {
    get base() {
      return base;
    },
    get length() {
      return length;
    },
    get timesKept() {
      return timesKept;
    },
    append,
    trimFront(n) {
      n = Math.min(n, length);
      base += n;
      length -= n;
      const gone = (base - origin) >> CHUNK_BITS;
      if (gone > 0) {
        chunks.splice(0, gone);
        origin += gone * CHUNK;
      }
    },
    reset,
    keepOnly(rows, dropped, to) {
      for (const r of dropped) if (r instanceof Row) r.id = RETIRED_ID;
      const kept = rows.map((r) => ({ init: readRow(r), decoded: r.decoded, handler: r.handler, handlerMs: r.handlerMs }));
      reset(to);
      kept.forEach((k, i) => {
        const row = rows[i] as Frame & { id: number };
        append(k.init);
        row.id = to + i;
        if (k.decoded !== undefined) row.decoded = k.decoded;
        if (k.handler !== undefined) row.handler = k.handler;
        if (k.handlerMs !== undefined) row.handlerMs = k.handlerMs;
      });
    },
    detach(row) {
      if (!(row instanceof Row)) return;
      const values = COLUMN_FIELDS.map((k) => row[k]);
      COLUMN_FIELDS.forEach((k, i) => Object.defineProperty(row, k, { value: values[i], writable: true, enumerable: true, configurable: true }));
    },
  };
}

// (indexOf on the two lists, per row, was a measurable part of ingest)
function directionIndex(d: FrameDirection): number {
  return d === 'sent' ? 0 : d === 'received' ? 1 : 2;
}
function kindIndex(k: FrameKind): number {
  return k === 'text' ? 0 : k === 'binary' ? 1 : k === 'event' ? 2 : k === 'injected' ? 3 : 4;
}

function newChunk(): Chunk {
  return {
    where: new Array<Where>(CHUNK),
    seq: new Int32Array(CHUNK),
    mono: new Float64Array(CHUNK),
    code: new Uint8Array(CHUNK),
    data: new Array<string | Payload>(CHUNK),
  };
}

function nanArray(): Float64Array {
  return new Float64Array(CHUNK).fill(NaN);
}

/** a text payload that is whole, as its string; any other as itself */
function pack(p: Payload): string | Payload {
  return p.type === 'text' && p.truncated === false && p.size === p.data.length ? p.data : p;
}

function unpack(d: string | Payload): Payload {
  return typeof d === 'string' ? { type: 'text', data: d, size: d.length, truncated: false } : d;
}

function orUndefined(x: number | undefined): number | undefined {
  return x === undefined || Number.isNaN(x) ? undefined : x;
}

function readRow(r: Frame): RowInit {
  return { socketKey: r.socketKey, docId: r.docId, frameId: r.frameId, seq: r.seq, time: r.time, mono: r.mono, direction: r.direction, kind: r.kind, preview: r.preview, payload: r.payload, bufferedAmount: r.bufferedAmount };
}
