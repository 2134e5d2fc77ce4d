/**
 * STOMP 1.0–1.2 over WebSocket: one WebSocket message usually carries one STOMP frame (`COMMAND\nheaders\n\nbody\0`),
 * but may carry several, or only end-of-lines (heart-beats). Text and binary messages are parsed the same way, as
 * bytes, because `content-length` counts bytes and lets a body contain NULs.
 */
import type { Decoded, DecodeOutput, FrameInput, Protocol, Related, SocketDecoder } from './types';
import { Backlinks, TRUNCATED, clip, describePayload, remember, setOwn } from './util';

const COMMANDS = new Set([
  'CONNECT', 'STOMP', 'CONNECTED', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT',
  'DISCONNECT', 'MESSAGE', 'RECEIPT', 'ERROR',
]);
/** frames a server sends: a `receipt` header on these is not a request for one (some brokers copy SEND's onto MESSAGE) */
const SERVER_COMMANDS = new Set(['CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR']);
const SUBPROTOCOLS = new Set(['v10.stomp', 'v11.stomp', 'v12.stomp', 'stomp']);

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0;
const encoder = new TextEncoder();
const lenient = new TextDecoder();

interface StompFrame {
  command: string;
  /** in wire order, repeats included */
  headers: [string, string][];
  body: Uint8Array;
  error?: string;
}

interface Parsed {
  /** none: only end-of-lines, a heart-beat */
  frames: StompFrame[];
  /** the first line is not a STOMP command: not this protocol */
  foreign?: boolean;
  error?: string;
}

function isEol(b: Uint8Array, p: number): number {
  if (b[p] === LF) return 1;
  return b[p] === CR && b[p + 1] === LF ? 2 : 0;
}

function line(b: Uint8Array, start: number, lf: number): string {
  return lenient.decode(b.subarray(start, lf > start && b[lf - 1] === CR ? lf - 1 : lf));
}

/** STOMP 1.1 escapes \n \c \\ in header values; 1.2 adds \r. Anything else after a backslash is malformed. */
function unescape(value: string, version: string, bad: string[]): string {
  if (!value.includes('\\')) return value;
  return value.replace(/\\(.?)/g, (all, c: string) => {
    if (c === 'n') return '\n';
    if (c === 'c') return ':';
    if (c === '\\') return '\\';
    if (c === 'r' && version === '1.2') return '\r';
    bad.push(all);
    return all;
  });
}

/** Parse every STOMP frame in one WebSocket message. `version` governs header escaping. */
function parseStomp(b: Uint8Array, version: string): Parsed {
  const out: Parsed = { frames: [] };
  let p = 0;
  while (p < b.length) {
    // end-of-lines may come before or after any frame: heart-beats
    for (let eol = isEol(b, p); eol; eol = isEol(b, p)) p += eol;
    if (p >= b.length) break;

    // commands are short: look no further, so that a large non-STOMP message costs nothing
    const near = b.subarray(p, p + 14).indexOf(LF);
    let lf = near < 0 ? -1 : p + near;
    const command = lf < 0 ? '' : line(b, p, lf);
    if (!COMMANDS.has(command)) {
      if (out.frames.length === 0) out.foreign = true;
      else out.error = `not a STOMP frame at byte ${p}: ${JSON.stringify(lenient.decode(b.subarray(p, p + 20)))}`;
      return out;
    }
    const frame: StompFrame = { command, headers: [], body: new Uint8Array(0) };
    out.frames.push(frame);
    const escaped = version !== '1.0' && command !== 'CONNECT' && command !== 'CONNECTED';
    const bad: string[] = [];
    for (;;) {
      if (lf < 0) {
        frame.error = 'the frame ends inside its headers';
        return out;
      }
      p = lf + 1;
      const eol = isEol(b, p);
      if (eol) {
        p += eol;
        break;
      }
      lf = b.indexOf(LF, p);
      const text = line(b, p, lf < 0 ? b.length : lf);
      const colon = text.indexOf(':');
      const name = colon < 0 ? text : text.slice(0, colon);
      const value = colon < 0 ? '' : text.slice(colon + 1);
      frame.headers.push(escaped ? [unescape(name, version, bad), unescape(value, version, bad)] : [name, value]);
    }
    if (bad.length) frame.error = `undefined escape ${bad[0]} in a header`;

    const length = frame.headers.find(([n]) => n === 'content-length')?.[1];
    const declared = length !== undefined && /^\d+$/.test(length.trim()) ? Number(length) : undefined;
    let end: number;
    if (declared !== undefined && p + declared < b.length && b[p + declared] === NUL) {
      end = p + declared;
    } else {
      end = b.indexOf(NUL, p);
      if (declared !== undefined && p + declared >= b.length) {
        frame.error = `content-length is ${declared} B but only ${b.length - p} B follow`;
      } else if (declared !== undefined) {
        // seen from stomp-broker-js: it counts the body in UTF-16 units, not bytes; the NUL still ends the frame
        frame.error = `content-length is ${declared} B but the body is ${(end < 0 ? b.length : end) - p} B`;
      } else if (end < 0) {
        frame.error = 'no NUL at the end of the frame';
      }
      if (end < 0) end = b.length;
    }
    frame.body = b.subarray(p, end);
    p = end + 1;
  }
  return out;
}

function headerObject(frame: StompFrame): { headers: Record<string, string>; repeated?: Record<string, string[]> } {
  const headers: Record<string, string> = {};
  let repeated: Record<string, string[]> | undefined;
  for (const [name, value] of frame.headers) {
    if (!Object.hasOwn(headers, name)) {
      // the spec: of a repeated header, only the first occurrence counts
      setOwn(headers, name, value);
    } else {
      repeated ??= {};
      if (Object.hasOwn(repeated, name)) repeated[name].push(value);
      else setOwn(repeated, name, [headers[name], value]);
    }
  }
  return repeated ? { headers, repeated } : { headers };
}

function summarize(command: string, h: Record<string, string>, body: Uint8Array): string {
  const parts: (string | undefined)[] = [];
  switch (command) {
    case 'CONNECT':
    case 'STOMP':
      parts.push(`${command} ${h['accept-version'] ?? '1.0'}`, h.host && `host ${h.host}`);
      break;
    case 'CONNECTED':
      parts.push(`CONNECTED ${h.version ?? '1.0'}`);
      break;
    case 'SEND':
      parts.push(`SEND ${h.destination ?? '(no destination)'}`, `${body.length} B`);
      break;
    case 'SUBSCRIBE':
      parts.push(`SUBSCRIBE ${h.destination ?? '(no destination)'}`, h.id);
      break;
    case 'UNSUBSCRIBE':
      parts.push(`UNSUBSCRIBE ${h.id ?? h.destination ?? ''}`.trimEnd());
      break;
    case 'MESSAGE':
      parts.push(`MESSAGE ${h.destination ?? '(no destination)'}`, h.subscription);
      break;
    case 'ACK':
    case 'NACK':
      parts.push(`${command} ${h.id ?? h['message-id'] ?? ''}`.trimEnd(), h.transaction && `tx ${h.transaction}`);
      break;
    case 'BEGIN':
    case 'COMMIT':
    case 'ABORT':
      parts.push(`${command} ${h.transaction ?? ''}`.trimEnd());
      break;
    case 'RECEIPT':
      parts.push(`RECEIPT ${h['receipt-id'] ?? ''}`.trimEnd());
      break;
    case 'ERROR': {
      const message = h.message ?? lenient.decode(body.subarray(0, 200)).split('\n')[0];
      parts.push(`ERROR: ${clip(message, 120)}`);
      break;
    }
    default:
      parts.push(command);
  }
  if (command === 'CONNECT' || command === 'STOMP' || command === 'CONNECTED') {
    if (h['heart-beat']) parts.push(`heart-beat ${h['heart-beat']}`);
  }
  return parts.filter(Boolean).join(' · ');
}

interface Pending {
  seq: number;
  mono: number;
  command: string;
}

/** how one STOMP frame reads, and what it links to */
interface FrameView {
  summary: string;
  fields: Record<string, unknown>;
  search: string[];
  related: Related[];
  rtt?: number;
  error?: string;
  /** it asked for a receipt or is a CONNECT: its view is kept to link the answer back */
  awaitsAnswer?: boolean;
}

class StompDecoder implements SocketDecoder {
  /** the negotiated version (CONNECTED says); until then 1.2's rules, a superset for reading escapes */
  private version = '1.2';
  private connect?: Pending;
  private connected = false;
  private receipts = new Map<string, Pending>();
  private subscriptions = new Map<string, number>();
  /** what each subscription listens to: some brokers (stomp-broker-js) leave `destination` off their MESSAGEs */
  private destinations = new Map<string, string>();
  private backlinks = new Backlinks();

  decode(frame: FrameInput): DecodeOutput {
    try {
      return this.read(frame);
    } catch (e) {
      // a last guard: a page's bytes must never break the panel
      return { decoded: { protocol: 'stomp', summary: 'STOMP (unreadable)', fields: {}, search: '', error: String(e) } };
    }
  }

  private read(frame: FrameInput): DecodeOutput {
    if (frame.text === '\n' || frame.text === '\r\n') return { decoded: heartBeat(frame) };
    const bytes = frame.bytes ?? (frame.text !== undefined ? encoder.encode(frame.text) : undefined);
    if (!bytes || bytes.length === 0) return { decoded: null };
    const parsed = parseStomp(bytes, this.version);
    if (parsed.foreign) return { decoded: null };
    if (parsed.frames.length === 0) return { decoded: heartBeat(frame) };

    const updates = new Map<number, Decoded>();
    const views = parsed.frames.map((f) => this.view(f, frame, updates));
    const first = views[0];
    const related = views.flatMap((v) => v.related);
    const errors = [frame.truncated ? TRUNCATED : undefined, ...views.map((v) => v.error), parsed.error].filter(Boolean);
    const more = views.length > 1 ? ` (+${views.length - 1} more)` : '';
    const decoded: Decoded = {
      protocol: 'stomp',
      summary: first.summary + more,
      fields: views.length === 1 ? first.fields : { frames: views.map((v) => v.fields) },
      search: views.flatMap((v) => v.search).join(' '),
    };
    const rtt = views.find((v) => v.rtt !== undefined)?.rtt;
    if (rtt !== undefined) decoded.rtt = rtt;
    if (errors.length) decoded.error = errors.join('; ');

    if (related.length) decoded.related = related;
    if (views.some((v) => v.awaitsAnswer)) this.backlinks.keep(frame.seq, decoded);

    const out: DecodeOutput = { decoded };
    if (updates.size) out.updates = [...updates].map(([seq, d]) => ({ seq, decoded: d }));
    return out;
  }

  private view(f: StompFrame, frame: FrameInput, updates: Map<number, Decoded>): FrameView {
    const { headers: h, repeated } = headerObject(f);
    const fields: Record<string, unknown> = { command: f.command, headers: h };
    if (repeated) fields.repeatedHeaders = repeated;
    if (f.body.length) {
      const body = describePayload(f.body, /json/i.test(h['content-type'] ?? ''));
      fields.body = body.value;
      fields.bodyFormat = body.format;
    }
    fields.bodyBytes = f.body.length;
    const v: FrameView = {
      summary: summarize(f.command, h, f.body),
      fields,
      search: [f.command, ...f.headers.map(([, value]) => value)],
      related: [],
      error: f.error,
    };
    const answer = (req: Pending | undefined) => {
      if (!req) return;
      v.related.push({ seq: req.seq, label: req.command });
      v.rtt ??= frame.mono - req.mono;
      // a request and its answer go opposite ways, so the request is always an earlier message
      this.backlinks.link(req.seq, { seq: frame.seq, label: f.command }, updates);
    };
    const me: Pending = { seq: frame.seq, mono: frame.mono, command: f.command };

    if (!SERVER_COMMANDS.has(f.command) && h.receipt !== undefined) {
      remember(this.receipts, h.receipt, me);
      v.awaitsAnswer = true;
    }
    switch (f.command) {
      case 'CONNECT':
      case 'STOMP':
        this.connect = me;
        this.connected = false;
        v.awaitsAnswer = true;
        break;
      case 'CONNECTED':
        this.version = h.version ?? '1.0';
        if (!this.connected) answer(this.connect);
        this.connected = true;
        break;
      case 'SUBSCRIBE': {
        // STOMP 1.0 subscriptions may have no id: MESSAGE then names only the destination
        const key = h.id ?? h.destination;
        if (key !== undefined) remember(this.subscriptions, key, frame.seq);
        if (key !== undefined && h.destination !== undefined) remember(this.destinations, key, h.destination);
        break;
      }
      case 'UNSUBSCRIBE':
      case 'MESSAGE': {
        const key = h.subscription ?? h.id ?? h.destination ?? '';
        const sub = this.subscriptions.get(key);
        if (sub !== undefined) v.related.push({ seq: sub, label: 'SUBSCRIBE' });
        const dest = this.destinations.get(key);
        if (f.command === 'MESSAGE' && h.destination === undefined && dest !== undefined) {
          v.summary = v.summary.replace('MESSAGE (no destination)', `MESSAGE ${dest}`);
          v.search.push(dest);
        }
        break;
      }
      case 'RECEIPT':
      case 'ERROR': {
        const id = h['receipt-id'];
        const req = id !== undefined ? this.receipts.get(id) : undefined;
        if (id !== undefined) this.receipts.delete(id);
        // a broker refusing the connection answers CONNECT with ERROR
        answer(req ?? (f.command === 'ERROR' && !this.connected ? this.connect : undefined));
        if (!req && f.command === 'ERROR' && !this.connected) this.connect = undefined;
        break;
      }
    }
    return v;
  }
}

function heartBeat(frame: FrameInput): Decoded {
  const decoded: Decoded = { protocol: 'stomp', summary: 'heart-beat', fields: { heartBeat: true }, search: 'heart-beat', heartbeat: true };
  if (frame.truncated) decoded.error = TRUNCATED;
  return decoded;
}

function startsWithCommand(frame: FrameInput): boolean {
  const head = frame.text !== undefined ? frame.text.slice(0, 12) : frame.bytes ? lenient.decode(frame.bytes.subarray(0, 12)) : '';
  return /^(CONNECT|STOMP|CONNECTED)\r?\n/.test(head);
}

export const stomp: Protocol = {
  id: 'stomp',
  label: 'STOMP',
  byHandshake: (_url, subprotocol) => SUBPROTOCOLS.has(subprotocol),
  byContent: startsWithCommand,
  create: () => new StompDecoder(),
};
