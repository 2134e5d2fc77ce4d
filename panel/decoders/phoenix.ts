/**
 * Phoenix Channels: the socket protocol of Phoenix (Elixir), of LiveView, and of Supabase Realtime.
 * - serializer v1 (`vsn=1.0.0`): JSON objects `{topic, event, payload, ref, join_ref?}`;
 * - serializer v2 (`vsn=2.0.0`, the default since Phoenix 1.4): JSON arrays `[join_ref, ref, topic, event, payload]`,
 *   and binary frames for binary payloads: kind 0 push, 1 reply, 2 broadcast (Phoenix), 3 user broadcast push and
 *   4 user broadcast (Supabase Realtime's serializer).
 * A push with a `ref` is answered by a `phx_reply` on the same topic with the same ref (`{status, response}`);
 * `heartbeat` on topic `phoenix` is the keep-alive. Supabase Realtime and LiveView are the same protocol with their
 * own events on top; one decoder reads all three, and says which (`flavor`) from the topics it sees: a socket
 * proxied under another url still reads right, and "decode as" has one entry for one wire format.
 */
import type { Decoded, DecodeOutput, FrameInput, Protocol, Related, SocketDecoder } from './types';
import { plural } from '../lib/format';
import { isRecord } from '../lib/isRecord';
import { clip, describePayload, formatMs, parseJson, parseUrl, remember, TRUNCATED, utf8Text } from './util';

type Direction = FrameInput['direction'];
type Flavor = 'Phoenix' | 'LiveView' | 'Supabase Realtime';

interface Message {
  serializer: 'v1' | 'v2' | 'binary';
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  /** JSON for text frames; for binary frames the bytes, described */
  payload: unknown;
  /** a binary reply's status (kind 1) */
  status?: string;
  error?: string;
}

/** A push waiting for its reply, and its view, re-rendered when the reply comes. */
interface Push {
  seq: number;
  mono: number;
  msg: Message;
  flavor?: Flavor;
  reply?: { seq: number; status: string; rtt: number; reason?: string; parts?: number };
}

/** the events only Phoenix sends: what content detection insists on */
const OWN_EVENTS = new Set(['phx_join', 'phx_reply', 'phx_leave', 'phx_close', 'phx_error', 'heartbeat', 'presence_state', 'presence_diff']);

const isRef = (v: unknown): v is string | null => v === null || typeof v === 'string' || typeof v === 'number';
// only a string or a number becomes a ref: anything else in a page's JSON (an object with a broken toString) is none
const refOf = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);

/** `[join_ref, ref, topic, event, payload]` or `{topic, event, payload, ref}`; a string says why it is not one */
function fromJson(v: unknown): Message | string {
  if (Array.isArray(v)) {
    if (v.length !== 5) return `a v2 message is an array of 5, not ${v.length}`;
    const [joinRef, ref, topic, event, payload] = v;
    if (!isRef(joinRef) || !isRef(ref)) return 'join_ref and ref must be strings or null';
    if (typeof topic !== 'string' || typeof event !== 'string') return 'topic and event must be strings';
    return { serializer: 'v2', joinRef: refOf(joinRef), ref: refOf(ref), topic, event, payload };
  }
  if (isRecord(v)) {
    if (typeof v.topic !== 'string' || typeof v.event !== 'string') return 'a v1 message needs a string topic and event';
    if (v.ref !== undefined && !isRef(v.ref)) return 'ref must be a string or null';
    return { serializer: 'v1', joinRef: refOf(v.join_ref), ref: refOf(v.ref), topic: v.topic, event: v.event, payload: v.payload };
  }
  return 'not a Phoenix message';
}

const lenient = new TextDecoder();

/** the binary serializers (Phoenix's kinds 0-2, Supabase's 3-4); the layout of kind 0 depends on the direction */
function fromBinary(b: Uint8Array, direction: Direction): Message | string {
  const kind = b[0];
  let p = 0;
  const sizes = (n: number): number[] | undefined => {
    if (b.length < 1 + n) return undefined;
    p = 1 + n;
    return Array.from(b.subarray(1, 1 + n));
  };
  const take = (n: number): string | undefined => {
    if (p + n > b.length) return undefined;
    const s = lenient.decode(b.subarray(p, p + n));
    p += n;
    return s;
  };
  const fieldsOf = (names: string[], extra = 0): Record<string, string> | string => {
    const s = sizes(names.length + extra);
    if (!s) return 'the binary header is cut short';
    const out: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) {
      const v = take(s[i]);
      if (v === undefined) return 'the binary header is cut short';
      out[names[i]] = v;
    }
    return out;
  };
  const body = () => b.subarray(p);
  const bytes = (x: Uint8Array) => describePayload(x).value;
  switch (kind) {
    case 0: {
      // a client's push carries its ref; the server's push does not
      const f = fieldsOf(direction === 'sent' ? ['joinRef', 'ref', 'topic', 'event'] : ['joinRef', 'topic', 'event']);
      if (typeof f === 'string') return f;
      return { serializer: 'binary', joinRef: f.joinRef || null, ref: f.ref || null, topic: f.topic, event: f.event, payload: bytes(body()) };
    }
    case 1: {
      const f = fieldsOf(['joinRef', 'ref', 'topic', 'status']);
      if (typeof f === 'string') return f;
      const msg: Message = { serializer: 'binary', joinRef: f.joinRef || null, ref: f.ref || null, topic: f.topic, event: 'phx_reply', payload: { status: f.status, response: bytes(body()) } };
      msg.status = f.status;
      return msg;
    }
    case 2: {
      const f = fieldsOf(['topic', 'event']);
      if (typeof f === 'string') return f;
      return { serializer: 'binary', joinRef: null, ref: null, topic: f.topic, event: f.event, payload: bytes(body()) };
    }
    case 3:
    case 4: {
      // Supabase: a user broadcast, its event and metadata in the header, then a JSON (1) or binary (0) payload
      const names = kind === 3 ? ['joinRef', 'ref', 'topic', 'userEvent', 'meta'] : ['topic', 'userEvent', 'meta'];
      const f = fieldsOf(names, 1);
      if (typeof f === 'string') return f;
      const encoding = b[names.length + 1];
      const raw = body();
      const payload = encoding === 1 ? parseJson(utf8Text(raw) ?? '') : bytes(raw);
      const data: Record<string, unknown> = { type: 'broadcast', event: f.userEvent, payload };
      if (f.meta) data.meta = parseJson(f.meta) ?? f.meta;
      const msg: Message = { serializer: 'binary', joinRef: f.joinRef || null, ref: f.ref || null, topic: f.topic, event: 'broadcast', payload: data };
      if (encoding === 1 && payload === undefined) msg.error = 'the JSON payload does not parse';
      return msg;
    }
  }
  return `unknown binary message kind ${kind}`;
}

// a v2 message cut short still names its refs, topic and event
const V2_HEAD = /^\[\s*(null|"(?:[^"\\]|\\.)*")\s*,\s*(null|"(?:[^"\\]|\\.)*")\s*,\s*("(?:[^"\\]|\\.)*")\s*,\s*("(?:[^"\\]|\\.)*")/;

function fromPreview(text: string): Message | undefined {
  const m = V2_HEAD.exec(text);
  if (!m) return undefined;
  const [joinRef, ref, topic, event] = m.slice(1).map((x) => parseJson(x)) as (string | null)[];
  return { serializer: 'v2', joinRef, ref, topic: topic ?? '', event: event ?? '', payload: undefined };
}

function flavorOf(topic: string): Flavor | undefined {
  if (topic.startsWith('realtime:')) return 'Supabase Realtime';
  if (topic.startsWith('lv:') || topic.startsWith('lvu:')) return 'LiveView';
  return undefined;
}

/** "how many parts changed": the top-level keys of a LiveView diff or rendered tree */
const parts = (v: unknown): number | undefined => (isRecord(v) ? Object.keys(v).length : undefined);

function presenceCount(v: unknown): number {
  return isRecord(v) ? Object.keys(v).length : 0;
}

/** the summary of a message on its own, without its reply */
function describe(msg: Message, flavor: Flavor | undefined, search: string[]): string {
  const p = isRecord(msg.payload) ? msg.payload : {};
  const t = msg.topic;
  switch (msg.event) {
    case 'heartbeat':
      return 'heartbeat';
    case 'phx_join':
      return `join ${t}`;
    case 'phx_leave':
      return `leave ${t}`;
    case 'phx_reply':
      // a reply whose push was not seen (the panel opened late)
      return `reply ${replyStatus(msg).status} ${t}`;
    case 'phx_close':
      return `close ${t}`;
    case 'phx_error':
      return `channel error ${t}`;
    case 'presence_state':
      return `presence_state ${t} · ${presenceCount(msg.payload)} present`;
    case 'presence_diff': {
      const joins = presenceCount(p.joins);
      const leaves = presenceCount(p.leaves);
      return `presence_diff ${t} · ${joins} joined, ${leaves} left`;
    }
  }
  if (flavor === 'Supabase Realtime') {
    if ((msg.event === 'broadcast' || msg.event === 'presence') && typeof p.event === 'string') {
      search.push(p.event);
      return `${msg.event} ${p.event} ${t}`;
    }
    if (msg.event === 'postgres_changes' && isRecord(p.data)) {
      const d = p.data;
      const table = [d.schema, d.table].filter((x) => typeof x === 'string').join('.');
      search.push(String(d.type), table);
      return `postgres_changes ${String(d.type ?? '?')} ${table} ${t}`;
    }
    if (msg.event === 'system' && typeof p.message === 'string') {
      search.push(p.message);
      return `system ${t}${typeof p.extension === 'string' ? ` ${p.extension}` : ''}: ${clip(p.message, 80)}`;
    }
  }
  if (flavor === 'LiveView') {
    if (msg.event === 'event' && typeof p.event === 'string') {
      search.push(p.event, String(p.type ?? ''));
      return `event ${String(p.type ?? '?')} ${p.event} ${t}`;
    }
    if (msg.event === 'diff') return `diff ${t} · ${plural(parts(msg.payload) ?? 0, 'part')}`;
  }
  return `${msg.event} ${t}`;
}

/** what a reply answered, for its summary: `join room:x`, `heartbeat`, `event inc`, `new_msg` */
function asked(push: Push): string {
  const m = push.msg;
  if (m.event === 'phx_join') return `join ${m.topic}`;
  if (m.event === 'phx_leave') return `leave ${m.topic}`;
  if (m.event === 'heartbeat') return 'heartbeat';
  const p = isRecord(m.payload) ? m.payload : {};
  if ((m.event === 'event' || m.event === 'broadcast' || m.event === 'presence') && typeof p.event === 'string') return `${m.event} ${p.event}`;
  return m.event;
}

function replyStatus(msg: Message): { status: string; response: unknown } {
  const p = isRecord(msg.payload) ? msg.payload : {};
  return { status: typeof p.status === 'string' ? p.status : '?', response: p.response };
}

function reason(response: unknown): string | undefined {
  if (typeof response === 'string') return response;
  if (isRecord(response)) for (const k of ['reason', 'message', 'error']) if (typeof response[k] === 'string') return response[k] as string;
  return undefined;
}

class PhoenixDecoder implements SocketDecoder {
  /** pushes waiting for their reply, by `topic|ref` */
  private pending = new Map<string, Push>();
  /** the join each channel instance (join_ref) started with */
  private joins = new Map<string, number>();
  private flavor: Flavor | undefined;

  decode(frame: FrameInput): DecodeOutput {
    let msg: Message | string;
    let error: string | undefined;
    if (frame.bytes) {
      if (frame.bytes.length === 0) return { decoded: null };
      msg = fromBinary(frame.bytes, frame.direction);
      if (frame.truncated) error = TRUNCATED;
    } else {
      const t = frame.text;
      if (!t) return { decoded: null };
      const c = t.charCodeAt(0);
      if (c !== 91 /* [ */ && c !== 123 /* { */) return { decoded: null };
      const v = parseJson(t);
      if (v === undefined) {
        const head = frame.truncated ? fromPreview(t) : undefined;
        if (!head) return { decoded: bad(frame.truncated ? TRUNCATED : 'malformed JSON') };
        msg = head;
        error = TRUNCATED;
      } else msg = fromJson(v);
    }
    if (typeof msg === 'string') return { decoded: bad(error ?? msg) };
    error ??= msg.error;
    const flavor = flavorOf(msg.topic);
    if (flavor && this.flavor !== 'Supabase Realtime') this.flavor = flavor;
    const push: Push = { seq: frame.seq, mono: frame.mono, msg, flavor: flavor ?? this.flavor };
    const related: Related[] = [];
    const updates: DecodeOutput['updates'] = [];

    if (msg.event === 'phx_reply') {
      const key = `${msg.topic}|${msg.ref}`;
      const req = frame.direction === 'received' ? this.pending.get(key) : undefined;
      if (req) {
        this.pending.delete(key);
        const { status, response } = replyStatus(msg);
        const isLive = req.flavor === 'LiveView' && isRecord(response);
        req.reply = {
          seq: frame.seq,
          status,
          rtt: Math.max(0, frame.mono - req.mono),
          reason: status === 'ok' ? undefined : reason(response),
          parts: isLive ? parts(response.diff ?? response.rendered) : undefined,
        };
        related.push({ seq: req.seq, label: req.msg.event });
        updates.push({ seq: req.seq, decoded: render(req, []) });
        return { decoded: renderReply(push, req, related, error), updates };
      }
    } else if (msg.ref !== null && frame.direction === 'sent') {
      remember(this.pending, `${msg.topic}|${msg.ref}`, push);
      // the join's own ref is the channel's join_ref until its reply says it joined
      if (msg.event === 'phx_join') remember(this.joins, msg.joinRef ?? msg.ref, frame.seq);
    } else if ((msg.event === 'phx_close' || msg.event === 'phx_error') && frame.direction === 'received') {
      const join = this.joins.get(msg.joinRef ?? msg.ref ?? '');
      if (join !== undefined) related.push({ seq: join, label: 'phx_join' });
    }
    return { decoded: render(push, related, error) };
  }
}

function bad(error: string): Decoded {
  return { protocol: 'phoenix', summary: 'Phoenix (unreadable)', fields: {}, search: '', error };
}

function baseFields(push: Push): Record<string, unknown> {
  const m = push.msg;
  const fields: Record<string, unknown> = { serializer: m.serializer, topic: m.topic, event: m.event, ref: m.ref, joinRef: m.joinRef };
  if (push.flavor) fields.flavor = push.flavor;
  return fields;
}

function searchOf(push: Push, extra: string[]): string {
  const m = push.msg;
  return [m.event, m.topic, m.ref, m.joinRef, push.flavor, ...extra].filter((x) => x !== null && x !== undefined && x !== '').join(' ');
}

function render(push: Push, related: Related[], error?: string): Decoded {
  const m = push.msg;
  const search: string[] = [];
  let summary = describe(m, push.flavor, search);
  const fields = baseFields(push);
  if (m.payload !== undefined) fields.payload = m.payload;
  const r = push.reply;
  const rel = related.slice();
  if (r) {
    summary += ` · ${r.status}${r.reason ? `: ${clip(r.reason, 80)}` : ''}${r.parts !== undefined ? ` · ${plural(r.parts, 'part')}` : ''} · ${formatMs(r.rtt)}`;
    fields.reply = { status: r.status, ...(r.reason ? { reason: r.reason } : {}), rtt: r.rtt };
    rel.push({ seq: r.seq, label: 'phx_reply' });
  }
  const d: Decoded = { protocol: 'phoenix', summary, fields, search: searchOf(push, search) };
  if (rel.length) d.related = rel;
  if (error) d.error = error;
  if (m.topic === 'phoenix' && (m.event === 'heartbeat' || m.event === 'phx_reply')) d.heartbeat = true;
  return d;
}

function renderReply(push: Push, req: Push, related: Related[], error?: string): Decoded {
  const m = push.msg;
  const { status, response } = replyStatus(m);
  const r = req.reply!;
  const fields = baseFields(push);
  fields.status = status;
  if (response !== undefined) fields.response = response;
  fields.replyTo = asked(req);
  let summary = `reply ${status}`;
  if (r.reason) summary += `: ${clip(r.reason, 80)}`;
  summary += ` · ${asked(req)}`;
  if (r.parts !== undefined) summary += ` · ${isRecord(response) && response.diff !== undefined ? 'diff' : 'rendered'} ${plural(r.parts, 'part')}`;
  summary += ` · ${formatMs(r.rtt)}`;
  const search = [status, asked(req)];
  if (r.reason) search.push(r.reason);
  const d: Decoded = { protocol: 'phoenix', summary, fields, search: searchOf(push, search), related, rtt: r.rtt };
  if (error) d.error = error;
  if (req.msg.event === 'heartbeat') d.heartbeat = true;
  return d;
}

/** strict content detection: a whole message whose event is one of Phoenix's own (or on the `phoenix` topic) */
function looksLikePhoenix(frame: FrameInput): boolean {
  const t = frame.text;
  if (!t || !t.includes('"')) return false;
  const c = t.charCodeAt(0);
  if (c === 91 /* [ */) {
    if (!t.includes('"phx_') && !t.includes('"phoenix"') && !t.includes('"presence_')) return false;
  } else if (c === 123 /* { */) {
    if (!t.includes('"topic"') || !t.includes('"event"')) return false;
  } else return false;
  const v = parseJson(t);
  const m = fromJson(v);
  if (typeof m === 'string' || !isRecord(m.payload)) return false;
  if (!OWN_EVENTS.has(m.event) && m.topic !== 'phoenix') return false;
  // a v1 object has only the serializer's keys, and a ref key (null for broadcasts)
  // the serializers write refs as strings; a number is some other protocol's array
  const strictRef = (x: unknown) => x === null || x === undefined || typeof x === 'string';
  if (m.serializer === 'v2') return strictRef((v as unknown[])[0]) && strictRef((v as unknown[])[1]);
  if (m.serializer === 'v1') {
    const keys = Object.keys(v as object);
    return 'ref' in (v as object) && strictRef((v as Record<string, unknown>).ref) && keys.every((k) => k === 'topic' || k === 'event' || k === 'payload' || k === 'ref' || k === 'join_ref');
  }
  return true;
}

const URL_PATHS = /\/(socket|live|realtime\/v1)\/websocket\/?$/;

export const phoenix: Protocol = {
  id: 'phoenix',
  label: 'Phoenix Channels',
  byHandshake(url) {
    const u = parseUrl(url);
    if (!u) return false;
    if (URL_PATHS.test(u.pathname)) return true;
    const vsn = u.searchParams.get('vsn');
    return u.pathname.endsWith('/websocket') && (vsn === '1.0.0' || vsn === '2.0.0');
  },
  byContent: looksLikePhoenix,
  create: () => new PhoenixDecoder(),
};
