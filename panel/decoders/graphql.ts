/**
 * GraphQL over WebSocket, in both of its dialects:
 * - graphql-ws (subprotocol `graphql-transport-ws`): subscribe / next / error / complete, ping / pong;
 * - subscriptions-transport-ws (subprotocol `graphql-ws`, confusingly): start / data / error / complete / stop, ka.
 * They share the operation model (an id ties every result to the operation that asked for it), so one decoder
 * serves both, told apart by a table of message types.
 */
import type { Decoded, DecodeOutput, FrameInput, Protocol, ProtocolId, Related, SocketDecoder } from './types';
import { plural } from '../lib/format';
import { isRecord } from '../lib/isRecord';
import { clip, formatMs, parseJson, previewMembers, remember, TRUNCATED } from './util';

type Role = 'control' | 'start' | 'result' | 'error' | 'end';

interface Dialect {
  id: ProtocolId;
  /** a Map, not an object: a message type of "constructor" must not find Object.prototype's */
  roles: Map<string, Role>;
}

const GRAPHQL_WS: Dialect = {
  id: 'graphql-ws',
  roles: new Map(Object.entries({
    connection_init: 'control',
    connection_ack: 'control',
    ping: 'control',
    pong: 'control',
    subscribe: 'start',
    next: 'result',
    error: 'error',
    // from the server: no more results; from the client: it stops listening
    complete: 'end',
  })),
};

const LEGACY: Dialect = {
  id: 'subscriptions-transport-ws',
  roles: new Map(Object.entries({
    connection_init: 'control',
    connection_ack: 'control',
    connection_error: 'control',
    connection_terminate: 'control',
    ka: 'control',
    start: 'start',
    data: 'result',
    error: 'error',
    complete: 'end',
    stop: 'end',
  })),
};

// ---- operation names ----------------------------------------------------------------------------------------

const OPERATION_KEYWORDS = new Set(['query', 'mutation', 'subscription']);

/** Just enough of a GraphQL lexer to find an operation's name: names and punctuators; strings and comments skipped. */
class Lexer {
  private i = 0;
  constructor(private s: string) {}

  next(): string | undefined {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 35 /* # */) {
        while (this.i < s.length && s.charCodeAt(this.i) !== 10) this.i++;
      } else if (c === 34 /* " */) {
        this.skipString();
      } else if (isNameStart(c)) {
        const start = this.i;
        while (this.i < s.length && isNameChar(s.charCodeAt(this.i))) this.i++;
        return s.slice(start, this.i);
      } else if (c === 46 /* . */ && s.startsWith('...', this.i)) {
        this.i += 3;
        return '...';
      } else {
        this.i++;
        // whitespace, commas (insignificant in GraphQL), digits and stray characters are not interesting here
        if ('{}():@$'.includes(s[this.i - 1])) return s[this.i - 1];
      }
    }
    return undefined;
  }

  private skipString(): void {
    const s = this.s;
    if (s.startsWith('"""', this.i)) {
      const end = s.indexOf('"""', this.i + 3);
      this.i = end < 0 ? s.length : end + 3;
      return;
    }
    for (this.i++; this.i < s.length; this.i++) {
      const c = s.charCodeAt(this.i);
      if (c === 92 /* \ */) this.i++;
      else if (c === 34 || c === 10) break;
    }
    this.i++;
  }
}

const isNameStart = (c: number) => c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 57);

/**
 * What to call an operation: its `operationName`, else the name in the query text (`subscription Countdown {` →
 * `Countdown`), else its type and first field (`{ hello }` → `query { hello }`). Undefined without query text
 * (a persisted query sends only a hash).
 */
export function operationLabel(query: unknown, operationName?: unknown): string | undefined {
  if (typeof operationName === 'string' && operationName) return operationName;
  if (typeof query !== 'string') return undefined;
  const lx = new Lexer(query);
  let depth = 0;
  for (let tok = lx.next(); tok !== undefined; tok = lx.next()) {
    if (tok === '}') depth--;
    else if (tok === '{') {
      // a selection set at the top level without a keyword before it: the `{ field }` query shorthand
      if (depth === 0) return `query { ${firstField(lx)} }`;
      depth++;
    } else if (depth === 0 && OPERATION_KEYWORDS.has(tok)) {
      const name = lx.next();
      if (name !== undefined && name !== '(' && name !== '@' && name !== '{') return name;
      // anonymous with variables or directives: find its selection set (braces inside parentheses are default values)
      let parens = 0;
      for (let t = name; t !== undefined; t = lx.next()) {
        if (t === '(') parens++;
        else if (t === ')') parens--;
        else if (t === '{' && parens === 0) return `${tok} { ${firstField(lx)} }`;
      }
      return tok;
    } else if (depth === 0 && tok === 'fragment') {
      // skip the fragment's name and type condition; its selection set is counted by depth
      for (let t = lx.next(); t !== undefined && t !== '{'; t = lx.next());
      depth++;
    }
  }
  return undefined;
}

/** the first field of the selection set just entered: `hello`, the field behind an alias, or `...Spread` */
function firstField(lx: Lexer): string {
  const first = lx.next();
  if (first === '...') return `...${lx.next() ?? ''}`;
  if (first === undefined || first === '}') return '';
  const after = lx.next();
  if (after === ':') return lx.next() ?? first;
  return first;
}

// ---- the decoder --------------------------------------------------------------------------------------------

type Direction = FrameInput['direction'];

/** One operation and the frames that answered it; mutable, the start frame's view is re-rendered as it progresses. */
interface Operation {
  seq: number;
  direction: Direction;
  mono: number;
  id: string;
  type: string;
  label: string;
  payload: unknown;
  results: number;
  /** seq of the first result: the answer to the request, as far as a round trip goes */
  firstResult?: number;
  end?: { seq: number; type: string; cancelled: boolean };
  truncated?: boolean;
}

/** graphql-ws ids are UUIDs: the summary shows a prefix, the fields and the filter the whole id */
const shortId = (id: string) => (id.length > 12 ? id.slice(0, 8) : id);

// a subscribe cut short: its operation from what is left of the payload (the query comes first in practice)
const OPERATION_NAME_RE = /"operationName"\s*:\s*"(\w+)"/;
const QUERY_RE = /"query"\s*:\s*"((?:[^"\\]|\\.)*)/;
const ESCAPE_RE = /\\[nrt]/g;

function errorMessage(payload: unknown): string | undefined {
  const first = Array.isArray(payload) ? payload[0] : payload;
  return isRecord(first) && typeof first.message === 'string' ? first.message : undefined;
}

class GraphqlDecoder implements SocketDecoder {
  private ops = new Map<string, Operation>();

  constructor(private dialect: Dialect) {}

  decode(frame: FrameInput): DecodeOutput {
    const text = frame.text;
    if (!text || text.charCodeAt(0) !== 123 /* { */) return { decoded: null };
    const msg = parseJson(text);
    if (msg === undefined) return { decoded: frame.truncated ? this.fromPreview(frame, text) : this.out('?', {}, '', 'malformed JSON') };
    if (!isRecord(msg) || typeof msg.type !== 'string') return { decoded: this.out('?', {}, '', 'a message needs a "type"') };
    const type = msg.type;
    const role = this.dialect.roles.get(type);
    if (!role) return { decoded: this.out(type, msg, type, `not a ${this.dialect.id} message type`) };
    if (role === 'control') return { decoded: this.control(type, msg) };
    if (typeof msg.id !== 'string') return { decoded: this.out(type, msg, type, 'a message without an id') };
    return this.operation(frame, type, role, msg.id, msg.payload, frame.truncated);
  }

  private out(summary: string, fields: Record<string, unknown>, search: string, error?: string, related?: Related[], rtt?: number): Decoded {
    const d: Decoded = { protocol: this.dialect.id, summary, fields, search };
    if (related) d.related = related;
    if (rtt !== undefined) d.rtt = rtt;
    if (error) d.error = error;
    return d;
  }

  private control(type: string, msg: Record<string, unknown>): Decoded {
    const message = type === 'connection_error' ? errorMessage(msg.payload) : undefined;
    const d = this.out(message ? `${type}: ${message}` : type, msg, type);
    // graphql-ws's ping / pong, subscriptions-transport-ws's keep-alive `ka`
    if (type === 'ping' || type === 'pong' || type === 'ka') d.heartbeat = true;
    return d;
  }

  private start(frame: FrameInput, type: string, id: string, payload: unknown, truncated: boolean): Decoded {
    const p = isRecord(payload) ? payload : {};
    const op: Operation = {
      seq: frame.seq,
      direction: frame.direction,
      mono: frame.mono,
      id,
      type,
      label: operationLabel(p.query, p.operationName) ?? (isRecord(p.extensions) ? 'persisted query' : '?'),
      payload,
      results: 0,
      truncated,
    };
    remember(this.ops, id, op);
    return this.renderStart(op);
  }

  private operation(frame: FrameInput, type: string, role: Role, id: string, payload: unknown, truncated: boolean): DecodeOutput {
    if (role === 'start') return { decoded: this.start(frame, type, id, payload, truncated) };
    const op = this.ops.get(id);
    const fields: Record<string, unknown> = { type, id };
    if (op) fields.operation = op.label;
    if (payload !== undefined) fields.payload = payload;
    const head = `${type} #${shortId(id)}${op ? ` ${op.label}` : ''}`;
    const search = `${type} ${id}${op ? ` ${op.label}` : ''}`;
    const error = truncated ? TRUNCATED : undefined;
    if (!op) return { decoded: this.out(head, fields, search, error) };

    const since = Math.max(0, frame.mono - op.mono);
    const related = [{ seq: op.seq, label: op.type }];
    let summary = head;
    let rtt: number | undefined;
    if (role === 'result') {
      op.results++;
      fields.result = op.results;
      // only the first result answers the request; the rest of a subscription's results are pushed as they happen
      if (op.firstResult === undefined) {
        op.firstResult = frame.seq;
        rtt = since;
      }
      const errors = isRecord(payload) && Array.isArray(payload.errors) ? payload.errors.length : 0;
      if (errors) summary += ` · ${plural(errors, 'error')}`;
    } else {
      rtt = since;
      if (role === 'error') summary += ` · ${clip(errorMessage(payload) ?? 'error', 120)}`;
      // the side that subscribed ends it: a cancel (graphql-ws `complete` from the client, legacy `stop`)
      const cancelled = frame.direction === op.direction;
      if (role === 'end') summary += ` (${cancelled ? 'cancelled after ' : ''}${plural(op.results, 'result')}, ${formatMs(since)})`;
      op.end ??= { seq: frame.seq, type, cancelled };
    }
    const decoded = this.out(summary, fields, search, error, related, rtt);
    return { decoded, updates: [{ seq: op.seq, decoded: this.renderStart(op) }] };
  }

  private renderStart(op: Operation): Decoded {
    const p = isRecord(op.payload) ? op.payload : {};
    const fields: Record<string, unknown> = { type: op.type, id: op.id, operation: op.label };
    for (const k of ['query', 'operationName', 'variables', 'extensions']) if (p[k] !== undefined) fields[k] = p[k];
    fields.results = op.results;
    fields.state = !op.end ? 'active' : op.end.type === 'error' ? 'error' : op.end.cancelled ? 'cancelled' : 'complete';
    let summary = `${op.type} #${shortId(op.id)} ${op.label}`;
    if (op.results) summary += ` · ${plural(op.results, 'result')}`;
    if (op.end) summary += ` · ${op.end.cancelled ? 'cancelled' : op.end.type}`;
    const related: Related[] = [];
    if (op.firstResult !== undefined) related.push({ seq: op.firstResult, label: 'first result' });
    if (op.end) related.push({ seq: op.end.seq, label: op.end.type });
    return this.out(summary, fields, `${op.type} ${op.id} ${op.label}`, op.truncated ? TRUNCATED : undefined, related.length ? related : undefined);
  }

  /** a cut-off message: what its head still says (both libraries put type and id first) */
  private fromPreview(frame: FrameInput, text: string): Decoded {
    const head = previewMembers(text);
    const type = typeof head.type === 'string' ? head.type : undefined;
    const id = typeof head.id === 'string' ? head.id : undefined;
    const role = type === undefined ? undefined : this.dialect.roles.get(type);
    if (type === undefined) return this.out('?', {}, '', TRUNCATED);
    if (role === 'start' && id !== undefined) {
      const query = QUERY_RE.exec(text)?.[1].replace(ESCAPE_RE, ' ');
      return this.start(frame, type, id, { query, operationName: OPERATION_NAME_RE.exec(text)?.[1] }, true);
    }
    if (role && role !== 'control' && id !== undefined) {
      // pair it, but leave the start frame alone: a preview must not count as a result
      const op = this.ops.get(id);
      const summary = `${type} #${shortId(id)}${op ? ` ${op.label}` : ''}`;
      return this.out(summary, { type, id }, `${type} ${id}`, TRUNCATED, op ? [{ seq: op.seq, label: op.type }] : undefined);
    }
    return this.out(type, { type }, type, TRUNCATED);
  }
}

// ---- detection ----------------------------------------------------------------------------------------------

/** the frame as a message object, when it cheaply looks like one */
function message(frame: FrameInput): Record<string, unknown> | undefined {
  const t = frame.text;
  if (!t || t.charCodeAt(0) !== 123 || !t.includes('"type"')) return undefined;
  const m = parseJson(t);
  return isRecord(m) ? m : undefined;
}

const hasOperation = (m: Record<string, unknown>) => typeof m.id === 'string' && isRecord(m.payload);

/** graphql-ws (the `graphql-transport-ws` subprotocol) */
export const graphqlWs: Protocol = {
  id: 'graphql-ws',
  label: 'GraphQL (graphql-ws)',
  byHandshake: (_url, subprotocol) => subprotocol === 'graphql-transport-ws',
  byContent(frame) {
    // connection_init, connection_ack, error and complete exist in both dialects: only these are graphql-ws's own
    const m = message(frame);
    return !!m && (m.type === 'subscribe' || m.type === 'next') && hasOperation(m);
  },
  create: () => new GraphqlDecoder(GRAPHQL_WS),
};

/** subscriptions-transport-ws, Apollo's legacy protocol (the `graphql-ws` subprotocol) */
export const subscriptionsTransportWs: Protocol = {
  id: 'subscriptions-transport-ws',
  label: 'GraphQL (subscriptions-transport-ws)',
  byHandshake: (_url, subprotocol) => subprotocol === 'graphql-ws',
  byContent(frame) {
    const m = message(frame);
    if (!m) return false;
    if (m.type === 'start' || m.type === 'data') return hasOperation(m);
    return (m.type === 'ka' || m.type === 'connection_terminate') && m.id === undefined;
  },
  create: () => new GraphqlDecoder(LEGACY),
};
