/**
 * The frame filter: a direction, invert, keep-alives hidden, and a query of terms, all of which a row must match.
 *
 *   hello "two words" /re+gex/i      text, a phrase, a regex: over the frame, its preview and its decoded reading
 *   dir:sent  dir:received  dir:event the direction
 *   socket:/chat  socket:#3           the socket: a substring (or /regex/) of its url, or its number
 *   kind:binary                       text, binary, event, injected, page, or where it came from (panel, replay, mock)
 *   type:"event: chat message"        the message type (the "what dominates" table's rows), exactly
 *   event:chat                        a decoded field (its text contains the value); also matches the term as text
 *   $.user.name=Ada  $.items[0]       a JSON path in the frame (or its decoded fields), with a value or present at all
 *   size>1k  size<=512                the payload's size in bytes (k, kB, m, MB: 1024s)
 *   handler>5  handler>=0.5ms         the page's message listeners' total time for the frame, in ms
 *   threw                             a frame for which a page listener threw
 *   -term                             not this term
 *
 * A filter that is one `/regex/` as a whole is that regex, spaces and all (what the filter always was).
 */
import { splitRegex } from '../lib/regex';
import { parseJsonPath } from '../lib/rules';
import { isRecord } from '../lib/isRecord';
import { decodedView } from './decoding';
import { messageType } from './messageType';
import type { JsonPath } from '../../src/shared/protocol';
import type { Frame, Socket } from './model';

export type DirectionFilter = 'all' | 'sent' | 'received' | 'event';

export interface FilterSpec {
  text: string;
  direction: DirectionFilter;
  invert: boolean;
  /** hide every protocol's keep-alive frames (decoded as `heartbeat`); the toolbar counts what it hides */
  hideHeartbeats: boolean;
}

/** A filter kept under a name, per origin of the inspected page. */
export interface SavedFilter extends FilterSpec {
  name: string;
}

export interface CompiledFilter {
  /** null when the query is empty: everything matches */
  test: ((f: Frame) => boolean) | null;
  /** for highlighting matches in previews */
  regex: RegExp | null;
  error?: string;
}

type Test = (f: Frame) => boolean;
type SocketOf = (key: string) => Socket | undefined;

export const EMPTY_FILTER: FilterSpec = { text: '', direction: 'all', invert: false, hideHeartbeats: false };

const NONE: SocketOf = () => undefined;

/** Split a query into terms: whitespace apart, a "quoted phrase" or a /regex/flags (spaces allowed) as one. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    let j = i;
    const neg = text[j] === '-' ? 1 : 0;
    // a prefix such as `type:` or `socket:` may be followed by a quoted phrase or a regex
    const head = /^-?(?:[A-Za-z_][\w.-]*:)?/.exec(text.slice(i))![0].length;
    const open = text[i + Math.max(head, neg)];
    if (open === '"') {
      const close = text.indexOf('"', i + Math.max(head, neg) + 1);
      j = close < 0 ? text.length : close + 1;
    } else if (open === '/') {
      // to the next "/" followed by flags and the end or a space
      const m = /\/[a-z]*(?=\s|$)/g;
      m.lastIndex = i + Math.max(head, neg) + 2;
      const end = m.exec(text);
      j = end ? end.index + end[0].length : text.length;
    }
    while (j < text.length && !/\s/.test(text[j])) j++;
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

const unquote = (s: string) => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s.startsWith('"') ? s.slice(1) : s);

function textRegex(source: string, flags: string): RegExp {
  return new RegExp(source, flags.replace(/g/g, ''));
}

/**
 * The text a row is searched in: its preview, its whole text, its decoded reading (a protocol's, not the plain JSON
 * an undecided socket's rows get only when shown: decoding every row to search it would cost a flood its speed).
 */
function textTest(f: Frame, test: (s: string) => boolean): boolean {
  // each read of a row's preview and payload is made from its columns (rows.ts): read them once
  const preview = f.preview;
  if (test(preview)) return true;
  const p = f.payload;
  if (p?.type === 'text' && p.data.length > preview.length && test(p.data)) return true;
  const d = f.decoded;
  return d !== undefined && (test(d.summary) || test(d.search));
}

const SIZE = /^size(>=|<=|>|<|=)(\d+(?:\.\d+)?)(k|kb|m|mb|b)?$/i;
const HANDLER = /^handler(>=|<=|>|<|=)(\d+(?:\.\d+)?)(?:ms)?$/i;
const DIRECTIONS: Record<string, Frame['direction']> = { sent: 'sent', out: 'sent', up: 'sent', received: 'received', in: 'received', down: 'received', event: 'event', events: 'event' };

function at(value: unknown, path: JsonPath): { found: boolean; value?: unknown } {
  let v = value;
  for (const k of path) {
    if (Array.isArray(v) && typeof k === 'number') v = v[k];
    else if (isRecord(v) && typeof k === 'string' && Object.hasOwn(v, k)) v = v[k];
    else return { found: false };
    if (v === undefined) return { found: false };
  }
  return { found: true, value: v };
}

const parsedJson = new WeakMap<Frame, unknown>();
function jsonOf(f: Frame): unknown {
  if (f.payload?.type !== 'text' || f.payload.truncated) return undefined;
  if (parsedJson.has(f)) return parsedJson.get(f);
  let v: unknown;
  const t = f.payload.data.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      v = JSON.parse(t);
    } catch {
      v = undefined;
    }
  }
  parsedJson.set(f, v);
  return v;
}

function sameValue(found: unknown, want: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(want);
  } catch {
    parsed = want;
  }
  if (parsed === null || typeof parsed !== 'object') return found === parsed || (typeof found !== 'object' && String(found) === want);
  return JSON.stringify(found) === JSON.stringify(parsed);
}

/** One term to a test, or an error; `texts` collects what to highlight. */
function compileTerm(term: string, socket: SocketOf, texts: { source: string; i: boolean }[]): Test | string {
  const lower = term.toLowerCase();
  if (lower === 'threw') return (f) => f.threw === true;
  const handler = HANDLER.exec(term);
  if (handler) {
    const n = Number(handler[2]);
    const op = handler[1];
    return (f) => {
      if (f.handlerMs === undefined) return false;
      const ms = f.handlerMs;
      return op === '>' ? ms > n : op === '<' ? ms < n : op === '>=' ? ms >= n : op === '<=' ? ms <= n : ms === n;
    };
  }
  const size = SIZE.exec(term);
  if (size) {
    const unit = (size[3] ?? 'b').toLowerCase();
    const n = Number(size[2]) * (unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1);
    const op = size[1];
    return (f) => {
      if (!f.payload) return false;
      const s = f.payload.size;
      return op === '>' ? s > n : op === '<' ? s < n : op === '>=' ? s >= n : op === '<=' ? s <= n : s === n;
    };
  }
  const eq = term.indexOf('=');
  const p = term.startsWith('$') ? parseJsonPath(eq < 0 ? term : term.slice(0, eq)) : undefined;
  // `$.` or `$[` starts a path (and a broken one is an error); `$5` is text
  if (p?.error && /^\$[.[]/.test(term)) return p.error;
  if (p?.path) {
    const want = eq < 0 ? undefined : unquote(term.slice(eq + 1));
    return (f) => {
      const sources = [jsonOf(f), decodedView(f, socket(f.socketKey))?.fields];
      return sources.some((src) => {
        if (src === undefined) return false;
        const r = at(src, p.path!);
        return r.found && (want === undefined || sameValue(r.value, want));
      });
    };
  }
  const field = /^([A-Za-z_][\w.-]*):(.+)$/s.exec(term);
  if (field) {
    const key = field[1].toLowerCase();
    const raw = field[2];
    const value = unquote(raw);
    const v = value.toLowerCase();
    if (key === 'dir' || key === 'direction') {
      const d = DIRECTIONS[v];
      if (!d) return `dir: is sent, received or event (not "${value}").`;
      return (f) => f.direction === d;
    }
    if (key === 'kind') return (f) => f.kind === v || f.origin === v;
    if (key === 'type') {
      const want = v.replace(/"/g, '');
      return (f) => messageType(f, socket(f.socketKey))?.replace(/"/g, '').toLowerCase() === want;
    }
    if (key === 'socket') {
      const re = splitRegex(raw);
      if (re) {
        let r: RegExp;
        try {
          r = textRegex(re.source, re.flags);
        } catch (e) {
          return `Invalid regular expression: ${(e as Error).message}`;
        }
        return (f) => r.test(socket(f.socketKey)?.url ?? '');
      }
      const sid = /^#(\d+)$/.exec(value);
      if (sid) return (f) => socket(f.socketKey)?.sid === Number(sid[1]);
      return (f) => (socket(f.socketKey)?.url ?? '').toLowerCase().includes(v);
    }
    // a decoded field: `event:chat`. The term as text too, so `http://host` still finds what it always found.
    const asText = (s: string) => s.toLowerCase().includes(lower);
    texts.push({ source: escape(term), i: true });
    return (f) => {
      const fields = decodedView(f, socket(f.socketKey))?.fields;
      const got = isRecord(fields) ? fields[field[1]] : undefined;
      if (got !== undefined && got !== null && (typeof got !== 'object' ? String(got) : JSON.stringify(got)).toLowerCase().includes(v)) return true;
      return textTest(f, asText);
    };
  }
  const re = splitRegex(term);
  if (re) {
    let r: RegExp;
    try {
      r = textRegex(re.source, re.flags);
    } catch (e) {
      return `Invalid regular expression: ${(e as Error).message}`;
    }
    texts.push({ source: re.source, i: re.flags.includes('i') });
    return (f) => textTest(f, (s) => r.test(s));
  }
  const needle = unquote(term).toLowerCase();
  if (!needle) return () => true;
  texts.push({ source: escape(unquote(term)), i: true });
  return (f) => textTest(f, (s) => s.toLowerCase().includes(needle));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compile a query; `socket` finds a row's socket (its url, its decoder). */
export function compileFilter(text: string, socket: SocketOf = NONE): CompiledFilter {
  const t = text.trim();
  if (!t) return { test: null, regex: null };
  const whole = splitRegex(t);
  const terms = whole ? [t] : tokenize(t);
  const tests: Test[] = [];
  const texts: { source: string; i: boolean }[] = [];
  for (const term of terms) {
    const negated = term.length > 1 && term.startsWith('-') && !whole;
    const test = compileTerm(negated ? term.slice(1) : term, socket, negated ? [] : texts);
    if (typeof test === 'string') return { test: () => false, regex: null, error: test };
    tests.push(negated ? (f) => !test(f) : test);
  }
  let regex: RegExp | null = null;
  if (texts.length) {
    try {
      regex = new RegExp(texts.map((x) => `(?:${x.source})`).join('|'), texts.every((x) => !x.i) ? 'g' : 'gi');
    } catch {
      regex = null;
    }
  }
  return { test: tests.length === 1 ? tests[0] : (f) => tests.every((x) => x(f)), regex };
}

/**
 * Whether a row passes the filter. Its decoded reading counts too: a result row is found by the method name of the
 * call it answers, which its own text lacks. A preview cut for the table is no reason to miss a match further on.
 */
export function rowMatches(f: Frame, spec: FilterSpec, compiled: CompiledFilter): boolean {
  if (spec.direction !== 'all' && f.direction !== spec.direction) return false;
  const test = compiled.test;
  if (!test) return true;
  const hit = test(f);
  return spec.invert ? !hit : hit;
}
