/**
 * HAR 1.2 export and import of WebSocket logs. Pure and browser-free. (JSON Lines: jsonl.ts; copy as code: snippet.ts.)
 *
 * The HAR dialect is Chrome DevTools' own (read from its models/har Log.js and Importer.js, and checked against the
 * real DevTools in the e2e suite): one entry per socket with `_resourceType: 'websocket'` and
 *   _webSocketMessages: [{ type: 'send' | 'receive', time: <seconds since the epoch, float>, opcode, data }]
 * where opcode 1 is text (data is the text) and 2 is binary (data is base64: CDP's payloadData for non-text frames).
 * Chrome also writes { type: 'error', opcode: -1, data: <message> } for a frame error; it never writes close, ping
 * or pong frames, nor how a socket closed. Chrome's importer ignores fields it does not know, so WS Lens keeps what
 * Chrome has no place for (close code, lifecycle events, frame origin, rule marks) in `_wsLens` fields.
 */
import type { Entry, Har, Log, Page, QueryString } from 'har-format';
import type { Payload, SocketCloseEvent } from '../../src/shared/protocol';
import type { Frame, Socket } from '../store/model';
import { base64ByteLength, isBase64 } from './base64';
import { formatBytes, isoTime, plural } from './format';
import { isRecord } from './isRecord';

// ------------------------------------------------------------------------------------------------- HAR types
// HAR 1.2 itself is @types/har-format's; below are only Chrome's WebSocket fields and WS Lens's own, as extensions.

/** One WebSocket message as Chrome writes it: har-format's `_webSocketMessages` item. */
type ChromeWebSocketMessage = NonNullable<Entry['_webSocketMessages']>[number];

/** One WebSocket message as WS Lens writes it: Chrome's, with WS Lens extras Chrome ignores. */
export interface HarWebSocketMessage extends ChromeWebSocketMessage {
  /** 1 text, 2 binary: WS Lens writes data frames only */
  opcode: 1 | 2;
  _wsLens?: HarMessageExtra;
}

/** What the log knows of a frame beyond its payload: how it came about and what a traffic rule did to it. */
export type FrameExtras = Pick<Frame, 'origin' | 'rule' | 'original' | 'outcome' | 'waited' | 'edited' | 'bufferedAmount'>;

export interface HarMessageExtra extends FrameExtras {
  /** the page sent or received a Blob (opcode 2 alone cannot say) */
  blob?: true;
  /** only a preview was exported: `data` is cut, this is the full size (UTF-16 units for text, bytes for binary) */
  cut?: { size: number };
}

/** A lifecycle row of the log (created, open, closing, close, error). */
export interface HarLensEvent {
  /** ms since the epoch */
  time: number;
  label: string;
  preview: string;
  /** how many of the entry's messages came before it: keeps the log's order exact where times tie */
  after: number;
}

/** How a socket closed, as its close event said. */
type SocketClose = Pick<SocketCloseEvent, 'code' | 'reason' | 'wasClean'>;

/**
 * What WS Lens knows about a socket beyond the HAR fields: the Socket's own fields, times in ms since the epoch and
 * exact (startedDateTime has whole milliseconds only).
 */
export interface HarSocketExtra
  extends Pick<Socket, 'protocols' | 'protocol' | 'extensions' | 'state' | 'createdAt' | 'openedAt' | 'closedAt' | 'errored' | 'stack'> {
  v: 1;
  close?: SocketClose;
  events: HarLensEvent[];
  /** messages exported as a preview only */
  cut: number;
}

/** A socket's entry: a HAR 1.2 entry with Chrome's WebSocket fields and WS Lens's own. */
export interface HarEntry extends Entry {
  _resourceType: 'websocket';
  _webSocketMessages: HarWebSocketMessage[];
  _wsLens: HarSocketExtra;
}

/** A whole HAR document as WS Lens writes it: `{ log: {...} }`, with a pages list (empty without a page URL). */
export interface HarLog extends Har {
  log: Log & { pages: Page[]; entries: HarEntry[] };
}

// ------------------------------------------------------------------------------------------------- export

export interface ExportInput {
  sockets: Socket[];
  frames: Frame[];
  /** the inspected page: becomes the HAR's one page */
  pageUrl?: string;
  /** WS Lens's version, for log.creator */
  version: string;
}

const PAGE_ID = 'page_1';

export function exportHar(input: ExportInput): HarLog {
  const framesBySocket = new Map<string, Frame[]>();
  for (const f of input.frames) {
    let list = framesBySocket.get(f.socketKey);
    if (!list) framesBySocket.set(f.socketKey, (list = []));
    list.push(f);
  }
  const pageref = input.pageUrl !== undefined ? PAGE_ID : undefined;
  const entries = input.sockets.map((s) => socketEntry(s, framesBySocket.get(s.key) ?? [], pageref));
  const pages: Page[] =
    input.pageUrl === undefined
      ? []
      : [
          {
            startedDateTime: isoTime(input.sockets.length ? Math.min(...input.sockets.map((s) => s.createdAt)) : Date.now()),
            id: PAGE_ID,
            title: input.pageUrl,
            // HAR: -1 when the timing does not apply or is unknown
            pageTimings: { onContentLoad: -1, onLoad: -1 },
          },
        ];
  return { log: { version: '1.2', creator: { name: 'WS Lens', version: input.version }, pages, entries } };
}

function socketEntry(s: Socket, frames: Frame[], pageref: string | undefined): HarEntry {
  const opened = s.openedAt !== undefined;
  const handshake = opened ? Math.max(0, s.openedAt! - s.createdAt) : 0;
  const messages: HarWebSocketMessage[] = [];
  const events: HarLensEvent[] = [];
  let cut = 0;
  for (const f of frames) {
    if (f.direction === 'event' || f.origin === 'page' || f.discarded) {
      // what the page dispatched on its socket itself, or sent on a closed one, is no message of the socket's
      events.push({ time: f.time, label: f.label ?? (f.discarded ? 'not sent' : 'dispatched'), preview: f.preview, after: messages.length });
      continue;
    }
    if (!f.payload) continue;
    const m = harMessage(f);
    if (m._wsLens?.cut) cut++;
    messages.push(m);
  }
  return {
    ...(pageref ? { pageref } : {}),
    startedDateTime: isoTime(s.createdAt),
    // HAR: time is the sum of the non -1 timings; a socket's only timed phase is its handshake
    time: handshake,
    request: {
      method: 'GET',
      url: s.url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: s.protocols.length ? [{ name: 'Sec-WebSocket-Protocol', value: s.protocols.join(', ') }] : [],
      queryString: queryStringOf(s.url),
      // the page hook never sees the handshake's bytes: -1 is HAR's "unknown"
      headersSize: -1,
      bodySize: 0,
    },
    response: {
      status: opened ? 101 : 0,
      statusText: opened ? 'Switching Protocols' : '',
      httpVersion: opened ? 'HTTP/1.1' : '',
      cookies: [],
      headers: [
        ...(s.protocol ? [{ name: 'Sec-WebSocket-Protocol', value: s.protocol }] : []),
        ...(s.extensions ? [{ name: 'Sec-WebSocket-Extensions', value: s.extensions }] : []),
      ],
      // a 101 has no body; 'x-unknown' is what Chrome writes for it and skips on import
      content: { size: 0, mimeType: 'x-unknown' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: handshake, receive: 0 },
    _resourceType: 'websocket',
    _webSocketMessages: messages,
    _wsLens: socketExtra(s, events, cut),
  };
}

function socketExtra(s: Socket, events: HarLensEvent[], cut: number): HarSocketExtra {
  return {
    v: 1,
    protocols: s.protocols,
    protocol: s.protocol,
    extensions: s.extensions,
    state: s.state,
    createdAt: s.createdAt,
    openedAt: s.openedAt,
    closedAt: s.closedAt,
    close: s.code !== undefined ? { code: s.code, reason: s.reason ?? '', wasClean: s.wasClean ?? false } : undefined,
    errored: s.errored,
    stack: s.stack,
    events,
    cut,
  };
}

function harMessage(f: Frame): HarWebSocketMessage {
  const p = f.payload!;
  const extra: HarMessageExtra = {};
  if (p.type === 'blob') extra.blob = true;
  if (p.truncated) extra.cut = { size: p.size };
  if (f.origin) extra.origin = f.origin;
  if (f.rule) extra.rule = f.rule;
  if (f.original !== undefined) extra.original = f.original;
  if (f.outcome) extra.outcome = f.outcome;
  if (f.waited !== undefined) extra.waited = f.waited;
  if (f.edited) extra.edited = f.edited;
  if (f.bufferedAmount !== undefined) extra.bufferedAmount = f.bufferedAmount;
  return {
    type: f.direction === 'sent' ? 'send' : 'receive',
    time: f.time / 1000,
    opcode: p.type === 'text' ? 1 : 2,
    data: p.data,
    ...(Object.keys(extra).length ? { _wsLens: extra } : {}),
  };
}

function queryStringOf(url: string): QueryString[] {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return []; // e.g. "(created before capture)"
  }
}

// ------------------------------------------------------------------------------------------------- import

export interface ImportedMessage extends FrameExtras {
  direction: 'sent' | 'received';
  /** ms since the epoch */
  time: number;
  /** `truncated` when the HAR held a preview only (WS Lens exports of frames it could not fetch whole) */
  payload: Payload;
}

/** A lifecycle row: WS Lens's created/open/closing/close/error rows, or a frame error Chrome logged. */
export type ImportedEvent = HarLensEvent;

/**
 * One socket read from a HAR, shaped for the panel: a Socket from the fields here (state 'closed': nothing is live),
 * and Frame rows from `messages` and `events`, merged by `after` (event i goes after `events[i].after` messages).
 * Chrome HARs say nothing of how a socket closed: `closed` is there only when the HAR does (WS Lens HARs).
 */
export interface ImportedSocket {
  url: string;
  /** the negotiated subprotocol ('' when none) */
  protocol: string;
  /** the subprotocols the page offered */
  protocols: string[];
  /** the negotiated extensions ('' when none) */
  extensions: string;
  /** ms since the epoch */
  startedAt: number;
  /** ms since the epoch; absent when the handshake never completed */
  openedAt?: number;
  closed?: SocketClose;
  closedAt?: number;
  errored?: boolean;
  /** where the page created it (WS Lens HARs) */
  stack?: string;
  messages: ImportedMessage[];
  events?: ImportedEvent[];
}

export type ImportResult = { ok: true; sockets: ImportedSocket[]; skipped: number } | { ok: false; error: string };

/** The largest HAR the panel reads: a bigger one would hold several copies of itself in memory while parsing. */
export const HAR_MAX_BYTES = 200 * 1024 * 1024;

export function tooBigMessage(bytes: number, limit = HAR_MAX_BYTES): string {
  return `This file is ${formatBytes(bytes, 'prose')}, more than the ${formatBytes(limit, 'prose')} WS Lens can import.`;
}

/** A message a developer can act on, never an exception: a HAR is untrusted input. */
class HarError extends Error {}

export function importHar(text: string, opts: { maxBytes?: number } = {}): ImportResult {
  const limit = opts.maxBytes ?? HAR_MAX_BYTES;
  const bytes = utf8Bytes(text, limit);
  if (bytes > limit) return { ok: false, error: tooBigMessage(bytes, limit) };
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `This file is not JSON: ${(e as Error).message}.` };
  }
  const log = isRecord(root) && isRecord(root.log) ? root.log : undefined;
  if (!log || !Array.isArray(log.entries)) return { ok: false, error: 'This file is JSON but not a HAR: it has no log.entries list.' };
  try {
    const state = { skipped: 0 };
    const sockets: ImportedSocket[] = [];
    log.entries.forEach((entry: unknown, i: number) => {
      if (isWebSocketEntry(entry)) sockets.push(readSocket(entry, i, state));
    });
    if (!sockets.length) return { ok: false, error: noSocketsMessage(log) };
    return { ok: true, sockets, skipped: state.skipped };
  } catch (e) {
    if (e instanceof HarError) return { ok: false, error: e.message };
    return { ok: false, error: `This HAR could not be read: ${(e as Error).message}.` };
  }
}

/** UTF-8 size of `text`: what the file took on disk. */
function utf8Bytes(text: string, limit: number): number {
  // every UTF-16 unit takes one to three bytes: a short enough text needs no count
  if (text.length * 3 <= limit) return text.length;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4; // a surrogate pair
      i++;
    } else n += 3;
  }
  return n;
}

/** Chrome marks a socket by its resource type and always writes the message list for one (empty or not). */
function isWebSocketEntry(e: unknown): e is Record<string, unknown> {
  return isRecord(e) && (e._resourceType === 'websocket' || Array.isArray(e._webSocketMessages));
}

function noSocketsMessage(log: Record<string, unknown>): string {
  const entries = log.entries as unknown[];
  const creator = isRecord(log.creator) && typeof log.creator.name === 'string' ? log.creator.name : '';
  const handshakes = entries.filter(looksLikeHandshake).length;
  if (/firefox/i.test(creator))
    return `This HAR was written by Firefox, which does not save WebSocket messages in HAR files (it has ${plural(entries.length, 'entry', 'entries')}, none with messages): export the HAR from Chrome DevTools or WS Lens instead.`;
  if (handshakes)
    return `This HAR has ${plural(handshakes, 'WebSocket connection')} but no WebSocket messages: ${creator || 'the tool that wrote it'} does not save them, so export the HAR from Chrome DevTools or WS Lens instead.`;
  if (!entries.length) return 'This HAR has no entries at all, so no WebSocket to import.';
  return `This HAR has no WebSocket connections: its ${plural(entries.length, 'entry is an HTTP request', 'entries are HTTP requests')}.`;
}

/** A WebSocket handshake saved without messages, as other browsers write it. */
function looksLikeHandshake(e: unknown): boolean {
  if (!isRecord(e) || !isRecord(e.request)) return false;
  if (typeof e.request.url === 'string' && /^wss?:/i.test(e.request.url)) return true;
  if (isRecord(e.response) && e.response.status === 101) return true;
  return headerValue(e.request.headers, 'upgrade')?.toLowerCase() === 'websocket';
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (!Array.isArray(headers)) return undefined;
  const h = headers.find((x) => isRecord(x) && typeof x.name === 'string' && x.name.toLowerCase() === name);
  return h && typeof h.value === 'string' ? h.value : undefined;
}

function splitList(v: string | undefined): string[] {
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

function readSocket(e: Record<string, unknown>, i: number, state: { skipped: number }): ImportedSocket {
  const where = `log.entries[${i}]`;
  const request = isRecord(e.request) ? e.request : {};
  const response = isRecord(e.response) ? e.response : {};
  if (typeof request.url !== 'string') throw new HarError(`The WebSocket entry ${where} is malformed: it has no request.url.`);
  const url = request.url;
  const lens = isRecord(e._wsLens) && e._wsLens.v === 1 ? (e._wsLens as Partial<HarSocketExtra>) : undefined;
  const started = Date.parse(String(e.startedDateTime));
  if (Number.isNaN(started) && typeof lens?.createdAt !== 'number')
    throw new HarError(`The WebSocket entry ${where} (${url}) is malformed: its startedDateTime is not a date.`);
  const raw = e._webSocketMessages ?? [];
  if (!Array.isArray(raw)) throw new HarError(`The WebSocket entry ${where} (${url}) is malformed: its _webSocketMessages is not a list.`);

  const sock: ImportedSocket = {
    url,
    protocol: headerValue(response.headers, 'sec-websocket-protocol') ?? '',
    protocols: splitList(headerValue(request.headers, 'sec-websocket-protocol')),
    extensions: headerValue(response.headers, 'sec-websocket-extensions') ?? '',
    startedAt: typeof lens?.createdAt === 'number' ? lens.createdAt : started,
    messages: [],
  };
  // Chrome: a 101 is an opened socket; the handshake ended after the send and wait timings
  if (response.status === 101) sock.openedAt = sock.startedAt + handshakeMs(e.timings);
  const events: ImportedEvent[] = [];
  raw.forEach((m: unknown, j: number) => {
    const read = readMessage(m, `${where}._webSocketMessages[${j}]`, url);
    if (read === 'skip') state.skipped++;
    else if ('label' in read) events.push({ ...read, after: sock.messages.length });
    else sock.messages.push(read);
  });
  if (lens) applyLensExtra(sock, lens, events);
  else if (events.length) sock.events = events;
  return sock;
}

function handshakeMs(timings: unknown): number {
  if (!isRecord(timings)) return 0;
  const part = (k: string) => (typeof timings[k] === 'number' && (timings[k] as number) > 0 ? (timings[k] as number) : 0);
  return part('send') + part('wait');
}

/** WS Lens's own fields win over what the HAR fields could tell: they are exact. */
function applyLensExtra(sock: ImportedSocket, lens: Partial<HarSocketExtra>, chromeEvents: ImportedEvent[]): void {
  if (Array.isArray(lens.protocols)) sock.protocols = lens.protocols.filter((p) => typeof p === 'string');
  if (typeof lens.protocol === 'string') sock.protocol = lens.protocol;
  if (typeof lens.extensions === 'string') sock.extensions = lens.extensions;
  if (typeof lens.openedAt === 'number') sock.openedAt = lens.openedAt;
  else delete sock.openedAt;
  if (typeof lens.closedAt === 'number') sock.closedAt = lens.closedAt;
  const c = lens.close;
  if (isRecord(c) && typeof c.code === 'number') sock.closed = { code: c.code, reason: String(c.reason ?? ''), wasClean: !!c.wasClean };
  if (typeof lens.errored === 'boolean') sock.errored = lens.errored;
  if (typeof lens.stack === 'string') sock.stack = lens.stack;
  const events = Array.isArray(lens.events)
    ? lens.events
        .filter((ev) => isRecord(ev) && typeof ev.time === 'number' && typeof ev.label === 'string')
        .map((ev) => ({ time: ev.time, label: ev.label, preview: String(ev.preview ?? ev.label), after: Math.max(0, Math.min(Number(ev.after) || 0, sock.messages.length)) }))
    : [];
  const all = [...events, ...chromeEvents].sort((a, b) => a.after - b.after);
  if (all.length) sock.events = all;
}

type ReadMessage = ImportedMessage | Omit<ImportedEvent, 'after'> | 'skip';

function readMessage(m: unknown, where: string, url: string): ReadMessage {
  const bad = (what: string) => new HarError(`The WebSocket message ${where} (${url}) is malformed: ${what}.`);
  if (!isRecord(m)) throw bad('it is not an object');
  if (m.type !== 'send' && m.type !== 'receive' && m.type !== 'error') throw bad(`its type is ${JSON.stringify(m.type)}, not "send", "receive" or "error"`);
  if (typeof m.time !== 'number' || !Number.isFinite(m.time)) throw bad('its time is not a number');
  if (typeof m.opcode !== 'number') throw bad('its opcode is not a number');
  if (typeof m.data !== 'string') throw bad('its data is not a string');
  // Chrome's seconds -> ms, to the microsecond Chrome records: seconds * 1000 alone can land a hair off (1.003 s is
  // 1002.9999999999999 ms), enough to turn a 1 ms round trip into "<1 ms"
  const time = Math.round(m.time * 1e6) / 1e3;
  // Chrome's frame errors (opcode -1): a lifecycle row, not a message
  if (m.type === 'error') return { time, label: 'error', preview: m.data };
  // only data frames are messages; a control frame (ping, pong, close), should a writer save one, is skipped
  if (m.opcode !== 1 && m.opcode !== 2) return 'skip';
  const extra = isRecord(m._wsLens) ? (m._wsLens as HarMessageExtra) : {};
  const out: ImportedMessage = { direction: m.type === 'send' ? 'sent' : 'received', time, payload: payloadFrom(m.opcode, m.data, extra, bad) };
  copyMessageExtra(out, extra);
  return out;
}

function payloadFrom(opcode: 1 | 2, data: string, extra: HarMessageExtra, bad: (what: string) => Error): Payload {
  const cutSize = isRecord(extra.cut) && typeof extra.cut.size === 'number' ? extra.cut.size : undefined;
  if (opcode === 1) return { type: 'text', data, size: cutSize ?? data.length, truncated: cutSize !== undefined };
  if (!isBase64(data)) throw bad('its opcode is 2 (binary) but its data is not base64');
  const bytes = base64ByteLength(data);
  return { type: extra.blob ? 'blob' : 'binary', data, size: cutSize ?? bytes, truncated: cutSize !== undefined };
}

function copyMessageExtra(out: ImportedMessage, x: HarMessageExtra): void {
  if (x.origin === 'panel' || x.origin === 'injected' || x.origin === 'replay' || x.origin === 'mock') out.origin = x.origin;
  if (isRecord(x.rule) && typeof x.rule.id === 'string') out.rule = x.rule;
  if (typeof x.original === 'string') out.original = x.original;
  if (typeof x.outcome === 'string') out.outcome = x.outcome;
  if (typeof x.waited === 'number') out.waited = x.waited;
  if (isRecord(x.edited) && typeof x.edited.data === 'string') out.edited = x.edited;
  if (typeof x.bufferedAmount === 'number') out.bufferedAmount = x.bufferedAmount;
}
