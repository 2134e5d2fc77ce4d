/**
 * ASP.NET Core SignalR hub protocols over a websocket: JSON (text frames, each message ends with the record
 * separator 0x1E, several in one frame) and MessagePack (binary frames, each message behind a VarInt length prefix,
 * several in one frame or, from other implementations, one cut across frames: each direction keeps what is left).
 * A connection opens with a JSON handshake either way (`{"protocol":"json","version":1}` and `{}` or
 * `{"error":…}`); the MessagePack server may send its handshake answer and its first messages in one binary frame.
 * Message types 1–9 per the published hub protocol spec: invocations pair with their completions by invocation id,
 * stream items and cancels link to their stream invocation, client-to-server stream items to the invocation that
 * named their stream id.
 */
import type { Decoded, DecodeOutput, FrameInput, Protocol, Related, SocketDecoder } from './types';
import { isRecord } from '../lib/isRecord';
import { readMsgpack } from './msgpack';
import { argsPreview, toTree } from './tree';
import { clip, formatMs, parseJson, remember, shortValue, TRUNCATED, utf8Text } from './util';

type Direction = FrameInput['direction'];

/** the largest MessagePack hub message waited for across frames (ASP.NET Core's default limit is 32 KB; 64 MB is generous) */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const RS = '\x1e';
const RS_CODE = 0x1e;

const NAMES: Record<number, string> = {
  1: 'Invocation', 2: 'StreamItem', 3: 'Completion', 4: 'StreamInvocation', 5: 'CancelInvocation', 6: 'Ping', 7: 'Close',
  8: 'Ack', 9: 'Sequence',
};

/** One hub message, whichever protocol carried it. */
interface Message {
  /** a hub message type, or the handshake's two messages */
  type: number | 'handshake' | 'handshake-response';
  invocationId?: string;
  target?: string;
  arguments?: unknown[];
  streamIds?: string[];
  item?: unknown;
  result?: unknown;
  hasResult?: boolean;
  /** a completion's or a close's or a handshake response's error */
  error?: string;
  allowReconnect?: boolean;
  headers?: unknown;
  sequenceId?: number;
  protocol?: string;
  version?: number;
  /** what makes it not a valid message */
  problem?: string;
  /** the frame it pairs with, once paired */
  pair?: { seq: number; rtt: number; label: string };
  /** the frame of the invocation a stream item or a cancel belongs to */
  of?: { seq: number; target?: string; label: string };
}

/** One frame's messages: kept while an invocation waits for its completion, which re-renders it. */
interface Frame {
  seq: number;
  direction: Direction;
  mono: number;
  messages: Message[];
  problems: string[];
  /** bytes that began here or earlier and end later (MessagePack), or that began earlier and end here */
  partial?: string;
  startedAt?: number;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** A JSON hub message (or handshake message) from its parsed object. */
function fromJson(v: unknown, direction: Direction, handshaken: boolean): Message {
  if (!isRecord(v)) return { type: 0, problem: 'a message that is not a JSON object' };
  if (v.type === undefined) {
    if (typeof v.protocol === 'string') return { type: 'handshake', protocol: v.protocol, version: typeof v.version === 'number' ? v.version : undefined };
    if (direction === 'received' && !handshaken) return { type: 'handshake-response', error: str(v.error) };
    return { type: 0, problem: 'a message without a "type"' };
  }
  if (typeof v.type !== 'number') return { type: 0, problem: '"type" is not a number' };
  const m: Message = { type: v.type, invocationId: str(v.invocationId), headers: v.headers };
  switch (v.type) {
    case 1:
    case 4:
      m.target = str(v.target);
      m.arguments = Array.isArray(v.arguments) ? v.arguments : undefined;
      if (Array.isArray(v.streamIds)) m.streamIds = v.streamIds.map(String);
      if (m.target === undefined) m.problem = 'an invocation without a "target"';
      else if (!m.arguments) m.problem = 'an invocation without "arguments"';
      break;
    case 2:
      m.item = v.item;
      break;
    case 3:
      m.error = str(v.error);
      m.hasResult = 'result' in v;
      m.result = v.result;
      break;
    case 7:
      m.error = str(v.error);
      if (typeof v.allowReconnect === 'boolean') m.allowReconnect = v.allowReconnect;
      break;
    case 8:
    case 9:
      if (typeof v.sequenceId === 'number') m.sequenceId = v.sequenceId;
      break;
  }
  if ((v.type === 2 || v.type === 3 || v.type === 5) && m.invocationId === undefined) m.problem = `a ${NAMES[v.type]} without an "invocationId"`;
  return m;
}

/** A MessagePack hub message from its decoded array: `[type, headers, invocationId, …]`. */
function fromMsgpack(v: unknown): Message {
  if (!Array.isArray(v) || typeof v[0] !== 'number') return { type: 0, problem: 'a MessagePack message that is not an array led by its type' };
  const type = v[0];
  const id = (x: unknown) => (typeof x === 'string' ? x : undefined);
  const m: Message = { type };
  const need = { 1: 5, 2: 4, 3: 4, 4: 5, 5: 3, 6: 1, 7: 2, 8: 2, 9: 2 }[type];
  if (need !== undefined && v.length < need) m.problem = `a ${NAMES[type]} of ${v.length} items, not at least ${need}`;
  switch (type) {
    case 1:
    case 4:
      m.headers = toTree(v[1]);
      m.invocationId = id(v[2]);
      m.target = id(v[3]);
      m.arguments = Array.isArray(v[4]) ? v[4].map((a) => toTree(a)) : undefined;
      if (Array.isArray(v[5])) m.streamIds = v[5].map(String);
      break;
    case 2:
      m.headers = toTree(v[1]);
      m.invocationId = id(v[2]);
      m.item = toTree(v[3]);
      break;
    case 3: {
      m.headers = toTree(v[1]);
      m.invocationId = id(v[2]);
      // the result kind: 1 error, 2 void, 3 a result
      const kind = v[3];
      if (kind === 1) m.error = String(v[4]);
      else if (kind === 3) {
        m.hasResult = true;
        m.result = toTree(v[4]);
      } else if (kind !== 2) m.problem ??= `a Completion with result kind ${String(kind)}`;
      break;
    }
    case 5:
      m.headers = toTree(v[1]);
      m.invocationId = id(v[2]);
      break;
    case 7:
      if (typeof v[1] === 'string') m.error = v[1];
      if (typeof v[2] === 'boolean') m.allowReconnect = v[2];
      break;
    case 8:
    case 9:
      if (typeof v[1] === 'number' || typeof v[1] === 'bigint') m.sequenceId = Number(v[1]);
      break;
  }
  return m;
}

const showId = (id: string | undefined) => (id === undefined ? '' : ` #${clip(id, 12)}`);

function summary(m: Message): string {
  const answer = m.pair ? ` · ${m.pair.label} in ${formatMs(m.pair.rtt)}` : '';
  const rtt = m.pair ? ` · ${formatMs(m.pair.rtt)}` : '';
  const target = m.of?.target ? ` ${m.of.target}` : '';
  switch (m.type) {
    case 'handshake':
      return `handshake ${m.protocol} v${m.version ?? '?'}${answer}`;
    case 'handshake-response':
      return `${m.error !== undefined ? `handshake error: ${clip(m.error, 100)}` : 'handshake ok'}${rtt}`;
    case 1:
      return `invoke ${m.target}${argsPreview(m.arguments)}${showId(m.invocationId)}${m.streamIds?.length ? ` · streams ${m.streamIds.join(', ')}` : ''}${answer}`;
    case 4:
      return `stream ${m.target}${argsPreview(m.arguments)}${showId(m.invocationId)}${answer}`;
    case 2:
      return `stream item${showId(m.invocationId)}${target} · ${shortValue(m.item)}`;
    case 3: {
      const what = m.error !== undefined ? `error ${JSON.stringify(clip(m.error, 80))}` : m.hasResult ? `result ${shortValue(m.result)}` : 'void';
      return `completion${showId(m.invocationId)}${target} · ${what}${rtt}`;
    }
    case 5:
      return `cancel${showId(m.invocationId)}${target}`;
    case 6:
      return 'ping';
    case 7:
      return `close${m.error !== undefined ? ` · error ${JSON.stringify(clip(m.error, 80))}` : ''}${m.allowReconnect ? ' · allowReconnect' : ''}`;
    case 8:
    case 9:
      return `${NAMES[m.type].toLowerCase()} ${m.sequenceId ?? '?'}`;
    default:
      return m.problem ? `invalid: ${m.problem}` : `message type ${m.type}`;
  }
}

function messageFields(m: Message): Record<string, unknown> {
  const f: Record<string, unknown> =
    typeof m.type === 'number' ? { type: m.type, message: NAMES[m.type] ?? 'unknown' } : { message: m.type === 'handshake' ? 'HandshakeRequest' : 'HandshakeResponse' };
  const put = (k: string, v: unknown) => {
    if (v !== undefined) f[k] = v;
  };
  put('protocol', m.protocol);
  put('version', m.version);
  put('invocationId', m.invocationId);
  put('target', m.target ?? m.of?.target);
  put('arguments', m.arguments);
  put('streamIds', m.streamIds);
  put('item', m.item);
  if (m.hasResult) f.result = m.result;
  put('error', m.error);
  put('allowReconnect', m.allowReconnect);
  put('sequenceId', m.sequenceId);
  if (m.headers !== undefined && !(isRecord(m.headers) && Object.keys(m.headers).length === 0)) f.headers = m.headers;
  put('problem', m.problem);
  return f;
}

function render(fr: Frame): Decoded {
  const ms = fr.messages;
  const related: Related[] = [];
  const seen = new Set<number>();
  const link = (seq: number, label: string) => {
    if (seen.has(seq) || seq === fr.seq) return;
    seen.add(seq);
    related.push({ seq, label });
  };
  if (fr.startedAt !== undefined) link(fr.startedAt, 'message start');
  const search: string[] = [];
  let rtt: number | undefined;
  for (const m of ms) {
    if (m.pair) {
      link(m.pair.seq, m.pair.label);
      if (m.type === 3 || m.type === 'handshake-response') rtt ??= m.pair.rtt;
    }
    if (m.of) link(m.of.seq, m.of.label);
    search.push(typeof m.type === 'number' ? NAMES[m.type] ?? String(m.type) : m.type);
    for (const s of [m.target ?? m.of?.target, m.invocationId, m.error, m.protocol]) if (s) search.push(s);
  }
  let text: string;
  let fields: Record<string, unknown>;
  if (ms.length === 0) {
    text = fr.partial ? `part of a message · ${fr.partial}` : 'SignalR (nothing)';
    fields = { partial: fr.partial };
  } else {
    text = summary(ms[0]) + (ms.length > 1 ? ` (+${ms.length - 1} more)` : '');
    fields = ms.length === 1 ? messageFields(ms[0]) : { messages: ms.map(messageFields) };
    if (fr.partial) fields.partial = fr.partial;
  }
  const d: Decoded = { protocol: 'signalr', summary: text, fields, search: search.join(' ') };
  if (related.length) d.related = related;
  if (rtt !== undefined) d.rtt = rtt;
  const problems = [...fr.problems, ...ms.flatMap((m) => (m.problem ? [m.problem] : []))];
  if (problems.length) d.error = problems.join('; ');
  if (ms.length && ms.every((m) => m.type === 6)) d.heartbeat = true;
  return d;
}

/** a VarInt length prefix at `at`: the length and the prefix's size, 'more' when it is cut, 'bad' past 5 bytes */
function varint(b: Uint8Array, at: number): { length: number; size: number } | 'more' | 'bad' {
  let length = 0;
  for (let i = 0; i < 5; i++) {
    if (at + i >= b.length) return 'more';
    const c = b[at + i];
    length += (c & 0x7f) * 2 ** (7 * i);
    if (!(c & 0x80)) return { length, size: i + 1 };
  }
  return 'bad';
}

/** bytes of one direction that do not make a whole MessagePack message yet */
interface Tail {
  bytes: Uint8Array;
  seq: number;
  /** the message's whole size with its prefix, once the prefix is in */
  total?: number;
}

interface Waiting {
  frame: Frame;
  message: Message;
}

class SignalRDecoder implements SocketDecoder {
  private format: 'json' | 'messagepack' | undefined;
  private handshake?: Waiting;
  /** the handshake answer came (the server sends it first): later messages without a type are invalid */
  private handshaken = false;
  private tails: { sent?: Tail; received?: Tail } = {};
  /** invocations waiting for their completion, by `direction|invocationId` */
  private pending = new Map<string, Waiting>();
  /** client-to-server (or server-to-client) streams, by `direction|streamId`: the invocation that opened them */
  private streams = new Map<string, Waiting>();

  decode(frame: FrameInput): DecodeOutput {
    try {
      return this.read(frame);
    } catch (e) {
      // a last guard: a page's bytes must never break the panel
      this.tails[frame.direction] = undefined;
      return { decoded: { protocol: 'signalr', summary: 'SignalR (unreadable)', fields: {}, search: '', error: String(e) } };
    }
  }

  private read(frame: FrameInput): DecodeOutput {
    const fr: Frame = { seq: frame.seq, direction: frame.direction, mono: frame.mono, messages: [], problems: [] };
    if (frame.text !== undefined) this.readText(frame.text, fr, frame.truncated);
    else if (frame.bytes) {
      let bytes = frame.bytes;
      // the handshake is JSON on every protocol; a MessagePack server's answer comes in a binary frame
      if (!this.tails[fr.direction] && bytes[0] === 0x7b /* { */ && (fr.direction === 'sent' ? !this.handshake : !this.handshaken)) {
        const end = bytes.indexOf(RS_CODE);
        const head = utf8Text(bytes.subarray(0, end < 0 ? bytes.length : end + 1));
        if (head !== undefined) {
          this.readText(head, fr, frame.truncated && end < 0);
          bytes = end < 0 ? new Uint8Array(0) : bytes.subarray(end + 1);
        }
      }
      if (this.format === 'json') {
        const text = utf8Text(bytes);
        if (text === undefined) fr.problems.push('a binary frame that is not UTF-8 on a JSON hub connection');
        else if (text) this.readText(text, fr, frame.truncated);
      } else if (bytes.length || this.tails[fr.direction]) this.readBinary(bytes, fr, frame.truncated);
    } else return { decoded: null };
    if (!fr.messages.length && !fr.partial && !fr.problems.length) return { decoded: null };
    if (frame.truncated && !fr.problems.some((p) => p.startsWith(TRUNCATED))) fr.problems.unshift(TRUNCATED);

    const touched = new Map<number, Frame>();
    for (const m of fr.messages) this.pair(fr, m, touched);
    const decoded = render(fr);
    if (!touched.size) return { decoded };
    return { decoded, updates: [...touched.values()].map((t) => ({ seq: t.seq, decoded: render(t) })) };
  }

  private readText(text: string, fr: Frame, truncated: boolean): void {
    const parts = text.split(RS);
    const last = parts.pop()!;
    if (last !== '') {
      if (truncated) fr.problems.push(`${TRUNCATED} (the last message is cut)`);
      else {
        // not SignalR at all when nothing in it is a message
        if (!parts.length && parseJson(last) === undefined) return;
        fr.problems.push('a message without its record separator (0x1E) at the end');
        parts.push(last);
      }
    }
    for (const p of parts) {
      const v = parseJson(p);
      const m = v === undefined ? ({ type: 0, problem: 'malformed JSON' } as Message) : fromJson(v, fr.direction, this.handshaken);
      if (m.type === 'handshake' && m.protocol) this.format = m.protocol === 'json' ? 'json' : 'messagepack';
      if (m.type === 'handshake-response') this.handshaken = true;
      fr.messages.push(m);
    }
  }

  private readBinary(bytes: Uint8Array, fr: Frame, truncated: boolean): void {
    const before = this.tails[fr.direction];
    this.tails[fr.direction] = undefined;
    if (before?.total !== undefined && before.bytes.length + bytes.length < before.total && !truncated) {
      // still short of a whole message
      this.tails[fr.direction] = { ...before, bytes: join(before.bytes, bytes) };
      fr.partial = `${before.bytes.length + bytes.length} of ${before.total} B`;
      fr.startedAt = before.seq;
      return;
    }
    const data = before ? join(before.bytes, bytes) : bytes;
    if (before) fr.startedAt = before.seq;
    let at = 0;
    while (at < data.length) {
      const prefix = varint(data, at);
      if (prefix === 'bad') {
        fr.problems.push(`a length prefix longer than 5 bytes at byte ${at}`);
        return;
      }
      if (prefix !== 'more' && prefix.length > MAX_MESSAGE_BYTES) {
        // no hub sends such a message: the stream is out of step (or not SignalR), and waiting for it would swallow
        // every later frame of this direction
        fr.problems.push(`a length prefix of ${prefix.length} B at byte ${at}: more than any message (${MAX_MESSAGE_BYTES} B)`);
        return;
      }
      if (prefix === 'more' || at + prefix.size + prefix.length > data.length) {
        const total = prefix === 'more' ? undefined : prefix.size + prefix.length;
        const have = data.length - at;
        fr.partial = total === undefined ? `${have} B of a length prefix` : `${have} of ${total} B`;
        if (truncated) fr.problems.push(`${TRUNCATED} (the last message is cut: ${fr.partial})`);
        else this.tails[fr.direction] = { bytes: data.slice(at), total, seq: at === 0 && before ? before.seq : fr.seq };
        return;
      }
      const body = data.subarray(at + prefix.size, at + prefix.size + prefix.length);
      const read = readMsgpack(body);
      fr.messages.push('value' in read ? fromMsgpack(read.value) : { type: 0, problem: `not MessagePack: ${read.error}` });
      at += prefix.size + prefix.length;
    }
  }

  private pair(fr: Frame, m: Message, touched: Map<number, Frame>): void {
    const answer = (w: Waiting | undefined, label: string, back: string) => {
      if (!w) return;
      const rtt = Math.max(0, fr.mono - w.frame.mono);
      m.pair = { seq: w.frame.seq, rtt, label };
      w.message.pair = { seq: fr.seq, rtt, label: back };
      touched.set(w.frame.seq, w.frame);
    };
    const dir = fr.direction;
    const other = dir === 'sent' ? 'received' : 'sent';
    if (m.type === 'handshake') this.handshake = { frame: fr, message: m };
    else if (m.type === 'handshake-response') {
      answer(this.handshake, 'handshake', m.error !== undefined ? 'error' : 'ok');
      this.handshake = undefined;
    } else if ((m.type === 1 || m.type === 4) && m.invocationId !== undefined) {
      remember(this.pending, `${dir}|${m.invocationId}`, { frame: fr, message: m });
    }
    if ((m.type === 1 || m.type === 4) && m.streamIds) {
      for (const id of m.streamIds) remember(this.streams, `${dir}|${id}`, { frame: fr, message: m });
    }
    if (m.invocationId === undefined || (m.type !== 2 && m.type !== 3 && m.type !== 5)) return;
    // an item or the end of a stream the sender itself uploads, named by a stream id of its own invocation
    const upload = this.streams.get(`${dir}|${m.invocationId}`);
    if (upload && m.type !== 5) {
      m.of = { seq: upload.frame.seq, target: upload.message.target, label: 'invocation' };
      if (m.type === 3) this.streams.delete(`${dir}|${m.invocationId}`);
      return;
    }
    // a cancel goes the way its invocation went; items and the completion come back
    const key = `${m.type === 5 ? dir : other}|${m.invocationId}`;
    const inv = this.pending.get(key);
    if (!inv) return;
    const label = inv.message.type === 4 ? 'stream invocation' : 'invocation';
    m.of = { seq: inv.frame.seq, target: inv.message.target, label };
    if (m.type === 3) {
      this.pending.delete(key);
      answer(inv, label, m.error !== undefined ? 'error' : 'completion');
    }
  }
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** `{"protocol":"json","version":1}` + 0x1E, the client's first frame */
function isHandshake(text: string | undefined): boolean {
  if (!text || text.charCodeAt(text.length - 1) !== RS_CODE || !text.includes('"protocol"')) return false;
  const v = parseJson(text.slice(0, -1));
  return isRecord(v) && typeof v.protocol === 'string' && typeof v.version === 'number' && v.type === undefined;
}

export const signalr: Protocol = {
  id: 'signalr',
  label: 'SignalR',
  // after negotiate the socket's url carries the connection token (`?id=`); Azure SignalR's carries `asrs.op`
  byHandshake: (url) => /[?&]asrs\.op=/.test(url) || (/hub/i.test(url.split('?')[0]) && /[?&]id=[\w-]{8,}/.test(url)),
  byContent: (frame) => isHandshake(frame.text ?? (frame.bytes && frame.bytes[0] === 0x7b ? utf8Text(frame.bytes) : undefined)),
  create: () => new SignalRDecoder(),
};
