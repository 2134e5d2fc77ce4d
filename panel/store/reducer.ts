/**
 * The panel's log: a reducer over protocol messages. It is deterministic and browser-free (unit-tested as is),
 * but it updates its append-only frame storage in place: copying a 100,000-frame array for every batch is
 * exactly what makes other inspectors freeze on busy sockets. Each call bumps `version`, which the view watches.
 */
import { decodeEvents, type CaptureEvent, type PageToPanel, type Payload } from '../../src/shared/protocol';
import { socketKey, type Doc, type Frame, type Socket } from './model';
import { decodeNewFrame, detectByHandshake, undecided, type DecoderRun } from './decoding';
import type { ImportedMessage, ImportedSocket } from '../lib/har';

export const DEFAULT_MAX_FRAMES = 200_000;
const BUFFERED_SERIES_MAX = 600;
const RATE_WINDOW_MS = 1000;

export interface LogState {
  version: number;
  docs: Map<string, Doc>;
  sockets: Map<string, Socket>;
  /** sockets in order of creation */
  socketOrder: string[];
  frames: Frame[];
  /** id of frames[0]; grows as old frames are trimmed */
  base: number;
  nextId: number;
  maxFrames: number;
  /** frames trimmed by the panel's own limit */
  trimmed: number;
  /** events lost before they reached the panel (page ring overflow), all documents */
  droppedInPage: number;
  /** documents seen, to number navigations */
  docCount: number;
  /** frames waiting in a page-side queue, by docId#seq, until their verdict */
  pending: Map<string, Frame>;
  /** each socket's protocol decoder, by socket key */
  decoding: Map<string, DecoderRun>;
}

export function createLog(maxFrames = DEFAULT_MAX_FRAMES): LogState {
  return {
    version: 0,
    docs: new Map(),
    sockets: new Map(),
    socketOrder: [],
    frames: [],
    base: 0,
    nextId: 0,
    maxFrames,
    trimmed: 0,
    droppedInPage: 0,
    docCount: 0,
    pending: new Map(),
    decoding: new Map(),
  };
}

export function frameById(s: LogState, id: number): Frame | undefined {
  return s.frames[id - s.base];
}

/** Up to one line of text, for the table and the filter. */
export function previewOf(p: Payload): string {
  if (p.type === 'text') {
    const head = p.data.length > 300 ? p.data.slice(0, 300) : p.data;
    return head.replace(/[\r\n\t]+/g, ' ');
  }
  if (p.truncated && !p.data) return `Blob, ${p.size} bytes`;
  return `${p.type === 'blob' ? 'Blob' : 'Binary'}, ${p.size} bytes`;
}

function ensureDoc(s: LogState, docId: string, frameId: number, url = ''): Doc {
  let d = s.docs.get(docId);
  if (!d) {
    d = { docId, frameId, url, dropped: 0, lastSeq: -1, gone: false, index: s.docCount++ };
    s.docs.set(docId, d);
  } else if (url) d.url = url;
  return d;
}

function newSocket(s: LogState, docId: string, frameId: number, e: CaptureEvent): Socket {
  const key = socketKey(docId, e.sid);
  const sock: Socket = {
    key,
    docId,
    frameId,
    sid: e.sid,
    url: e.kind === 'created' ? e.url : '(created before capture)',
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

function pushRate(times: number[], time: number): void {
  times.push(time);
  // keep the window small and amortised: trim in chunks
  if (times.length > 4096 && time - times[2048] > RATE_WINDOW_MS) times.splice(0, 2048);
}

/** frames per second over the last second before `now` */
export function rate(times: number[], now: number): number {
  let n = 0;
  for (let i = times.length - 1; i >= 0 && now - times[i] <= RATE_WINDOW_MS; i--) n++;
  return n;
}

function addFrame(s: LogState, f: Omit<Frame, 'id'>): Frame {
  const frame = f as Frame;
  frame.id = s.nextId++;
  s.frames.push(frame);
  if (s.frames.length > s.maxFrames) trim(s, s.frames.length - s.maxFrames);
  return frame;
}

/** Drop the oldest frames; amortised by trimming a tenth extra at once so this is rare under a flood. */
function trim(s: LogState, atLeast: number): void {
  const n = Math.min(s.frames.length, Math.max(atLeast, Math.floor(s.maxFrames / 10)));
  s.frames.splice(0, n);
  s.base += n;
  s.trimmed += n;
}

const EVENT_LABELS: Record<string, string> = { error: 'error', created: 'created', state: 'closing' };

function applyEvent(s: LogState, doc: Doc, e: CaptureEvent): void {
  const key = socketKey(doc.docId, e.sid);
  const sock = s.sockets.get(key) ?? newSocket(s, doc.docId, doc.frameId, e);
  const base = { socketKey: key, docId: doc.docId, frameId: doc.frameId, seq: e.seq, time: e.time, mono: e.mono };
  switch (e.kind) {
    case 'created':
      addFrame(s, { ...base, direction: 'event', kind: 'event', label: 'created', preview: `new WebSocket(${e.url})` });
      detectByHandshake(s, sock);
      return;
    case 'open':
      sock.state = 'open';
      sock.openedAt = e.time;
      sock.protocol = e.protocol;
      sock.extensions = e.extensions;
      addFrame(s, {
        ...base,
        direction: 'event',
        kind: 'event',
        label: 'open',
        preview: `open${e.protocol ? `, protocol ${e.protocol}` : ''}${e.extensions ? `, ${e.extensions}` : ''}`,
      });
      detectByHandshake(s, sock);
      return;
    case 'message': {
      const sent = e.direction === 'sent';
      if (e.origin === 'page' || e.discarded) {
        // the page's own dispatchEvent, or a send() on a closing or closed socket: shown, marked, never counted or
        // decoded as the socket's traffic (the socket carried neither)
        const kind = e.origin === 'page' ? 'page' : e.payload.type === 'text' ? 'text' : 'binary';
        addFrame(s, { ...base, direction: e.direction, kind, preview: previewOf(e.payload), payload: e.payload, origin: e.origin, discarded: e.discarded });
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
      const frame = addFrame(s, {
        ...base,
        direction: e.direction,
        kind: e.origin === 'injected' ? 'injected' : e.payload.type === 'text' ? 'text' : 'binary',
        preview: previewOf(e.payload),
        payload: e.payload,
        origin: e.origin,
        bufferedAmount: e.bufferedAmount,
        rule: e.rule,
        original: e.original,
        queued: e.queued,
      });
      if (e.queued) s.pending.set(`${doc.docId}#${e.seq}`, frame);
      decodeNewFrame(s, sock, frame);
      return;
    }
    case 'verdict': {
      const key = `${doc.docId}#${e.ref}`;
      const frame = s.pending.get(key);
      if (!frame) return;
      s.pending.delete(key);
      frame.queued = false;
      frame.outcome = e.outcome;
      frame.waited = e.waited;
      if (e.payload) frame.edited = e.payload;
      return;
    }
    case 'buffered':
      pushSample(sock, e.time, e.amount, false);
      return;
    case 'dispatched':
      addFrame(s, {
        ...base,
        direction: 'event',
        kind: 'page',
        label: 'dispatched',
        preview: `${e.type}${e.code !== undefined ? ` ${e.code}` : ''}${e.reason ? ` "${e.reason}"` : ''} dispatched by the page (not from the socket)`,
      });
      return;
    case 'error':
      sock.errored = true;
      addFrame(s, { ...base, direction: 'event', kind: 'event', label: EVENT_LABELS.error, preview: 'error' });
      return;
    case 'state':
      if (e.state === 'closing' && sock.state !== 'closed') sock.state = 'closing';
      addFrame(s, { ...base, direction: 'event', kind: 'event', label: e.state, preview: e.state });
      return;
    case 'close':
      sock.state = 'closed';
      sock.closedAt = e.time;
      sock.code = e.code;
      sock.reason = e.reason;
      sock.wasClean = e.wasClean;
      addFrame(s, {
        ...base,
        direction: 'event',
        kind: 'event',
        label: 'close',
        preview: `close ${e.code}${e.reason ? ` "${e.reason}"` : ''}${e.wasClean ? '' : ' (not clean)'}`,
      });
      return;
  }
}

/**
 * Apply one message from a frame of the inspected tab. Returns what the caller should do next, e.g. subscribe
 * to a document that just said hello.
 */
export function applyPageMessage(
  s: LogState,
  frameId: number,
  msg: PageToPanel,
  events: CaptureEvent[] = msg.type === 'events' ? decodeEvents(msg) : [],
): { subscribe?: { docId: string; since: number } } {
  if (msg.type === 'hello') {
    const known = s.docs.has(msg.doc.docId);
    const doc = ensureDoc(s, msg.doc.docId, frameId, msg.doc.url);
    doc.gone = false;
    s.version++;
    return { subscribe: { docId: doc.docId, since: known ? doc.lastSeq : -1 } };
  }
  if (msg.type !== 'events') return {};
  const doc = ensureDoc(s, msg.docId, frameId);
  if (msg.dropped > 0) {
    doc.dropped += msg.dropped;
    s.droppedInPage += msg.dropped;
  }
  for (const e of events) {
    // a replay after a reconnect may overlap what we have: seq makes it idempotent
    if (e.seq <= doc.lastSeq) continue;
    doc.lastSeq = e.seq;
    applyEvent(s, doc, e);
  }
  s.version++;
  return {};
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
export function importLog(s: LogState, name: string, sockets: ImportedSocket[]): string {
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
  s.version++;
  return docId;
}

/** Frames a rule holds for a decision, oldest first. */
export function heldFrames(s: LogState): Frame[] {
  const out: Frame[] = [];
  for (const f of s.pending.values()) if (f.rule?.action === 'pause' && !s.docs.get(f.docId)?.gone) out.push(f);
  return out;
}

export function markDocGone(s: LogState, docId: string): void {
  const d = s.docs.get(docId);
  if (!d) return;
  d.gone = true;
  // the page released what it held when it went (pagehide); it can no longer tell us, so stop waiting
  for (const [key, f] of s.pending) if (f.docId === docId) s.pending.delete(key);
  s.version++;
}

function forgetSocket(s: LogState, key: string): void {
  s.sockets.delete(key);
  s.decoding.delete(key);
}

/** Clear the log; with `keepSockets` the socket list stays (counters reset) so live sockets remain selectable. */
export function clearLog(s: LogState): void {
  s.base = s.nextId;
  s.frames = [];
  s.trimmed = 0;
  s.droppedInPage = 0;
  for (const d of s.docs.values()) d.dropped = 0;
  // closed sockets and sockets of gone documents go; live ones stay selectable
  for (const [key, sock] of s.sockets) {
    const doc = s.docs.get(sock.docId);
    if (sock.state === 'closed' || doc?.gone) forgetSocket(s, key);
  }
  s.socketOrder = s.socketOrder.filter((k) => s.sockets.has(k));
  s.version++;
}

/** A new top-level document without "preserve log": forget everything from the old ones. */
export function dropOtherDocs(s: LogState, keepDocIds: Set<string>): void {
  for (const [key, sock] of s.sockets) if (!keepDocIds.has(sock.docId)) forgetSocket(s, key);
  s.socketOrder = s.socketOrder.filter((k) => s.sockets.has(k));
  const keep = s.frames.filter((f) => keepDocIds.has(f.docId));
  s.base = s.nextId - keep.length;
  // renumber so ids stay contiguous with `base`
  keep.forEach((f, i) => (f.id = s.base + i));
  s.frames = keep;
  for (const id of [...s.docs.keys()]) if (!keepDocIds.has(id)) s.docs.delete(id);
  for (const [key, f] of s.pending) if (!keepDocIds.has(f.docId)) s.pending.delete(key);
  s.version++;
}

export function setMaxFrames(s: LogState, max: number): void {
  s.maxFrames = Math.max(1000, Math.floor(max));
  if (s.frames.length > s.maxFrames) trim(s, s.frames.length - s.maxFrames);
  s.version++;
}
