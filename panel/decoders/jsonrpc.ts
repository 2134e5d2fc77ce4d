/**
 * JSON-RPC 2.0 over a websocket: requests, notifications, results, errors and batches. Either side may call the
 * other (servers push requests too), so a response pairs with the request of the same id sent the other way.
 */
import type { Decoded, DecodeOutput, FrameInput, Protocol, Related, SocketDecoder } from './types';
import { plural } from '../lib/format';
import { isRecord } from '../lib/isRecord';
import { clip, formatMs, parseJson, previewMembers, remember, TRUNCATED } from './util';

type Direction = FrameInput['direction'];
type Id = string | number | null;

/** One JSON-RPC message: a frame holds one, or a batch of them. */
interface Item {
  kind: 'request' | 'notification' | 'result' | 'error' | 'event' | 'invalid';
  id?: Id;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown };
  /** why an item is invalid */
  problem?: string;
  /** a request's response, or a response's request, once paired */
  pair?: { seq: number; rtt: number; kind: Item['kind'] };
}

/** One frame's messages; kept while its requests wait for their responses, which re-render it. */
interface Message {
  seq: number;
  direction: Direction;
  mono: number;
  items: Item[];
  batch: boolean;
  truncated: boolean;
}

const isId = (v: unknown): v is Id => typeof v === 'string' || typeof v === 'number' || v === null;
const idKey = (id: Id) => (typeof id === 'string' ? `s${id}` : `n${id}`);
const showId = (id: Id | undefined) => `#${id === undefined ? '?' : typeof id === 'string' && id.length > 12 ? id.slice(0, 8) : String(id)}`;
const other = (d: Direction): Direction => (d === 'sent' ? 'received' : 'sent');

/** One message of a frame; null when it is not JSON-RPC at all (another protocol's JSON on the socket). */
function readItem(v: unknown): Item | null {
  if (!isRecord(v)) return null;
  if (v.jsonrpc !== '2.0') {
    // rpc-websockets pushes its events as {notification, params}, without "jsonrpc"
    if (typeof v.notification === 'string') return { kind: 'event', method: v.notification, params: v.params };
    return null;
  }
  if ('method' in v) {
    if (typeof v.method !== 'string') return { kind: 'invalid', problem: '"method" is not a string' };
    if (v.params !== undefined && typeof v.params !== 'object') return { kind: 'invalid', method: v.method, problem: '"params" is neither an array nor an object' };
    if (!('id' in v)) return { kind: 'notification', method: v.method, params: v.params };
    if (!isId(v.id)) return { kind: 'invalid', method: v.method, problem: 'a bad "id"' };
    return { kind: 'request', id: v.id, method: v.method, params: v.params };
  }
  const id = isId(v.id) ? v.id : undefined;
  if (id === undefined) return { kind: 'invalid', problem: 'a response without a valid "id"' };
  if ('result' in v === 'error' in v) return { kind: 'invalid', id, problem: 'a response needs exactly one of "result" and "error"' };
  if ('result' in v) return { kind: 'result', id, result: v.result };
  if (!isRecord(v.error)) return { kind: 'invalid', id, problem: '"error" is not an object' };
  const item: Item = { kind: 'error', id, error: v.error };
  if (typeof v.error.code !== 'number' || typeof v.error.message !== 'string') item.problem = 'an error needs a numeric "code" and a "message"';
  return item;
}

/** What the head of a cut-off message still says; a request whose id was cut shows as `call m #?`. */
function readPreview(text: string): Item {
  const m = previewMembers(text);
  const id = isId(m.id) ? m.id : undefined;
  if (typeof m.method === 'string') return { kind: 'request', id, method: m.method };
  if (id !== undefined && 'result' in m) return { kind: 'result', id };
  if (id !== undefined && 'error' in m) return { kind: 'error', id, error: {} };
  return { kind: 'invalid' };
}

function itemFields(it: Item): Record<string, unknown> {
  const f: Record<string, unknown> = { type: it.kind };
  if (it.id !== undefined) f.id = it.id;
  if (it.method !== undefined) f.method = it.method;
  if (it.params !== undefined) f.params = it.params;
  if (it.result !== undefined) f.result = it.result;
  if (it.error !== undefined) f.error = it.error;
  if (it.problem) f.problem = it.problem;
  return f;
}

function itemSummary(it: Item): string {
  const rtt = it.pair ? ` · ${formatMs(it.pair.rtt)}` : '';
  const method = it.method !== undefined ? ` · ${it.method}` : '';
  switch (it.kind) {
    case 'request': {
      const answer = it.pair ? ` · ${it.pair.kind === 'error' ? 'error' : 'result'} in ${formatMs(it.pair.rtt)}` : '';
      return `call ${it.method} ${showId(it.id)}${answer}`;
    }
    case 'notification':
      return `notify ${it.method}`;
    case 'event':
      return `event ${it.method}`;
    case 'result':
      return `result ${showId(it.id)}${method}${rtt}`;
    case 'error': {
      const e = it.error ?? {};
      const message = typeof e.message === 'string' ? ` ${clip(e.message, 80)}` : '';
      const code = e.code !== undefined ? ` ${String(e.code)}` : '';
      return `error${code}${message}${it.id !== null ? ` ${showId(it.id)}` : ''}${method}${rtt}`;
    }
    default:
      return it.problem ? `invalid: ${it.problem}` : 'JSON-RPC';
  }
}

function render(m: Message): Decoded {
  const related: Related[] = [];
  const seen = new Set<number>();
  const search: string[] = [];
  for (const it of m.items) {
    if (it.pair && !seen.has(it.pair.seq)) {
      seen.add(it.pair.seq);
      related.push({ seq: it.pair.seq, label: it.pair.kind === 'request' ? 'request' : it.pair.kind });
    }
    if (it.method !== undefined) search.push(it.method);
    if (it.id !== undefined && it.id !== null) search.push(String(it.id));
    if (typeof it.error?.message === 'string') search.push(it.error.message);
  }
  let summary: string;
  let fields: Record<string, unknown>;
  let rtt: number | undefined;
  if (m.batch) {
    fields = { batch: m.items.map(itemFields) };
    const responses = m.items.filter((it) => it.kind === 'result' || it.kind === 'error');
    let detail: string;
    if (responses.length === m.items.length) {
      const errors = responses.filter((it) => it.kind === 'error').length;
      const results = responses.length - errors;
      detail = [results && plural(results, 'result'), errors && plural(errors, 'error')].filter(Boolean).join(', ');
      rtt = responses.find((it) => it.pair)?.pair?.rtt;
    } else {
      detail = clip(m.items.map((it) => it.method ?? '?').join(', '), 80);
      const answered = m.items.find((it) => it.kind === 'request' && it.pair)?.pair;
      if (answered) detail += ` · answered in ${formatMs(answered.rtt)}`;
    }
    summary = `batch of ${m.items.length}${detail ? ` · ${detail}` : ''}${rtt !== undefined ? ` · ${formatMs(rtt)}` : ''}`;
  } else {
    const it = m.items[0];
    fields = itemFields(it);
    summary = itemSummary(it);
    if (it.kind === 'result' || it.kind === 'error') rtt = it.pair?.rtt;
  }
  const d: Decoded = { protocol: 'json-rpc', summary, fields, search: search.join(' ') };
  if (related.length) d.related = related;
  if (rtt !== undefined) d.rtt = rtt;
  const problem = m.truncated ? TRUNCATED : m.items.find((it) => it.problem)?.problem;
  if (problem) d.error = problem;
  return d;
}

class JsonRpcDecoder implements SocketDecoder {
  /** requests waiting for their response, by `direction|id` */
  private pending = new Map<string, { message: Message; item: Item }>();

  decode(frame: FrameInput): DecodeOutput {
    const text = frame.text;
    if (!text) return { decoded: null };
    const c = text.charCodeAt(0);
    if (c !== 123 /* { */ && c !== 91 /* [ */) return { decoded: null };
    const value = parseJson(text);
    let items: Item[];
    if (value === undefined) {
      // only claim a broken frame when it says it is JSON-RPC
      if (!text.includes('"jsonrpc"')) return { decoded: null };
      items = [frame.truncated ? readPreview(text) : { kind: 'invalid', problem: 'malformed JSON' }];
    } else if (Array.isArray(value)) {
      const read = value.map(readItem);
      if (!read.some(Boolean)) return { decoded: null };
      items = read.map((it) => it ?? { kind: 'invalid', problem: 'not a JSON-RPC 2.0 message' });
    } else {
      const it = readItem(value);
      if (!it) return { decoded: null };
      items = [it];
    }
    const m: Message = { seq: frame.seq, direction: frame.direction, mono: frame.mono, items, batch: Array.isArray(value), truncated: frame.truncated };
    const touched = new Map<number, Message>();
    for (const it of items) {
      if (it.kind === 'request' && it.id !== undefined) remember(this.pending, `${m.direction}|${idKey(it.id)}`, { message: m, item: it });
      else if ((it.kind === 'result' || it.kind === 'error') && it.id !== null && it.id !== undefined) {
        const key = `${other(m.direction)}|${idKey(it.id)}`;
        const req = this.pending.get(key);
        if (!req) continue;
        this.pending.delete(key);
        const rtt = Math.max(0, m.mono - req.message.mono);
        it.method = req.item.method;
        it.pair = { seq: req.message.seq, rtt, kind: 'request' };
        req.item.pair = { seq: m.seq, rtt, kind: it.kind };
        touched.set(req.message.seq, req.message);
      }
    }
    const decoded = render(m);
    if (!touched.size) return { decoded };
    return { decoded, updates: [...touched.values()].map((t) => ({ seq: t.seq, decoded: render(t) })) };
  }
}

// `jsonrpc`, `json-rpc`, `jsonrpc-2.0`: there is no registered name, servers pick their own
const JSONRPC_SUBPROTOCOL = /^json-?rpc/i;

/** a JSON-RPC 2.0 message object: what detection insists on */
function isJsonRpc(v: unknown): boolean {
  return isRecord(v) && v.jsonrpc === '2.0' && (typeof v.method === 'string' || 'result' in v || 'error' in v);
}

export const jsonRpc: Protocol = {
  id: 'json-rpc',
  label: 'JSON-RPC 2.0',
  byHandshake: (_url, subprotocol) => JSONRPC_SUBPROTOCOL.test(subprotocol),
  byContent(frame) {
    const t = frame.text;
    if (!t || !t.includes('"jsonrpc"')) return false;
    const c = t.charCodeAt(0);
    if (c !== 123 && c !== 91) return false;
    const v = parseJson(t);
    return Array.isArray(v) ? v.length > 0 && v.every(isJsonRpc) : isJsonRpc(v);
  },
  create: () => new JsonRpcDecoder(),
};
