/**
 * SockJS over its websocket transport: the server frames its messages as `o` (open), `h` (heartbeat), `a[...]`
 * (an array of messages, each a JSON string), `m"..."` (one message, older servers) and `c[code,"reason"]` (close);
 * the client sends a JSON array of strings (or one JSON string). Each message is itself a frame of whatever protocol
 * rides on SockJS — STOMP, in Spring's usual setup — so the messages are decoded by that protocol's own decoder,
 * detected from the messages' content like a socket's, and shown inside the SockJS frame that carried them.
 *
 * The inner decoder sees one virtual frame per message, numbered by this decoder, so that two messages of one
 * SockJS frame stay apart when the inner protocol pairs them (a STOMP RECEIPT with its SEND); its `related` and
 * `updates` are mapped back to the SockJS frames.
 */
import type { Decoded, DecodeOutput, FrameInput, Protocol, Related, SocketDecoder } from './types';
import { plainJson } from './json';
import { clip, parseJson, parseUrl, remember, shortValue, TRUNCATED } from './util';

/** inner messages tried by content before the inner protocol is taken to be none (JSON or text) */
const INNER_PROBES = 16;

type Kind = 'open' | 'heartbeat' | 'array' | 'message' | 'close' | 'send';

/** One SockJS frame that carried messages; kept while its messages may still learn of their answers. */
interface Carrier {
  seq: number;
  direction: FrameInput['direction'];
  kind: Kind;
  texts: string[];
  views: (Decoded | null)[];
  /** innerSeq of each message */
  inner: number[];
  /** a truncated frame: how many messages were cut off at the end (at least the one cut), or a parse failure */
  error?: string;
}

interface InnerFrame {
  input: FrameInput;
  carrier: Carrier;
  index: number;
}

/** `a[...]`, `[...]`: the message strings; undefined when the array is not one of strings */
function stringArray(json: string): string[] | undefined {
  const v = parseJson(json);
  if (typeof v === 'string') return [v];
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}

// the whole strings at the head of an array cut short: `["a","b","c` → ["a","b"]
const WHOLE_STRING = /\s*("(?:[^"\\]|\\.)*")\s*[,\]]/y;

function leadingStrings(json: string): string[] {
  const out: string[] = [];
  let i = json.indexOf('[') + 1;
  if (i === 0) return out;
  for (;;) {
    WHOLE_STRING.lastIndex = i;
    const m = WHOLE_STRING.exec(json);
    if (!m) return out;
    const s = parseJson(m[1]);
    if (typeof s !== 'string') return out;
    out.push(s);
    i = WHOLE_STRING.lastIndex;
  }
}

class SockJsDecoder implements SocketDecoder {
  private innerProtocol: Protocol | undefined;
  private innerDecoder: SocketDecoder | undefined;
  private probes = 0;
  /** messages seen before the inner protocol was known: replayed into its decoder once it is */
  private early: InnerFrame[] = [];
  private innerSeq = 0;
  /** innerSeq → where that message sits */
  private where = new Map<number, { carrier: Carrier; index: number }>();
  private carriers = new Map<number, Carrier>();
  private fallback = plainJson.create();

  constructor(private candidates: () => readonly Protocol[]) {}

  decode(frame: FrameInput): DecodeOutput {
    try {
      return this.read(frame);
    } catch (e) {
      return { decoded: { protocol: 'sockjs', summary: 'SockJS (unreadable)', fields: {}, search: '', error: String(e) } };
    }
  }

  private read(frame: FrameInput): DecodeOutput {
    const t = frame.text;
    if (t === undefined || t.length === 0) return { decoded: null };
    if (frame.direction === 'sent') {
      // the client's frames are bare JSON: an array of message strings, or one string
      const c = t[0];
      if (c !== '[' && c !== '"') return { decoded: null };
      return this.carry(frame, 'send', t);
    }
    switch (t[0]) {
      case 'o':
        return t.length === 1 ? { decoded: simple('open', 'open', frame) } : { decoded: null };
      case 'h':
        return t.length === 1 ? { decoded: { ...simple('heartbeat', 'heartbeat', frame), heartbeat: true } } : { decoded: null };
      case 'a':
        return this.carry(frame, 'array', t.slice(1));
      case 'm':
        return this.carry(frame, 'message', t.slice(1));
      case 'c':
        return { decoded: close(frame, t.slice(1)) };
    }
    return { decoded: null };
  }

  private carry(frame: FrameInput, kind: Kind, json: string): DecodeOutput {
    let texts = stringArray(json);
    const carrier: Carrier = { seq: frame.seq, direction: frame.direction, kind, texts: [], views: [], inner: [] };
    if (!texts) {
      if (!frame.truncated && kind === 'send') return { decoded: null };
      texts = leadingStrings(json);
      carrier.error = frame.truncated ? TRUNCATED : 'not an array of message strings';
    }
    carrier.texts = texts;
    remember(this.carriers, frame.seq, carrier, 500);
    const touched = new Set<Carrier>();
    for (let i = 0; i < texts.length; i++) {
      const innerSeq = this.innerSeq++;
      carrier.inner.push(innerSeq);
      carrier.views.push(null);
      remember(this.where, innerSeq, { carrier, index: i }, 2000);
      const input: FrameInput = { seq: innerSeq, direction: frame.direction, mono: frame.mono, text: texts[i], truncated: false };
      this.innerFrame({ input, carrier, index: i }, touched);
    }
    const decoded = render(carrier, this.innerProtocol, this.mapRelated(carrier));
    touched.delete(carrier);
    if (!touched.size) return { decoded };
    return { decoded, updates: [...touched].map((c) => ({ seq: c.seq, decoded: render(c, this.innerProtocol, this.mapRelated(c)) })) };
  }

  /** decode one message with the inner protocol, detecting it first if need be */
  private innerFrame(f: InnerFrame, touched: Set<Carrier>): void {
    if (!this.innerDecoder && this.probes < INNER_PROBES) {
      this.probes++;
      const p = this.candidates().find((x) => x.byContent(f.input));
      if (p) {
        this.innerProtocol = p;
        this.innerDecoder = p.create();
        // the messages before this one belong to the same conversation: decode them too, in order
        for (const e of this.early) this.apply(e, touched);
        this.early = [];
      } else if (this.early.length < INNER_PROBES) this.early.push(f);
    }
    this.apply(f, touched);
  }

  private apply(f: InnerFrame, touched: Set<Carrier>): void {
    let out: DecodeOutput;
    try {
      out = (this.innerDecoder ?? this.fallback).decode(f.input);
    } catch (e) {
      out = { decoded: { protocol: this.innerProtocol?.id ?? 'json', summary: '', fields: {}, search: '', error: `decoder failed: ${String(e)}` } };
    }
    f.carrier.views[f.index] = out.decoded;
    touched.add(f.carrier);
    for (const u of out.updates ?? []) {
      const at = this.where.get(u.seq);
      if (!at) continue;
      at.carrier.views[at.index] = u.decoded;
      touched.add(at.carrier);
    }
  }

  /** the inner views' related frames, as SockJS frames */
  private mapRelated(c: Carrier): Related[] {
    const out: Related[] = [];
    const seen = new Set<string>();
    for (const v of c.views) {
      for (const r of v?.related ?? []) {
        const at = this.where.get(r.seq);
        if (!at || at.carrier.seq === c.seq) continue;
        const key = `${at.carrier.seq}|${r.label}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ seq: at.carrier.seq, label: r.label });
      }
    }
    return out;
  }
}

function simple(kind: Kind, summary: string, frame: FrameInput): Decoded {
  const d: Decoded = { protocol: 'sockjs', summary, fields: { frame: kind }, search: `sockjs ${summary}` };
  if (frame.truncated) d.error = TRUNCATED;
  return d;
}

function close(frame: FrameInput, json: string): Decoded {
  const v = parseJson(json);
  if (Array.isArray(v) && typeof v[0] === 'number' && (v[1] === undefined || typeof v[1] === 'string')) {
    const reason = typeof v[1] === 'string' ? v[1] : '';
    return {
      protocol: 'sockjs',
      summary: `close ${v[0]}${reason ? ` ${clip(reason, 100)}` : ''}`,
      fields: { frame: 'close', code: v[0], reason },
      search: `sockjs close ${v[0]} ${reason}`,
    };
  }
  return { ...simple('close', 'close', frame), error: frame.truncated ? TRUNCATED : 'a close frame needs [code, "reason"]' };
}

const PREFIX: Record<string, string> = { array: 'a', message: 'm', send: '' };

function render(c: Carrier, inner: Protocol | undefined, related: Related[]): Decoded {
  const n = c.texts.length;
  const head = c.kind === 'message' ? 'm' : `${PREFIX[c.kind]}[${n}${c.error ? '+' : ''}]`;
  const label = inner?.label;
  const parts: string[] = [];
  const messages: unknown[] = [];
  const search: string[] = ['sockjs'];
  const errors: string[] = [];
  let rtt: number | undefined;
  for (let i = 0; i < n; i++) {
    const v = c.views[i];
    if (v) {
      parts.push(v.summary);
      const m: Record<string, unknown> = { protocol: v.protocol, summary: v.summary, ...v.fields };
      if (v.error) {
        m.error = v.error;
        errors.push(v.error);
      }
      messages.push(m);
      search.push(v.search);
      rtt ??= v.rtt;
    } else {
      parts.push(shortValue(c.texts[i], 60));
      messages.push(c.texts[i]);
      // the message unescaped (the raw frame has it as JSON); bounded, as a frame's search text lives with the log
      search.push(clip(c.texts[i], 1000));
    }
  }
  if (c.error) errors.push(c.error);
  const body = clip(parts.join('; '), 160);
  const summary = [head, label && c.views.some(Boolean) ? label : undefined, body].filter(Boolean).join(' ');
  const fields: Record<string, unknown> = { frame: c.kind, count: n };
  if (inner) fields.carries = inner.id;
  fields.messages = messages;
  const d: Decoded = { protocol: 'sockjs', summary, fields, search: search.join(' ') };
  if (related.length) d.related = related;
  if (rtt !== undefined) d.rtt = rtt;
  if (errors.length) d.error = errors.join('; ');
  // `a["\n"]`: the inner protocol's keep-alive (a STOMP heart-beat) is SockJS's keep-alive too
  if (n > 0 && c.views.every((v) => v?.heartbeat)) d.heartbeat = true;
  return d;
}

// SockJS's websocket url is `<prefix>/<server id>/<session id>/websocket`, the server id three digits (the spec:
// 000-999); `<prefix>/websocket` alone is its raw, unframed endpoint
const SESSION_URL = /\/\d{3}\/[^/.]+\/websocket\/?$/;

/** SockJS, decoding what it carries with the first of `candidates` (SockJS excluded) that recognises it. */
export function sockJsOver(candidates: () => readonly Protocol[]): Protocol {
  return {
    id: 'sockjs',
    label: 'SockJS',
    byHandshake(url) {
      const path = parseUrl(url)?.pathname;
      if (path === undefined) return false;
      return SESSION_URL.test(path) || (path.includes('/sockjs/') && !path.endsWith('/sockjs/websocket'));
    },
    byContent(frame) {
      const t = frame.text;
      if (frame.direction !== 'received' || !t) return false;
      if (t === 'o') return true;
      // `a` or `c` and JSON: no other protocol's text starts like this, and plain JSON cannot
      if (t.startsWith('a[')) return stringArray(t.slice(1)) !== undefined;
      if (t.startsWith('c[')) {
        const v = parseJson(t.slice(1));
        return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string';
      }
      return false;
    },
    create() {
      return new SockJsDecoder(candidates);
    },
  };
}
