/**
 * Action Cable (Rails; AnyCable speaks it too), subprotocol `actioncable-v1-json`. The client sends commands
 * `{command: subscribe|unsubscribe|message, identifier, data?}`; the server sends `{type: welcome|ping|disconnect|
 * confirm_subscription|reject_subscription}` and channel messages `{identifier, message}`. The identifier is itself
 * JSON, `{"channel":"ChatChannel","room":"lobby"}`: the channel and its params name the subscription. `perform`
 * sends `data` JSON with an `action`. Turbo Streams arrive as messages holding `<turbo-stream>` HTML: they are
 * summarised by action and target and shown as text (the panel never renders a page's HTML).
 */
import type { Decoded, DecodeOutput, FrameInput, Protocol, Related, SocketDecoder } from './types';
import { isRecord } from '../lib/isRecord';
import { clip, formatMs, parseJson, parseUrl, previewMembers, remember, shortValue, setOwn, TRUNCATED } from './util';

// not actioncable-v1-msgpack (AnyCable's binary variant): this decoder reads JSON only
const SUBPROTOCOLS = new Set(['actioncable-v1-json', 'actioncable-unsupported']);
const SERVER_TYPES = new Set(['welcome', 'ping', 'disconnect', 'confirm_subscription', 'reject_subscription']);
const COMMANDS = new Set(['subscribe', 'unsubscribe', 'message']);

interface Channel {
  /** the identifier as sent: subscriptions are keyed by it, byte for byte */
  identifier: string;
  channel?: string;
  params: Record<string, unknown>;
  /** `ChatChannel room="lobby"` */
  label: string;
}

function channelOf(identifier: string): Channel {
  const v = parseJson(identifier);
  if (!isRecord(v)) return { identifier, params: {}, label: clip(identifier, 60) };
  const params: Record<string, unknown> = {};
  // own keys only, as own properties (a `__proto__` key in the identifier is a key like any other)
  for (const k of Object.keys(v)) if (k !== 'channel') setOwn(params, k, v[k]);
  const channel = typeof v.channel === 'string' ? v.channel : undefined;
  const args = Object.keys(params).map((k) => `${k}=${shortValue(params[k], 24)}`);
  return { identifier, channel, params, label: [channel ?? '?', ...args].join(' ') };
}

interface TurboStream {
  action?: string;
  target?: string;
  targets?: string;
  /** the fragment as text, clipped */
  html: string;
}

const TURBO_STREAM = /<turbo-stream\b([^>]*)>/gi;
const ATTRIBUTE = /([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g;

/** the `<turbo-stream>` elements in a message, read as text with a regular expression: nothing is parsed as HTML */
export function turboStreams(text: string): TurboStream[] {
  const out: TurboStream[] = [];
  for (const m of text.matchAll(TURBO_STREAM)) {
    const attrs: Record<string, string> = {};
    for (const a of m[1].matchAll(ATTRIBUTE)) attrs[a[1].toLowerCase()] = a[2] ?? a[3] ?? a[4] ?? '';
    const end = text.indexOf('</turbo-stream>', m.index);
    const html = text.slice(m.index, end < 0 ? text.length : end + 15);
    const s: TurboStream = { html: clip(html, 2000) };
    if (attrs.action !== undefined) s.action = attrs.action;
    if (attrs.target !== undefined) s.target = attrs.target;
    if (attrs.targets !== undefined) s.targets = attrs.targets;
    out.push(s);
    if (out.length >= 50) break;
  }
  return out;
}

function turboSummary(streams: TurboStream[]): string {
  const first = streams[0];
  const where = first.target !== undefined ? ` #${first.target}` : first.targets !== undefined ? ` ${first.targets}` : '';
  return `turbo-stream ${first.action ?? '?'}${where}${streams.length > 1 ? ` (+${streams.length - 1} more)` : ''}`;
}

interface Subscribe {
  seq: number;
  mono: number;
  view: Decoded;
  channel: Channel;
  answer?: { seq: number; type: string; rtt: number };
}

class ActionCableDecoder implements SocketDecoder {
  /** subscribe commands by identifier: the latest is the one a confirmation answers and messages belong to */
  private subs = new Map<string, Subscribe>();

  decode(frame: FrameInput): DecodeOutput {
    const t = frame.text;
    if (!t || t.charCodeAt(0) !== 123 /* { */) return { decoded: null };
    const v = parseJson(t);
    if (v === undefined) {
      if (!frame.truncated) return { decoded: out('Action Cable (unreadable)', {}, '', 'malformed JSON') };
      return { decoded: this.preview(t) };
    }
    if (!isRecord(v)) return { decoded: null };
    const error = frame.truncated ? TRUNCATED : undefined;
    if (typeof v.command === 'string') return this.command(frame, v, error);
    if (typeof v.type === 'string' && SERVER_TYPES.has(v.type)) return this.control(frame, v, error);
    if (typeof v.identifier === 'string' && 'message' in v) return { decoded: this.message(v.identifier, v.message, error) };
    return { decoded: out('Action Cable (unknown message)', v, '', 'neither a command, a server message type nor a channel message') };
  }

  private command(frame: FrameInput, v: Record<string, unknown>, error?: string): DecodeOutput {
    const command = v.command as string;
    if (typeof v.identifier !== 'string') return { decoded: out(command, v, command, error ?? 'a command needs an identifier string') };
    const ch = channelOf(v.identifier);
    const fields: Record<string, unknown> = { command, channel: ch.channel, params: ch.params, identifier: ch.identifier };
    const search = [command, ch.channel, ch.identifier];
    const sub = this.subs.get(ch.identifier);
    const related: Related[] = [];
    let summary: string;
    if (command === 'subscribe') {
      const view = out(`subscribe ${ch.label}`, fields, search.join(' '), error);
      remember(this.subs, ch.identifier, { seq: frame.seq, mono: frame.mono, view, channel: ch });
      return { decoded: view };
    }
    if (command === 'unsubscribe') {
      summary = `unsubscribe ${ch.label}`;
    } else if (command === 'message') {
      const data = typeof v.data === 'string' ? parseJson(v.data) : v.data;
      fields.data = data ?? v.data;
      const action = isRecord(data) && typeof data.action === 'string' ? data.action : undefined;
      if (action !== undefined) {
        fields.action = action;
        search.push(action);
      }
      summary = action !== undefined ? `perform ${action} · ${ch.label}` : `message ${ch.label}`;
      if (typeof v.data === 'string' && data === undefined) error ??= '"data" is not JSON';
    } else {
      summary = `${command} ${ch.label}`;
      error ??= COMMANDS.has(command) ? undefined : `unknown command ${JSON.stringify(clip(command, 40))}`;
    }
    if (sub) related.push({ seq: sub.seq, label: 'subscribe' });
    return { decoded: out(summary, fields, search.join(' '), error, related) };
  }

  private control(frame: FrameInput, v: Record<string, unknown>, error?: string): DecodeOutput {
    const type = v.type as string;
    switch (type) {
      case 'welcome':
        return { decoded: out('welcome', v, `welcome${typeof v.sid === 'string' ? ` ${v.sid}` : ''}`, error) };
      case 'ping': {
        // the server's beat: `message` is its clock, in seconds
        const d = out('ping', v, 'ping', error);
        d.heartbeat = true;
        return { decoded: d };
      }
      case 'disconnect': {
        const reason = typeof v.reason === 'string' ? v.reason : undefined;
        const again = v.reconnect === true ? ' (will reconnect)' : v.reconnect === false ? ' (no reconnect)' : '';
        return { decoded: out(`disconnect${reason ? `: ${reason}` : ''}${again}`, v, `disconnect ${reason ?? ''}`.trim(), error) };
      }
    }
    // confirm_subscription / reject_subscription: the answer to the subscribe with this identifier
    const identifier = typeof v.identifier === 'string' ? v.identifier : '';
    const ch = channelOf(identifier);
    const fields: Record<string, unknown> = { type, channel: ch.channel, params: ch.params, identifier };
    const search = `${type} ${ch.channel ?? ''} ${identifier}`;
    const sub = this.subs.get(identifier);
    if (!sub || sub.answer) return { decoded: out(`${type} ${ch.label}`, fields, search, error) };
    const rtt = Math.max(0, frame.mono - sub.mono);
    sub.answer = { seq: frame.seq, type, rtt };
    const confirmed = type === 'confirm_subscription';
    const decoded = out(`${type} ${ch.label} · ${formatMs(rtt)}`, fields, search, error, [{ seq: sub.seq, label: 'subscribe' }], rtt);
    const view: Decoded = {
      ...sub.view,
      summary: `${sub.view.summary} · ${confirmed ? 'confirmed' : 'rejected'} · ${formatMs(rtt)}`,
      fields: { ...sub.view.fields, state: confirmed ? 'confirmed' : 'rejected' },
      related: [{ seq: frame.seq, label: type }],
    };
    sub.view = view;
    // a rejected subscription receives nothing: messages for the identifier belong to a later subscribe
    return { decoded, updates: [{ seq: sub.seq, decoded: view }] };
  }

  private message(identifier: string, message: unknown, error?: string): Decoded {
    const ch = channelOf(identifier);
    const fields: Record<string, unknown> = { channel: ch.channel, params: ch.params, identifier, message };
    const search = ['message', ch.channel ?? '', identifier];
    let what: string;
    const streams = typeof message === 'string' && message.includes('<turbo-stream') ? turboStreams(message) : [];
    if (streams.length) {
      fields.turboStreams = streams;
      what = turboSummary(streams);
      for (const s of streams) search.push('turbo-stream', s.action ?? '', s.target ?? s.targets ?? '');
    } else if (isRecord(message)) {
      const keys = Object.keys(message).slice(0, 3);
      what = keys.map((k) => `${k}: ${shortValue(message[k], 30)}`).join(' · ') || '{}';
      for (const k of keys) if (typeof message[k] !== 'object') search.push(String(message[k]));
    } else {
      what = shortValue(message, 60);
      if (typeof message === 'string') search.push(message);
    }
    const sub = this.subs.get(identifier);
    const related = sub ? [{ seq: sub.seq, label: 'subscribe' }] : undefined;
    return out(`${ch.label} · ${what}`, fields, search.join(' '), error, related);
  }

  /** a cut-off frame: its head still says its type or command */
  private preview(text: string): Decoded {
    const head = previewMembers(text);
    const kind = typeof head.command === 'string' ? head.command : typeof head.type === 'string' ? head.type : undefined;
    const ch = typeof head.identifier === 'string' ? channelOf(head.identifier) : undefined;
    const summary = [kind ?? (ch ? 'message' : 'Action Cable'), ch?.label].filter(Boolean).join(' ');
    const fields: Record<string, unknown> = {};
    for (const k in head) if (head[k] !== undefined) fields[k] = head[k];
    return out(summary, fields, [kind, ch?.channel].filter(Boolean).join(' '), TRUNCATED);
  }
}

function out(summary: string, fields: Record<string, unknown>, search: string, error?: string, related?: Related[], rtt?: number): Decoded {
  const d: Decoded = { protocol: 'actioncable', summary, fields, search };
  if (related?.length) d.related = related;
  if (rtt !== undefined) d.rtt = rtt;
  if (error) d.error = error;
  return d;
}

/** an identifier that is JSON naming a channel: what content detection insists on */
function namesChannel(identifier: unknown): boolean {
  if (typeof identifier !== 'string' || !identifier.includes('"channel"')) return false;
  const v = parseJson(identifier);
  return isRecord(v) && typeof v.channel === 'string';
}

export const actionCable: Protocol = {
  id: 'actioncable',
  label: 'Action Cable',
  byHandshake(url, subprotocol) {
    if (SUBPROTOCOLS.has(subprotocol)) return true;
    const path = parseUrl(url)?.pathname;
    return path !== undefined && /\/cable\/?$/.test(path);
  },
  byContent(frame) {
    const t = frame.text;
    if (!t || t.charCodeAt(0) !== 123 || !(t.includes('"type"') || t.includes('"command"'))) return false;
    const v = parseJson(t);
    if (!isRecord(v)) return false;
    const keys = Object.keys(v);
    if (frame.direction === 'sent') return typeof v.command === 'string' && COMMANDS.has(v.command) && namesChannel(v.identifier);
    if (v.type === 'welcome') return keys.every((k) => k === 'type' || k === 'sid');
    if (v.type === 'ping') return typeof v.message === 'number' && keys.length === 2;
    if (v.type === 'confirm_subscription' || v.type === 'reject_subscription') return namesChannel(v.identifier);
    return false;
  },
  create: () => new ActionCableDecoder(),
};
