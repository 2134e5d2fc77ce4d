/**
 * WAMP v2 (the Web Application Messaging Protocol), basic profile, over a websocket: one message a frame, an array
 * led by its type number, serialized as JSON (`wamp.2.json`, text frames), MessagePack (`wamp.2.msgpack`) or CBOR
 * (`wamp.2.cbor`, binary frames). Requests pair with their answers by request id (CALL/RESULT/ERROR,
 * SUBSCRIBE/SUBSCRIBED, PUBLISH/PUBLISHED, REGISTER/REGISTERED, INVOCATION/YIELD, HELLO/WELCOME or ABORT), and the
 * ids a router hands out are remembered so that an EVENT names its topic and an INVOCATION its procedure.
 */
import type { Decoded, DecodeOutput, FrameInput, Protocol, Related, SocketDecoder } from './types';
import { isRecord } from '../lib/isRecord';
import { readCbor } from './cbor';
import { readMsgpack } from './msgpack';
import { argsPreview, toTree } from './tree';
import { clip, formatMs, parseJson, remember, shortValue, TRUNCATED } from './util';

const NAMES: Record<number, string> = {
  1: 'HELLO', 2: 'WELCOME', 3: 'ABORT', 4: 'CHALLENGE', 5: 'AUTHENTICATE', 6: 'GOODBYE', 8: 'ERROR', 16: 'PUBLISH',
  17: 'PUBLISHED', 32: 'SUBSCRIBE', 33: 'SUBSCRIBED', 34: 'UNSUBSCRIBE', 35: 'UNSUBSCRIBED', 36: 'EVENT', 48: 'CALL',
  49: 'CANCEL', 50: 'RESULT', 64: 'REGISTER', 65: 'REGISTERED', 66: 'UNREGISTER', 67: 'UNREGISTERED', 68: 'INVOCATION',
  69: 'INTERRUPT', 70: 'YIELD',
};

/** each message's elements after its type, by the spec's names; the ones after `|` are optional */
const LAYOUT: Record<number, string> = {
  1: 'realm details', 2: 'session details', 3: 'details reason', 4: 'authMethod extra', 5: 'signature extra',
  6: 'details reason', 8: 'requestType request details error | args kwargs', 16: 'request options topic | args kwargs',
  17: 'request publication', 32: 'request options topic', 33: 'request subscription', 34: 'request subscription',
  35: 'request | details', 36: 'subscription publication details | args kwargs', 48: 'request options procedure | args kwargs',
  49: 'request options', 50: 'request details | args kwargs', 64: 'request options procedure', 65: 'request registration',
  66: 'request registration', 67: 'request | details', 68: 'request registration details | args kwargs',
  69: 'request options', 70: 'request options | args kwargs',
};

/** an answer's type → the type of the request it answers */
const ANSWERS: Record<number, number> = { 2: 1, 3: 1, 5: 4, 17: 16, 33: 32, 35: 34, 50: 48, 65: 64, 67: 66, 70: 68 };
/** requests whose answer comes back with the same request id */
const REQUESTS = new Set([1, 4, 16, 32, 34, 48, 64, 66, 68]);

interface Message {
  type: number;
  f: Record<string, unknown>;
  problem?: string;
  /** the topic or procedure a subscription or registration id stands for */
  name?: string;
  pair?: { seq: number; rtt: number; label: string };
  /** a GOODBYE that answers the other side's */
  reply?: boolean;
  links: Related[];
}

interface Frame {
  seq: number;
  mono: number;
  m: Message;
  truncated: boolean;
}

const id = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? String(v) : '?');

function read(v: unknown): Message | undefined {
  if (!Array.isArray(v) || typeof v[0] !== 'number' || !Number.isInteger(v[0])) return undefined;
  const type = v[0];
  const layout = LAYOUT[type];
  const m: Message = { type, f: { type: NAMES[type] ?? `type ${type}` }, links: [] };
  if (!layout) {
    m.problem = `unknown message type ${type}`;
    m.f.elements = v.slice(1).map((x) => toTree(x));
    return m;
  }
  const [required, optional = ''] = layout.split(' | ');
  const names = required.split(' ');
  const all = [...names, ...optional.split(' ').filter(Boolean)];
  for (let i = 0; i < all.length && i + 1 < v.length; i++) m.f[all[i]] = toTree(v[i + 1]);
  if (v.length - 1 < names.length) m.problem = `${NAMES[type]} with ${v.length - 1} elements, not ${names.length}`;
  else if (v.length - 1 > all.length) m.problem = `${NAMES[type]} with ${v.length - 1 - all.length} elements too many`;
  if (type === 8) m.f.requestType = NAMES[m.f.requestType as number] ?? m.f.requestType;
  return m;
}

function payload(f: Record<string, unknown>): string {
  const args = Array.isArray(f.args) ? argsPreview(f.args) : '';
  const kw = isRecord(f.kwargs) && Object.keys(f.kwargs).length ? ` {${clip(Object.keys(f.kwargs).join(', '), 40)}}` : '';
  return args || kw ? ` ${args}${kw}`.replace(/^ \(\) /, ' ') : '';
}

function summary(m: Message): string {
  const f = m.f;
  const name = NAMES[m.type] ?? `type ${m.type}`;
  const answer = m.pair ? ` · ${m.pair.label} in ${formatMs(m.pair.rtt)}` : '';
  const rtt = m.pair ? ` · ${formatMs(m.pair.rtt)}` : '';
  const of = m.name ? ` · ${m.name}` : '';
  switch (m.type) {
    case 1: {
      const roles = isRecord(f.details) && isRecord(f.details.roles) ? ` · roles ${Object.keys(f.details.roles).join(', ')}` : '';
      return `HELLO ${String(f.realm)}${roles}${answer}`;
    }
    case 2:
      return `WELCOME session ${id(f.session)}${rtt}`;
    case 3:
    case 6: {
      const message = isRecord(f.details) && typeof f.details.message === 'string' ? ` · ${clip(f.details.message, 80)}` : '';
      return `${name} ${String(f.reason)}${message}${m.type === 3 || m.reply ? rtt : answer}`;
    }
    case 8: {
      const args = Array.isArray(f.args) && f.args.length ? ` · ${shortValue(f.args[0], 60)}` : '';
      return `ERROR ${String(f.requestType)} #${id(f.request)} ${String(f.error)}${of}${args}${rtt}`;
    }
    case 16:
      return `PUBLISH ${String(f.topic)} #${id(f.request)}${payload(f)}${answer}`;
    case 32:
      return `SUBSCRIBE ${String(f.topic)} #${id(f.request)}${answer}`;
    case 48:
      return `CALL ${String(f.procedure)} #${id(f.request)}${payload(f)}${answer}`;
    case 64:
      return `REGISTER ${String(f.procedure)} #${id(f.request)}${answer}`;
    case 17:
      return `PUBLISHED #${id(f.request)}${of} · publication ${id(f.publication)}${rtt}`;
    case 33:
      return `SUBSCRIBED #${id(f.request)}${of} · subscription ${id(f.subscription)}${rtt}`;
    case 65:
      return `REGISTERED #${id(f.request)}${of} · registration ${id(f.registration)}${rtt}`;
    case 34:
    case 66:
      return `${name} #${id(f.request)}${of}${answer}`;
    case 35:
    case 67:
      return `${name} #${id(f.request)}${of}${rtt}`;
    case 36:
      return `EVENT ${m.name ?? `subscription ${id(f.subscription)}`}${payload(f)}`;
    case 50: {
      const progress = isRecord(f.details) && f.details.progress === true ? ' (progress)' : '';
      return `RESULT #${id(f.request)}${of}${progress}${payload(f)}${rtt}`;
    }
    case 68:
      return `INVOCATION ${m.name ?? `registration ${id(f.registration)}`} #${id(f.request)}${payload(f)}${answer}`;
    case 70:
      return `YIELD #${id(f.request)}${of}${payload(f)}${rtt}`;
    case 49:
    case 69:
      return `${name} #${id(f.request)}${of}`;
    case 4:
      return `CHALLENGE ${String(f.authMethod)}${answer}`;
    case 5:
      return `AUTHENTICATE${rtt}`;
    default:
      return m.problem ? `invalid: ${m.problem}` : name;
  }
}

function render(fr: Frame): Decoded {
  const m = fr.m;
  const related = [...m.links];
  if (m.pair && !related.some((r) => r.seq === m.pair!.seq)) related.push({ seq: m.pair.seq, label: m.pair.label });
  const search = [NAMES[m.type] ?? '', m.name ?? ''];
  for (const k of ['realm', 'topic', 'procedure', 'error', 'reason', 'request', 'session', 'subscription', 'registration']) {
    const v = m.f[k];
    if (typeof v === 'string' || typeof v === 'number') search.push(String(v));
  }
  const d: Decoded = { protocol: 'wamp', summary: summary(m), fields: m.f, search: search.filter(Boolean).join(' ') };
  if (related.length) d.related = related;
  if (m.pair && (ANSWERS[m.type] !== undefined || m.type === 8 || m.reply)) d.rtt = m.pair.rtt;
  const problem = fr.truncated ? TRUNCATED : m.problem;
  if (problem) d.error = problem;
  return d;
}

class WampDecoder implements SocketDecoder {
  /** requests waiting for their answer, by `type|request id` */
  private pending = new Map<string, Frame>();
  private goodbye?: Frame;
  /** subscription id → its topic and the SUBSCRIBE frame; registration id → its procedure and the REGISTER frame */
  private subscriptions = new Map<string, { name: string; seq: number }>();
  private registrations = new Map<string, { name: string; seq: number }>();

  decode(frame: FrameInput): DecodeOutput {
    try {
      return this.read(frame);
    } catch (e) {
      // a last guard: a page's bytes must never break the panel
      return { decoded: { protocol: 'wamp', summary: 'WAMP (unreadable)', fields: {}, search: '', error: String(e) } };
    }
  }

  private read(frame: FrameInput): DecodeOutput {
    let value: unknown;
    let failure: string | undefined;
    if (frame.text !== undefined) {
      if (frame.text.charCodeAt(0) !== 91 /* [ */) return { decoded: null };
      value = parseJson(frame.text);
      if (value === undefined) failure = 'malformed JSON';
    } else if (frame.bytes?.length) {
      // a WAMP message is an array of 2 to 7 elements: 0x92–0x97 in MessagePack, 0x82–0x87 in CBOR
      const b = frame.bytes;
      const r = b[0] >> 4 === 0x9 ? readMsgpack(b) : b[0] >> 5 === 4 ? readCbor(b) : { error: 'neither a MessagePack nor a CBOR array' };
      if ('value' in r) value = r.value;
      else failure = r.error;
    } else return { decoded: null };
    const m = value === undefined ? undefined : read(value);
    if (!m) {
      const error = frame.truncated ? TRUNCATED : failure ? `not a WAMP message: ${failure}` : 'not a WAMP message: an array led by its type number';
      return { decoded: { protocol: 'wamp', summary: 'WAMP (unreadable)', fields: {}, search: '', error } };
    }
    const fr: Frame = { seq: frame.seq, mono: frame.mono, m, truncated: frame.truncated };
    const touched = new Map<number, Frame>();
    this.pair(fr, touched);
    const decoded = render(fr);
    if (!touched.size) return { decoded };
    return { decoded, updates: [...touched.values()].map((t) => ({ seq: t.seq, decoded: render(t) })) };
  }

  private pair(fr: Frame, touched: Map<number, Frame>): void {
    const m = fr.m;
    const f = m.f;
    const request = id(f.request);
    const answer = (req: Frame | undefined, back: string) => {
      if (!req) return;
      const rtt = Math.max(0, fr.mono - req.mono);
      m.pair = { seq: req.seq, rtt, label: NAMES[req.m.type] };
      req.m.pair = { seq: fr.seq, rtt, label: back };
      touched.set(req.seq, req);
      // an answer names what its request was about
      m.name ??= req.m.name ?? (typeof req.m.f.topic === 'string' ? req.m.f.topic : typeof req.m.f.procedure === 'string' ? req.m.f.procedure : undefined);
    };
    const take = (type: number, keep = false) => {
      const key = `${type}|${type === 1 || type === 4 ? '' : request}`;
      const req = this.pending.get(key);
      if (!keep) this.pending.delete(key);
      return req;
    };

    // what ids stand for
    const sub = this.subscriptions.get(id(f.subscription));
    const reg = this.registrations.get(id(f.registration));
    if ((m.type === 34 || m.type === 36) && sub) {
      m.name = sub.name;
      m.links.push({ seq: sub.seq, label: 'SUBSCRIBE' });
    }
    if ((m.type === 66 || m.type === 68) && reg) {
      m.name = reg.name;
      m.links.push({ seq: reg.seq, label: 'REGISTER' });
    }

    if (REQUESTS.has(m.type)) {
      remember(this.pending, `${m.type}|${m.type === 1 || m.type === 4 ? '' : request}`, fr);
    } else if (m.type === 8) {
      const type = Number(Object.keys(NAMES).find((k) => NAMES[Number(k)] === f.requestType));
      answer(take(type), 'ERROR');
    } else if (ANSWERS[m.type] !== undefined) {
      // progressive call results keep the call open
      const progress = m.type === 50 && isRecord(f.details) && f.details.progress === true;
      const req = take(ANSWERS[m.type], progress);
      answer(req, NAMES[m.type]);
      if (req && m.type === 33) remember(this.subscriptions, id(f.subscription), { name: String(req.m.f.topic), seq: req.seq });
      if (req && m.type === 65) remember(this.registrations, id(f.registration), { name: String(req.m.f.procedure), seq: req.seq });
    } else if (m.type === 6) {
      // GOODBYE is answered by a GOODBYE from the other side
      if (this.goodbye) {
        m.reply = true;
        answer(this.goodbye, 'GOODBYE');
      }
      this.goodbye = this.goodbye ? undefined : fr;
    } else if (m.type === 49 || m.type === 69) {
      const req = this.pending.get(`${m.type === 49 ? 48 : 68}|${request}`);
      if (req) {
        m.links.push({ seq: req.seq, label: NAMES[req.m.type] });
        m.name = req.m.name ?? (typeof req.m.f.procedure === 'string' ? req.m.f.procedure : undefined);
      }
    }
    if (m.type === 36 && !sub) m.name = undefined;
  }
}

/** HELLO, the client's first message: `[1, "realm", {"roles": {…}}]` */
function isHello(frame: FrameInput): boolean {
  const t = frame.text;
  if (!t || !/^\[\s*1\s*,/.test(t)) return false;
  const v = parseJson(t);
  return Array.isArray(v) && v.length === 3 && typeof v[1] === 'string' && isRecord(v[2]) && isRecord(v[2].roles);
}

export const wamp: Protocol = {
  id: 'wamp',
  label: 'WAMP',
  // wamp.2.json, wamp.2.msgpack, wamp.2.cbor (and their .batched forms, not decoded as batches)
  byHandshake: (_url, subprotocol) => /^wamp\.2\./.test(subprotocol),
  byContent: isHello,
  create: () => new WampDecoder(),
};
