/**
 * Socket.IO: Engine.IO v4 packets over a websocket (one packet per frame; the `\x1e` record separator is for
 * polling only), with Socket.IO v5 packets inside Engine.IO "message" packets. Engine.IO v3 / Socket.IO v4
 * (socket.io 2.x) text packets have the same shape and decode too; v3's binary frames differ: each starts with the
 * Engine.IO packet type (0x04, message) before the data, and a base64 one is `b4…`. The version comes from the
 * url's `EIO=3`, else from the open packet (v3's has no `maxPayload`). In v3 the client pings and the server pongs;
 * in v4 the other way round: either way they are keep-alives.
 *
 * Binary events travel as a text header whose args hold `{_placeholder:true,num:N}` followed by N binary frames
 * in the same direction; acks pair with the event of the same namespace and id sent the other way.
 */
import type { Decoded, DecodeOutput, FrameInput, Handshake, Protocol, Related, SocketDecoder } from './types';
import { base64ToBytes } from '../lib/base64';
import { plural } from '../lib/format';
import { isRecord } from '../lib/isRecord';
import { describeBytes, formatMs, parseJson, parseUrl, remember, TRUNCATED } from './util';

const ENGINE_TYPES = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'];
const PACKET_TYPES = ['CONNECT', 'DISCONNECT', 'EVENT', 'ACK', 'CONNECT_ERROR', 'BINARY_EVENT', 'BINARY_ACK'];
const CONNECT = 0, DISCONNECT = 1, EVENT = 2, ACK = 3, CONNECT_ERROR = 4, BINARY_EVENT = 5, BINARY_ACK = 6;

type Direction = FrameInput['direction'];

/** A Socket.IO packet and the frames around it; mutable, because acks and attachments arrive later. */
interface Packet {
  seq: number;
  direction: Direction;
  mono: number;
  type: number;
  nsp: string;
  id?: number;
  /** binary attachments announced in the header */
  attachments: number;
  data: unknown;
  /** the event's name; for an ack, the name of the event it answers */
  name?: string;
  received: { seq: number; bytes: Uint8Array; truncated: boolean }[];
  related: Related[];
  rtt?: number;
  error?: string;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
// the event name at the start of a payload cut short, so a truncated event still says what it is
const LEADING_NAME = /^\[\s*"((?:[^"\\]|\\.)*)("?)/;

/** Parse `<type>[<attachments>-][<namespace>,][<ackId>][JSON]` from `s` at `i` (after the Engine.IO '4'). */
function parsePacket(s: string, i: number, frame: FrameInput): Packet | string {
  const type = s.charCodeAt(i) - 48;
  if (!(type >= 0 && type <= 6)) return `unknown Socket.IO packet type ${JSON.stringify(s[i] ?? '')}`;
  const p: Packet = {
    seq: frame.seq,
    direction: frame.direction,
    mono: frame.mono,
    type,
    nsp: '/',
    attachments: 0,
    data: undefined,
    received: [],
    related: [],
  };
  i++;
  if (type === BINARY_EVENT || type === BINARY_ACK) {
    const dash = s.indexOf('-', i);
    const n = dash > i ? Number(s.slice(i, dash)) : NaN;
    if (!Number.isInteger(n)) return 'binary packet without an attachment count';
    p.attachments = n;
    i = dash + 1;
  }
  if (s[i] === '/') {
    const comma = s.indexOf(',', i);
    p.nsp = comma < 0 ? s.slice(i) : s.slice(i, comma);
    i = comma < 0 ? s.length : comma + 1;
  }
  const idStart = i;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  if (i > idStart) p.id = Number(s.slice(idStart, i));
  if (i < s.length) {
    const json = s.slice(i);
    p.data = parseJson(json);
    if (p.data === undefined) {
      p.error = frame.truncated ? TRUNCATED : 'malformed JSON payload';
      const m = type === EVENT || type === BINARY_EVENT ? LEADING_NAME.exec(json) : null;
      if (m) p.name = m[2] ? m[1] : m[1] + '…';
    }
  } else if (frame.truncated) p.error = TRUNCATED;
  if (p.data !== undefined) validate(p);
  return p;
}

/** Check the payload has the shape its type needs (as socket.io-parser does), and pick out the event name. */
function validate(p: Packet): void {
  const d = p.data;
  switch (p.type) {
    case EVENT:
    case BINARY_EVENT:
      if (Array.isArray(d) && (typeof d[0] === 'string' || typeof d[0] === 'number')) p.name = String(d[0]);
      else p.error = 'an event payload must be an array starting with the event name';
      break;
    case ACK:
    case BINARY_ACK:
      if (!Array.isArray(d)) p.error = 'an ack payload must be an array';
      break;
    case CONNECT:
      if (!isRecord(d)) p.error = 'a connect payload must be an object';
      break;
    case CONNECT_ERROR:
      // v5 sends {message, data?}; v4 (socket.io 2.x) sent a bare string
      if (!isRecord(d) && typeof d !== 'string') p.error = 'a connect error payload must be an object or a string';
      break;
    case DISCONNECT:
      p.error = 'a disconnect has no payload';
  }
}

/** The args with each binary placeholder replaced by the attachment it stands for, once that has arrived. */
function fillPlaceholders(v: unknown, p: Packet, depth = 0): unknown {
  if (depth > 32 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => fillPlaceholders(x, p, depth + 1));
  const o = v as Record<string, unknown>;
  if (o._placeholder === true && typeof o.num === 'number') {
    const a = p.received[o.num];
    if (!a) return v;
    const described: Record<string, unknown> = { attachment: o.num + 1, ...describeBytes(a.bytes) };
    if (a.truncated) described.truncated = true;
    return described;
  }
  const out: Record<string, unknown> = {};
  for (const k in o) out[k] = fillPlaceholders(o[k], p, depth + 1);
  return out;
}

function render(p: Packet): Decoded {
  const typeName = PACKET_TYPES[p.type];
  const fields: Record<string, unknown> = { type: typeName, namespace: p.nsp };
  if (p.id !== undefined) fields.ackId = p.id;
  const nspSuffix = p.nsp === '/' ? '' : ` · ${p.nsp}`;
  let summary: string;
  const d = p.data;
  switch (p.type) {
    case EVENT:
    case BINARY_EVENT: {
      if (p.name !== undefined) fields.event = p.name;
      if (Array.isArray(d)) fields.args = p.attachments ? fillPlaceholders(d.slice(1), p) : d.slice(1);
      summary = `event: ${p.name ?? '?'}` + (p.id !== undefined ? ` · ack ${p.id}` : '');
      break;
    }
    case ACK:
    case BINARY_ACK:
      if (p.name !== undefined) fields.event = p.name;
      if (d !== undefined) fields.args = p.attachments ? fillPlaceholders(d, p) : d;
      summary = `ack ${p.id ?? '?'}` + (p.name !== undefined ? ` · ${p.name}` : '') + (p.rtt !== undefined ? ` · ${formatMs(p.rtt)}` : '');
      break;
    case CONNECT: {
      const sid = isRecord(d) && typeof d.sid === 'string' ? d.sid : undefined;
      if (d !== undefined) fields[sid !== undefined ? 'data' : 'auth'] = d;
      summary = `connect ${p.nsp}` + (sid !== undefined ? ` sid=${sid}` : '');
      break;
    }
    case CONNECT_ERROR: {
      const message = typeof d === 'string' ? d : isRecord(d) ? String(d.message) : '?';
      fields.message = message;
      if (isRecord(d) && d.data !== undefined) fields.data = d.data;
      summary = `connect error: ${message}${nspSuffix}`;
      break;
    }
    default:
      summary = `disconnect ${p.nsp}`;
  }
  if (p.type === EVENT || p.type === BINARY_EVENT || p.type === ACK || p.type === BINARY_ACK) {
    summary += nspSuffix;
    if (p.attachments) {
      fields.attachments = p.attachments;
      summary += ` · ${plural(p.attachments, 'attachment')}`;
    }
  }
  if (p.type === CONNECT || p.type === CONNECT_ERROR) {
    if (p.rtt !== undefined) summary += ` · ${formatMs(p.rtt)}`;
  }
  const search = [typeName, p.name, p.nsp, p.id].filter((x) => x !== undefined).join(' ');
  const out: Decoded = { protocol: 'socketio', summary, fields, search };
  if (p.related.length) out.related = p.related.slice();
  if (p.rtt !== undefined) out.rtt = p.rtt;
  if (p.error) out.error = p.error;
  return out;
}

function engine(type: string, summary: string, fields: Record<string, unknown> = {}, error?: string): Decoded {
  const d: Decoded = { protocol: 'socketio', summary, fields: { engineIO: type, ...fields }, search: type };
  if (error) d.error = error;
  // Engine.IO's keep-alive (and the upgrade probe, `2probe` / `3probe`, which is one too)
  if (type === 'ping' || type === 'pong') d.heartbeat = true;
  return d;
}

/** an ack, or the server's answer to a connect (it carries the namespace's sid, or is an error) */
function isAnswer(p: Packet): boolean {
  if (p.type === ACK || p.type === BINARY_ACK || p.type === CONNECT_ERROR) return true;
  return p.type === CONNECT && isRecord(p.data) && typeof p.data.sid === 'string';
}

const other = (d: Direction): Direction => (d === 'sent' ? 'received' : 'sent');

/** the Engine.IO version a socket's url names (`EIO=3` / `EIO=4`), if any */
function eioOf(url: string | undefined): 3 | 4 | undefined {
  const m = url ? /[?&]EIO=([34])(?:&|#|$)/.exec(url) : null;
  return m ? (Number(m[1]) as 3 | 4) : undefined;
}

class SocketIoDecoder implements SocketDecoder {
  constructor(private eio: 3 | 4 | undefined) {}

  /** a binary packet still waiting for its attachment frames, per direction (they follow it in order) */
  private awaiting = new Map<Direction, Packet>();
  /** events that asked for an ack, and connects waiting for their answer, by `direction|namespace|id` */
  private pending = new Map<string, Packet>();

  decode(frame: FrameInput): DecodeOutput {
    if (frame.bytes) {
      if (this.eio !== 3) return this.attachment(frame, frame.bytes);
      // Engine.IO 3: the packet type first; an attachment is a message (4)
      const type = frame.bytes[0];
      if (type === 4) return this.attachment(frame, frame.bytes.subarray(1));
      const name = ENGINE_TYPES[type] ?? String(type);
      return { decoded: engine(name, `binary ${name} · ${frame.bytes.length} B`, describeBytes(frame.bytes), frame.bytes.length ? `an Engine.IO 3 binary frame of packet type ${name}, not message` : 'an empty binary frame') };
    }
    const s = frame.text;
    if (!s) return { decoded: null };
    const c = s[0];
    // 'b' + base64: a binary attachment from a client that cannot send binary frames (v3: `b4` + base64)
    if (c === 'b') {
      let bytes: Uint8Array;
      try {
        bytes = base64ToBytes(s.slice(this.eio === 3 && s[1] === '4' ? 2 : 1));
      } catch {
        return { decoded: null }; // not base64 after all: a decoder never throws on what a page sends
      }
      return this.attachment(frame, bytes);
    }
    switch (c) {
      case '0': {
        const hs = parseJson(s.slice(1));
        if (!isRecord(hs)) return { decoded: engine('open', 'open', {}, frame.truncated ? TRUNCATED : 'malformed handshake') };
        // v4 added maxPayload to the handshake: without the url, its absence tells a v3 server
        this.eio ??= typeof hs.pingInterval === 'number' && hs.maxPayload === undefined ? 3 : 4;
        const open = engine('open', `open sid=${String(hs.sid)}${this.eio === 3 ? ' · EIO 3' : ''}`, { ...hs, eio: this.eio });
        open.search += ` ${String(hs.sid)}`;
        return { decoded: open };
      }
      case '1':
      case '2':
      case '3':
      case '5':
      case '6': {
        const type = ENGINE_TYPES[c.charCodeAt(0) - 48];
        // `2probe`/`3probe` test a websocket before an upgrade from polling
        const data = s.slice(1);
        const d = engine(type, data ? `${type} ${data}` : type, data ? { data } : {});
        if ((c === '2' || c === '3') && !data) d.heartbeat = true;
        return { decoded: d };
      }
      case '4':
        return this.message(frame, s);
    }
    return { decoded: null };
  }

  private message(frame: FrameInput, s: string): DecodeOutput {
    // a bare Engine.IO message (engine.io without Socket.IO on top)
    if (s.length > 1 && !isDigit(s.charCodeAt(1))) return { decoded: engine('message', `message: ${s.slice(1, 80)}`, { data: s.slice(1) }) };
    if (s.length === 1) return { decoded: engine('message', 'message', {}, frame.truncated ? TRUNCATED : 'empty message') };
    const p = parsePacket(s, 1, frame);
    if (typeof p === 'string') return { decoded: engine('message', 'message', { data: s.slice(1) }, p) };
    const updates: DecodeOutput['updates'] = [];
    if (isAnswer(p)) {
      const asked = this.pending.get(this.key(other(p.direction), p));
      if (asked) {
        this.pending.delete(this.key(asked.direction, asked));
        p.rtt = Math.max(0, p.mono - asked.mono);
        p.name = asked.name;
        p.related.push({ seq: asked.seq, label: asked.type === CONNECT ? 'connect' : 'event' });
        asked.related.push({ seq: p.seq, label: p.type === CONNECT_ERROR ? 'connect error' : p.type === CONNECT ? 'connected' : 'ack' });
        updates.push({ seq: asked.seq, decoded: render(asked) });
      }
    } else if (p.id !== undefined || p.type === CONNECT) {
      remember(this.pending, this.key(p.direction, p), p);
    }
    if (p.attachments > 0) this.awaiting.set(p.direction, p);
    return updates.length ? { decoded: render(p), updates } : { decoded: render(p) };
  }

  /** pairing key: an event's ack is found by namespace and ack id, a connect's answer by namespace */
  private key(direction: Direction, p: Packet): string {
    return `${direction}|${p.nsp}|${p.type === CONNECT || p.type === CONNECT_ERROR ? 'connect' : p.id}`;
  }

  private attachment(frame: FrameInput, bytes: Uint8Array): DecodeOutput {
    const p = this.awaiting.get(frame.direction);
    if (!p) {
      const d = engine('message', `binary message · ${bytes.length} B`, describeBytes(bytes), frame.truncated ? TRUNCATED : undefined);
      return { decoded: d };
    }
    p.received.push({ seq: frame.seq, bytes, truncated: frame.truncated });
    const n = p.received.length;
    if (n >= p.attachments) this.awaiting.delete(frame.direction);
    p.related.push({ seq: frame.seq, label: `attachment ${n}` });
    const owner = p.type === BINARY_EVENT ? (p.name ?? '?') : `ack ${p.id ?? '?'}`;
    const decoded: Decoded = {
      protocol: 'socketio',
      summary: `attachment ${n}/${p.attachments} · ${owner}`,
      fields: { type: 'attachment', attachment: n, of: p.attachments, [p.type === BINARY_EVENT ? 'event' : 'ack']: owner, ...describeBytes(bytes) },
      search: `attachment ${owner}`,
      related: [{ seq: p.seq, label: p.type === BINARY_EVENT ? 'event' : 'ack' }],
    };
    if (frame.truncated) decoded.error = TRUNCATED;
    return { decoded, updates: [{ seq: p.seq, decoded: render(p) }] };
  }
}

export const socketIo: Protocol = {
  id: 'socketio',
  label: 'Socket.IO',
  byHandshake(url) {
    const u = parseUrl(url);
    if (!u) return false;
    if (u.pathname.includes('/socket.io/')) return true;
    // a custom path still carries Engine.IO's query
    const eio = u.searchParams.get('EIO');
    return (eio === '3' || eio === '4') && u.searchParams.get('transport') === 'websocket';
  },
  byContent(frame) {
    const s = frame.text;
    if (frame.direction !== 'received' || !s || !s.startsWith('0{"sid"')) return false;
    const hs = parseJson(s.slice(1));
    return isRecord(hs) && typeof hs.sid === 'string' && typeof hs.pingInterval === 'number';
  },
  create: (handshake?: Handshake) => new SocketIoDecoder(eioOf(handshake?.url)),
};
