/**
 * The panel's log: every socket, document and row (frame or lifecycle event) the page reported, built from protocol
 * messages. It is deterministic and browser-free (unit-tested as is), but not pure: every function here changes the
 * log it is given in place, because copying a 100,000-row array for every batch is exactly what makes other
 * inspectors freeze on busy sockets. What changed is counted in `revisions`, which is how a view knows to redraw.
 */
import { decodeEvents, eventRuns, type CaptureEvent, type DocContext, type HandlerRun, type PageToPanel, type Payload } from '../../src/shared/protocol';
import { socketKey, type Doc, type Frame, type Socket } from './model';
import { decodeNewFrame, detectByHandshake, undecided, type DecoderRun } from './decoding';
import { createRowStore, type RowStore } from './rows';
import type { ImportedMessage, ImportedSocket } from '../lib/har';
import { isRecord } from '../lib/isRecord';

/** rows kept before the oldest are trimmed, until the user picks another limit */
export const DEFAULT_MAX_FRAMES = 200_000;
/** the smallest limit the log accepts: trimming a tenth at a time must still leave a useful log */
const MIN_MAX_FRAMES = 1000;
/** a row's preview is one line of the table: longer text is only ever seen in the detail */
const ROW_PREVIEW_CHARS = 300;
const BUFFERED_SERIES_MAX = 600;
const RATE_WINDOW_MS = 1000;

/**
 * Change counters, one per part of the log a view shows. A part's counter moves whenever anything in it may have
 * changed (erring on the side of moving), so a view that shows only other parts can skip redrawing.
 */
export interface LogRevisions {
  /** rows added, trimmed or removed, or changed in place (a verdict, a fetched payload, a decoder's reading) */
  rows: number;
  /** sockets added or removed, or their state, counters, samples or decoder changed */
  sockets: number;
  /** documents added, gone or renamed */
  docs: number;
  /** the rows waiting in a page-side queue */
  queued: number;
}

export interface Log {
  docs: Map<string, Doc>;
  sockets: Map<string, Socket>;
  /** sockets in order of creation */
  socketOrder: string[];
  /** the rows, oldest first: handles onto `rows`' columns (see rows.ts) */
  frames: Frame[];
  rows: RowStore;
  /** id of frames[0]; grows as old frames are trimmed (the row store's) */
  readonly base: number;
  /** the id the next row gets: base + the rows held */
  readonly nextId: number;
  maxFrames: number;
  /** frames trimmed by the panel's own limit */
  trimmed: number;
  /** events lost before they reached the panel (page ring overflow), all documents */
  droppedInPage: number;
  /** documents seen, to number navigations */
  docCount: number;
  /** rows waiting in a page-side queue (held, delayed, or behind one), by docId#seq, until their verdict */
  queued: Map<string, Frame>;
  /** each socket's protocol decoder, by socket key */
  decoding: Map<string, DecoderRun>;
  revisions: LogRevisions;
}

export function createLog(maxFrames = DEFAULT_MAX_FRAMES): Log {
  const rows = createRowStore(previewOf);
  return {
    docs: new Map(),
    sockets: new Map(),
    socketOrder: [],
    frames: [],
    rows,
    get base() {
      return rows.base;
    },
    get nextId() {
      return rows.base + rows.length;
    },
    maxFrames,
    trimmed: 0,
    droppedInPage: 0,
    docCount: 0,
    queued: new Map(),
    decoding: new Map(),
    revisions: { rows: 0, sockets: 0, docs: 0, queued: 0 },
  };
}

/** A row by its id: ids are contiguous from `base`, so this is an index, not a search. */
export function rowById(s: Log, rowId: number): Frame | undefined {
  return s.frames[rowId - s.base];
}

/** Up to one line of text, for the table and the filter. */
export function previewOf(p: Payload): string {
  if (p.type === 'text') {
    const head = p.data.length > ROW_PREVIEW_CHARS ? p.data.slice(0, ROW_PREVIEW_CHARS) : p.data;
    return head.replace(/[\r\n\t]+/g, ' ');
  }
  if (p.truncated && !p.data) return `Blob, ${p.size} bytes`;
  return `${p.type === 'blob' ? 'Blob' : 'Binary'}, ${p.size} bytes`;
}

function ensureDoc(s: Log, docId: string, frameId: number, url = '', context: DocContext = 'document'): Doc {
  let d = s.docs.get(docId);
  if (!d) {
    d = { docId, frameId, url, dropped: 0, lastSeq: -1, gone: false, index: s.docCount++, context };
    s.docs.set(docId, d);
    s.revisions.docs++;
  } else if (url && url !== d.url) {
    d.url = url;
    s.revisions.docs++;
  }
  return d;
}

function newSocket(s: Log, docId: string, frameId: number, e: CaptureEvent, context: DocContext): Socket {
  const key = socketKey(docId, e.sid);
  const sock: Socket = {
    key,
    docId,
    frameId,
    sid: e.sid,
    url: e.kind === 'created' ? e.url : '(created before capture)',
    kind: e.kind === 'created' && e.socketKind === 'stream' ? 'stream' : 'websocket',
    context,
    protocols: e.kind === 'created' ? e.protocols : [],
    protocol: '',
    extensions: '',
    state: 'connecting',
    createdAt: e.time,
    errored: false,
    stack: e.kind === 'created' ? e.stack : '',
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    bufferedAmount: 0,
    buffered: [],
    recentIn: [],
    recentHandler: [],
    threw: 0,
    recentOut: [],
    decoder: undecided(),
  };
  s.sockets.set(key, sock);
  s.socketOrder.push(key);
  return sock;
}

function pushSample(sock: Socket, time: number, amount: number, send: boolean): void {
  sock.bufferedAmount = amount;
  sock.buffered.push(send ? { time, amount, send } : { time, amount });
  if (sock.buffered.length > BUFFERED_SERIES_MAX) sock.buffered.splice(0, sock.buffered.length - BUFFERED_SERIES_MAX);
}

/** A received frame's handler runs, as the page measured them (handler-probes.ts); malformed runs are dropped. */
function setHandlers(sock: Socket, frame: Frame, runs: unknown[], total: unknown): void {
  const kept = runs.filter(isHandlerRun);
  const ms = typeof total === 'number' && Number.isFinite(total) && total >= 0 ? total : kept.reduce((n, r) => n + (r.ms ?? 0), 0);
  const threw = kept.some((r) => r.threw !== undefined);
  // a flood of frames to the same listeners: one string per listener name, not one per frame
  for (const r of kept) r.name = interned(r.name);
  const simple = kept.length === 1 && !threw && !kept[0].stopped;
  frame.handler = simple ? kept[0].name : undefined;
  frame.handlerMs = ms;
  // the rare fields go onto the row's handle only when set: added to every timed row, even as undefined, they
  // cost a property array per row (about 20 bytes in a heap snapshot of 100,000 frames, before rows.ts)
  if (!simple || frame.handlers !== undefined) frame.handlers = simple ? undefined : kept.length ? kept : NO_RUNS;
  if (threw || frame.threw !== undefined) frame.threw = threw || undefined;
  if (threw) sock.threw++;
  sock.recentHandler.push({ time: frame.time, ms });
  trimWindow(sock.recentHandler, frame.time, (x) => x.time);
}

/** The page's listeners that ran for a frame, in order; undefined when it was not timed. */
export function runsOf(f: Frame): HandlerRun[] | undefined {
  if (f.handlers) return f.handlers;
  return f.handler !== undefined ? [{ name: f.handler, ms: f.handlerMs }] : undefined;
}

const NO_RUNS: HandlerRun[] = [];
const names = new Map<string, string>();
function interned(name: string): string {
  const known = names.get(name);
  if (known !== undefined) return known;
  // a page that makes a new function per listener (names from their source) cannot grow this without bound
  if (names.size > 10_000) names.clear();
  names.set(name, name);
  return name;
}

function isHandlerRun(r: unknown): r is HandlerRun {
  if (!isRecord(r) || typeof r.name !== 'string') return false;
  if (r.ms !== undefined && (typeof r.ms !== 'number' || !Number.isFinite(r.ms))) return false;
  return r.threw === undefined || (isRecord(r.threw) && typeof r.threw.message === 'string');
}

/** handler ms per second over the last second before `now` */
export function handlerRate(samples: { time: number; ms: number }[], now: number): number {
  let ms = 0;
  for (let i = samples.length - 1; i >= 0 && now - samples[i].time <= RATE_WINDOW_MS; i--) ms += samples[i].ms;
  return ms;
}

/** The row of a document's event `seq`, among the latest rows (a `handled` event follows its frame closely). */
const HANDLED_LOOKBACK_ROWS = 20_000;
function findRecentRow(s: Log, docId: string, seq: number): Frame | undefined {
  const frames = s.frames;
  for (let i = frames.length - 1, n = 0; i >= 0 && n < HANDLED_LOOKBACK_ROWS; i--, n++) {
    const f = frames[i];
    if (f.docId !== docId) continue;
    if (f.seq === seq) return f;
    if (f.seq < seq) return undefined;
  }
  return undefined;
}

function pushRate(times: number[], time: number): void {
  times.push(time);
  trimWindow(times, time, (t) => t);
}

/** Keep a rate's samples few and the trimming amortised: drop old ones in chunks, once they are out of the window. */
function trimWindow<T>(samples: T[], time: number, timeOf: (x: T) => number): void {
  if (samples.length > 4096 && time - timeOf(samples[2048]) > RATE_WINDOW_MS) samples.splice(0, 2048);
}

/** frames per second over the last second before `now` */
export function rate(times: number[], now: number): number {
  let n = 0;
  for (let i = times.length - 1; i >= 0 && now - times[i] <= RATE_WINDOW_MS; i--) n++;
  return n;
}

/** Drop the oldest frames; amortised by trimming a tenth extra at once so this is rare under a flood. */
function trim(s: Log, atLeast: number): void {
  const n = Math.min(s.frames.length, Math.max(atLeast, Math.floor(s.maxFrames / 10)));
  detachQueued(s, (f) => f.id < s.base + n);
  s.frames.splice(0, n);
  s.rows.trimFront(n);
  s.trimmed += n;
}

/** Rows still waiting for a verdict outlive their place in the columns: they keep their own copy of their fields. */
function detachQueued(s: Log, leaving: (f: Frame) => boolean): void {
  for (const f of s.queued.values()) if (leaving(f)) s.rows.detach(f);
}

/** what every row of one event shares: its socket, document and timing */
type RowBase = Pick<Frame, 'socketKey' | 'docId' | 'frameId' | 'seq' | 'time' | 'mono'>;

/** A lifecycle row (created, open, error, closing, close) or a page-dispatched event's; `rule`: a chaos mark. */
function addEventRow(s: Log, base: RowBase, label: string, preview: string, kind: 'event' | 'page' = 'event', rule?: Frame['rule']): void {
  addRow(s, base, 'event', kind, preview, undefined, label, undefined, undefined, undefined, rule);
}

/**
 * Append a row with the next id: its common fields go into the columns, its rare ones onto its handle. `preview` is
 * an event row's text; a message's is read from its payload (previewOf).
 */
function addRow(
  s: Log,
  base: RowBase,
  direction: Frame['direction'],
  kind: Frame['kind'],
  preview: string,
  payload?: Frame['payload'],
  label?: string,
  origin?: Frame['origin'],
  bufferedAmount?: number,
  discarded?: boolean,
  rule?: Frame['rule'],
  original?: string,
  queued?: boolean,
): Frame {
  const f = s.rows.append({
    socketKey: base.socketKey,
    docId: base.docId,
    frameId: base.frameId,
    seq: base.seq,
    time: base.time,
    mono: base.mono,
    direction,
    kind,
    preview,
    payload: payload && internType(payload),
    bufferedAmount,
  });
  s.frames.push(f);
  if (label !== undefined) f.label = label;
  if (origin !== undefined) f.origin = origin;
  if (discarded !== undefined) f.discarded = discarded;
  if (rule !== undefined) f.rule = rule;
  if (original !== undefined) f.original = original;
  if (queued !== undefined) f.queued = queued;
  if (s.frames.length > s.maxFrames) trim(s, s.frames.length - s.maxFrames);
  return f;
}

/**
 * A payload whose `type` is the panel's constant: the page's words arrive as new strings from each batch's
 * JSON.parse (a copy of the word per row in a heap snapshot).
 */
function internType(p: Payload): Payload {
  const t = p.type;
  (p as { type: Payload['type'] }).type = t === 'text' ? 'text' : t === 'binary' ? 'binary' : t === 'blob' ? 'blob' : t;
  return p;
}

function applyEvent(s: Log, doc: Doc, e: CaptureEvent): void {
  const key = socketKey(doc.docId, e.sid);
  const sock = s.sockets.get(key) ?? newSocket(s, doc.docId, doc.frameId, e, doc.context);
  const base: RowBase = { socketKey: key, docId: doc.docId, frameId: doc.frameId, seq: e.seq, time: e.time, mono: e.mono };
  switch (e.kind) {
    case 'created':
      if (e.rule) sock.chaos = e.rule;
      addEventRow(s, base, 'created', `new ${sock.kind === 'stream' ? 'WebSocketStream' : 'WebSocket'}(${e.url})`, 'event', e.rule);
      detectByHandshake(s, sock);
      return;
    case 'open':
      sock.state = 'open';
      sock.openedAt = e.time;
      sock.protocol = e.protocol;
      sock.extensions = e.extensions;
      addEventRow(s, base, 'open', `open${e.protocol ? `, protocol ${e.protocol}` : ''}${e.extensions ? `, ${e.extensions}` : ''}`);
      detectByHandshake(s, sock);
      return;
    case 'message': {
      const sent = e.direction === 'sent';
      if (e.origin === 'page' || e.discarded) {
        // the page's own dispatchEvent, or a send() on a closing or closed socket: shown, marked, never counted or
        // decoded as the socket's traffic (the socket carried neither)
        const kind = e.origin === 'page' ? 'page' : e.payload.type === 'text' ? 'text' : 'binary';
        addRow(s, base, e.direction, kind, '', e.payload, undefined, e.origin, undefined, e.discarded);
        return;
      }
      if (sent) {
        sock.framesOut++;
        sock.bytesOut += e.payload.size;
        pushRate(sock.recentOut, e.time);
        if (e.bufferedAmount !== undefined) pushSample(sock, e.time, e.bufferedAmount, true);
      } else {
        sock.framesIn++;
        sock.bytesIn += e.payload.size;
        pushRate(sock.recentIn, e.time);
      }
      const kind = e.origin === 'injected' ? 'injected' : e.payload.type === 'text' ? 'text' : 'binary';
      const frame = addRow(s, base, e.direction, kind, '', e.payload, undefined, e.origin, e.bufferedAmount, undefined, e.rule, e.original, e.queued);
      if (sent && typeof e.stack === 'string' && e.stack) frame.stack = e.stack;
      const runs = sent ? undefined : eventRuns(e);
      if (runs) setHandlers(sock, frame, runs, e.handlerMs);
      if (e.queued) {
        s.queued.set(`${doc.docId}#${e.seq}`, frame);
        s.revisions.queued++;
      }
      decodeNewFrame(s, sock, frame);
      return;
    }
    case 'verdict': {
      const key = `${doc.docId}#${e.ref}`;
      const frame = s.queued.get(key);
      if (!frame) return;
      s.queued.delete(key);
      s.revisions.queued++;
      frame.queued = false;
      frame.outcome = e.outcome;
      frame.waited = e.waited;
      if (e.payload) frame.edited = e.payload;
      return;
    }
    case 'handled': {
      // runs that came after their frame had left the page (a held frame given back, a flood's early batch)
      const frame = s.queued.get(`${doc.docId}#${e.ref}`) ?? findRecentRow(s, doc.docId, e.ref);
      const runs = eventRuns(e);
      if (!frame || !runs) return;
      setHandlers(sock, frame, runs, e.handlerMs);
      s.revisions.rows++;
      return;
    }
    case 'buffered':
      pushSample(sock, e.time, e.amount, false);
      return;
    case 'dispatched':
      addEventRow(
        s,
        base,
        'dispatched',
        `${e.type}${e.code !== undefined ? ` ${e.code}` : ''}${e.reason ? ` "${e.reason}"` : ''} dispatched by the page (not from the socket)`,
        'page',
      );
      return;
    case 'error':
      sock.errored = true;
      addEventRow(s, base, 'error', 'error', 'event', e.rule);
      return;
    case 'state':
      if (e.state === 'closing' && sock.state !== 'closed') sock.state = 'closing';
      addEventRow(s, base, e.state, e.state);
      return;
    case 'close':
      sock.state = 'closed';
      sock.closedAt = e.time;
      sock.code = e.code;
      sock.reason = e.reason;
      sock.wasClean = e.wasClean;
      if (e.rule && !sock.chaos) sock.chaos = e.rule;
      addEventRow(
        s,
        base,
        'close',
        `close ${e.code}${e.reason ? ` "${e.reason}"` : ''}${e.wasClean ? '' : ' (not clean)'}${e.rule && sock.openedAt !== undefined ? ` (the real socket closed by WS Lens${e.wire !== undefined ? ` with ${e.wire}` : ', no code'})` : ''}`,
        'event',
        e.rule,
      );
      return;
  }
}

/**
 * Apply one message from a frame of the inspected tab. Returns what the caller should do next, e.g. subscribe
 * to a document that just said hello.
 */
export function applyPageMessage(
  s: Log,
  frameId: number,
  msg: PageToPanel,
  events: CaptureEvent[] = msg.type === 'events' ? decodeEvents(msg) : [],
): { subscribe?: { docId: string; since: number } } {
  if (msg.type === 'hello') {
    const known = s.docs.has(msg.doc.docId);
    const doc = ensureDoc(s, msg.doc.docId, frameId, msg.doc.url, msg.doc.context);
    if (doc.gone) s.revisions.docs++;
    doc.gone = false;
    return { subscribe: { docId: doc.docId, since: known ? doc.lastSeq : -1 } };
  }
  if (msg.type !== 'events') return {};
  const doc = ensureDoc(s, msg.docId, frameId);
  if (msg.dropped > 0) {
    doc.dropped += msg.dropped;
    s.droppedInPage += msg.dropped;
  }
  let applied = false;
  for (const e of events) {
    // a replay after a reconnect may overlap what we have: seq makes it idempotent
    if (e.seq <= doc.lastSeq) continue;
    doc.lastSeq = e.seq;
    applyEvent(s, doc, e);
    applied = true;
  }
  if (applied) rowsAndSocketsChanged(s);
  return {};
}

/**
 * Apply a batch while capture is paused: lifecycle events (open, close, error) still apply so the socket list stays
 * true; messages are not recorded, but count as seen, so resuming does not replay them. Returns how many were skipped.
 */
export function applyWhilePaused(s: Log, frameId: number, msg: Extract<PageToPanel, { type: 'events' }>, events: CaptureEvent[]): number {
  const known = s.docs.get(msg.docId);
  const fresh = events.filter((e) => !known || e.seq > known.lastSeq);
  const lifecycle = fresh.filter((e) => e.kind !== 'message' && e.kind !== 'buffered');
  applyPageMessage(s, frameId, msg, lifecycle);
  const doc = s.docs.get(msg.docId);
  if (doc && fresh.length) doc.lastSeq = Math.max(doc.lastSeq, fresh[fresh.length - 1].seq);
  return fresh.length - lifecycle.length;
}

/** Any applied event may add a row and touch its socket; counting both is cheaper than telling which. */
function rowsAndSocketsChanged(s: Log): void {
  s.revisions.rows++;
  s.revisions.sockets++;
}

type EventTiming = { seq: number; sid: number; mono: number; time: number };
/** a capture event before it has a place in time */
type Untimed<T = CaptureEvent> = T extends unknown ? Omit<T, keyof EventTiming> : never;
type ImportedRow = { time: number; event: Untimed; message?: ImportedMessage };

/** A socket's lifecycle row from a file as the event the hook would have sent. */
function lifecycleEvent(x: ImportedSocket, label: string, name: string): Untimed {
  switch (label) {
    case 'created':
      return { kind: 'created', url: x.url, protocols: x.protocols, stack: x.stack || `(imported from ${name})` };
    case 'open':
      return { kind: 'open', protocol: x.protocol, extensions: x.extensions };
    case 'closing':
      return { kind: 'state', state: 'closing' };
    case 'close':
      return { kind: 'close', ...(x.closed ?? { code: 1005, reason: '', wasClean: true }) };
    default:
      return { kind: 'error' };
  }
}

/** A file's socket as rows in its own order: WS Lens files list their lifecycle rows; Chrome's are rebuilt. */
function importedRows(x: ImportedSocket, name: string): ImportedRow[] {
  const lifecycle = x.events ?? [
    { time: x.startedAt, label: 'created', preview: '', after: 0 },
    ...(x.openedAt !== undefined ? [{ time: x.openedAt, label: 'open', preview: '', after: 0 }] : []),
    ...(x.closed ? [{ time: x.closedAt ?? x.messages.at(-1)?.time ?? x.startedAt, label: 'close', preview: '', after: x.messages.length }] : []),
  ];
  const rows: ImportedRow[] = [];
  let k = 0;
  for (let m = 0; m <= x.messages.length; m++) {
    while (k < lifecycle.length && lifecycle[k].after <= m) rows.push({ time: lifecycle[k].time, event: lifecycleEvent(x, lifecycle[k++].label, name) });
    const msg = x.messages[m];
    if (msg)
      rows.push({
        time: msg.time,
        message: msg,
        event: { kind: 'message' as const, direction: msg.direction, payload: msg.payload, origin: msg.origin, rule: msg.rule, original: msg.original, bufferedAmount: msg.bufferedAmount },
      });
  }
  return rows;
}

/**
 * Load sockets from a file (a HAR) as a read-only document of their own, through the same path as captured events,
 * so counters, previews and decoders treat them alike. Sockets are interleaved by time; each keeps its own order.
 * Returns the new document's id.
 */
export function importLog(s: Log, name: string, sockets: ImportedSocket[]): string {
  const docId = `import:${s.docCount}:${name}`;
  const doc = ensureDoc(s, docId, -1, name);
  doc.gone = true;
  doc.imported = name;
  const t0 = Math.min(...sockets.map((x) => x.startedAt));
  const perSocket = sockets.map((x) => importedRows(x, name));
  const next = perSocket.map(() => 0);
  for (let seq = 0; ; seq++) {
    // the socket whose next row is earliest
    let pick = -1;
    for (let i = 0; i < perSocket.length; i++)
      if (next[i] < perSocket[i].length && (pick < 0 || perSocket[i][next[i]].time < perSocket[pick][next[pick]].time)) pick = i;
    if (pick < 0) break;
    const row = perSocket[pick][next[pick]++];
    const e = { ...row.event, seq, sid: pick + 1, time: row.time, mono: row.time - t0 } as CaptureEvent;
    applyEvent(s, doc, e);
    doc.lastSeq = seq;
    const m = row.message;
    if (m && (m.outcome || m.edited)) {
      const f = s.frames[s.frames.length - 1];
      f.outcome = m.outcome;
      f.waited = m.waited;
      f.edited = m.edited;
    }
  }
  rowsAndSocketsChanged(s);
  return docId;
}

/** Frames a rule holds for a decision, oldest first. */
export function heldFrames(s: Log): Frame[] {
  const out: Frame[] = [];
  for (const f of s.queued.values()) if (f.rule?.action === 'pause' && !s.docs.get(f.docId)?.gone) out.push(f);
  return out;
}

export function markDocGone(s: Log, docId: string): void {
  const d = s.docs.get(docId);
  if (!d) return;
  d.gone = true;
  // the page released what it held when it went (pagehide); it can no longer tell us, so stop waiting
  for (const [key, f] of s.queued) if (f.docId === docId) s.queued.delete(key);
  s.revisions.docs++;
  s.revisions.queued++;
}

/** A row's whole payload, fetched from the page, in place of its preview. */
export function replacePayload(s: Log, row: Frame, payload: Payload): void {
  row.payload = payload;
  s.revisions.rows++;
}

/** Rows of a socket changed their reading (a new "decode as"): the socket and its rows redraw. */
export function decodingChanged(s: Log): void {
  rowsAndSocketsChanged(s);
}

function forgetSocket(s: Log, key: string): void {
  s.sockets.delete(key);
  s.decoding.delete(key);
}

/** Clear the rows; live sockets stay in the list, with their counters, so they remain selectable. */
export function clearLog(s: Log): void {
  detachQueued(s, () => true);
  s.frames = [];
  s.rows.reset(s.nextId);
  s.trimmed = 0;
  s.droppedInPage = 0;
  for (const d of s.docs.values()) d.dropped = 0;
  // closed sockets and sockets of gone documents go; live ones stay selectable
  for (const [key, sock] of s.sockets) {
    const doc = s.docs.get(sock.docId);
    if (sock.state === 'closed' || doc?.gone) forgetSocket(s, key);
  }
  s.socketOrder = s.socketOrder.filter((k) => s.sockets.has(k));
  rowsAndSocketsChanged(s);
  s.revisions.docs++;
}

/** A new top-level document without "preserve log": forget everything from the old ones. */
export function dropOtherDocs(s: Log, keepDocIds: Set<string>): void {
  for (const [key, sock] of s.sockets) if (!keepDocIds.has(sock.docId)) forgetSocket(s, key);
  s.socketOrder = s.socketOrder.filter((k) => s.sockets.has(k));
  const keep: Frame[] = [];
  const dropped: Frame[] = [];
  for (const f of s.frames) (keepDocIds.has(f.docId) ? keep : dropped).push(f);
  // renumber so ids stay contiguous, ending where they did
  s.rows.keepOnly(keep, dropped, s.nextId - keep.length);
  s.frames = keep;
  for (const id of [...s.docs.keys()]) if (!keepDocIds.has(id)) s.docs.delete(id);
  for (const [key, f] of s.queued) if (!keepDocIds.has(f.docId)) s.queued.delete(key);
  rowsAndSocketsChanged(s);
  s.revisions.docs++;
  s.revisions.queued++;
}

export function setMaxFrames(s: Log, max: number): void {
  s.maxFrames = Math.max(MIN_MAX_FRAMES, Math.floor(max));
  if (s.frames.length > s.maxFrames) trim(s, s.frames.length - s.maxFrames);
  s.revisions.rows++;
}
