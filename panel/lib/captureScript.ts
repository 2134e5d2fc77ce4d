/**
 * A capture as a script: the log's rows turned into what a mock server needs to stand in for the real one, the
 * exchange. Shared by the two exports (a Playwright test, exportPlaywright.ts; a standalone `ws` mock server,
 * exportMockServer.ts), which differ only in how they listen. Pure and browser-free.
 *
 * The rule that turns a recording into an exchange, per socket and in log order:
 *   - the server's frames that came before the page sent anything are sent as soon as the page connects;
 *   - the server's frames that came after the page's frame N (and before its frame N + 1) are the answer to N: they
 *     are sent when the page sends a frame that matches N, whether or not N caused them (a push on a timer is
 *     replayed after the frame it followed);
 *   - each recorded delay is kept relative to its trigger (the connection, or frame N), and the server's order is
 *     kept across triggers: an answer never overtakes an earlier one.
 * The generated files say this in their header, in words a user reads.
 */
import type { Frame, Socket } from '../store/model';
import { isRecord } from './isRecord';

export type ExportTarget = 'playwright' | 'mock-server';
/** `selected`: the selected sockets (else the one the composer acts on); `marked`: the marked rows only */
export type ExportScope = 'selected' | 'all' | 'marked';
/** how a page's frame is compared with a recorded one; binary frames are always compared byte for byte */
export type MatchMode = 'text' | 'json' | 'regex';
export type Timing = 'recorded' | 'fast';
/** a frame the capture does not have: the test fails, or it goes on to the real server */
export type Unmatched = 'fail' | 'pass';

export interface ScriptOptions {
  match: MatchMode;
  /** JSON mode: keys (`id`, anywhere) or paths (`$.meta.ts`) that may differ */
  ignore: string[];
  timing: Timing;
  unmatched: Unmatched;
}

export interface ExportChoices extends ScriptOptions {
  target: ExportTarget;
  scope: ExportScope;
}

export const DEFAULT_CHOICES: ExportChoices = { target: 'playwright', scope: 'selected', match: 'json', ignore: ['id', 'ts'], timing: 'recorded', unmatched: 'fail' };

/** A frame as it travels: text, or bytes as base64. */
export type WireFrame = { text: string; binary?: undefined } | { binary: string; text?: undefined };

/** One of the server's frames, `after` ms after what triggers it. */
export type ScriptReply = WireFrame & {
  after: number;
  /** JSON paths of the reply set to the page's value at a path of its frame: `{ '$.id': '$.id' }` */
  echo?: Record<string, string>;
};

/** One of the page's frames, with the server's frames that followed it. */
export type ScriptExpect = WireFrame & {
  /** text frames: how they are compared (a regex is its source, for the generators to write as a literal) */
  match?: 'text' | 'json' | { regex: string };
  replies: ScriptReply[];
};

export interface ScriptSocket {
  url: string;
  protocols: string[];
  onConnect: ScriptReply[];
  expects: ScriptExpect[];
}

export interface CaptureScript {
  pageUrl: string | undefined;
  /** ms since the epoch of the first frame exported */
  capturedAt: number | undefined;
  sockets: ScriptSocket[];
  options: ScriptOptions;
  counts: {
    sent: number;
    received: number;
    binary: number;
    /** frames left out: sent from the panel, dispatched by the page itself, or discarded by the browser */
    skipped: number;
    /** frames only a preview of which was in the log (their page was gone): exported cut */
    cut: number;
  };
  /** ms from the first exported frame to the last */
  spanMs: number;
}

/** `id, ts $.meta.at` → ['id', 'ts', '$.meta.at']: commas or white space between. */
export function parseIgnoreList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An ignore entry is a bare key or a path from `$`: anything else is a typo the user should hear about. */
export function ignoreListError(list: readonly string[]): string | undefined {
  const bad = list.find((s) => !/^(\$(\.[^.[\]\s]+|\[\d+\])+|[^$.[\]\s][^.[\]\s]*)$/.test(s));
  return bad === undefined ? undefined : `"${bad}" is neither a key (id) nor a JSON path ($.meta.ts)`;
}

/** Whether a row belongs in a script: a message the socket carried that the page (or the server) produced. */
function exportable(f: Frame): boolean {
  if (f.direction === 'event' || !f.payload || f.origin === 'page' || f.discarded) return false;
  // the page never sent what the panel sent or replayed on its socket: a test would wait for it forever
  if (f.direction === 'sent' && (f.origin === 'panel' || f.origin === 'replay')) return false;
  return true;
}

function wire(f: Frame): WireFrame {
  const p = f.payload!;
  return p.type === 'text' ? { text: p.data } : { binary: p.data };
}

/**
 * The exchange of each socket from its rows (in log order). `scope` only changes where the first delays are
 * counted from: a socket's open, or (marked rows, which may start anywhere) its first exported row.
 */
export function buildScript(
  sockets: readonly Socket[],
  rows: readonly Frame[],
  options: ScriptOptions,
  { pageUrl, fromFirstRow = false }: { pageUrl?: string; fromFirstRow?: boolean } = {},
): CaptureScript {
  const counts = { sent: 0, received: 0, binary: 0, skipped: 0, cut: 0 };
  const bySocket = new Map<string, Frame[]>();
  for (const f of rows) {
    if (f.direction === 'event') continue;
    if (!exportable(f)) {
      counts.skipped++;
      continue;
    }
    let list = bySocket.get(f.socketKey);
    if (!list) bySocket.set(f.socketKey, (list = []));
    list.push(f);
  }
  let first = Infinity;
  let last = -Infinity;
  const out: ScriptSocket[] = [];
  for (const s of sockets) {
    const frames = (bySocket.get(s.key) ?? []).slice().sort((a, b) => a.id - b.id);
    if (!frames.length) continue;
    const onConnect: ScriptReply[] = [];
    const expects: ScriptExpect[] = [];
    let replies = onConnect;
    let trigger = fromFirstRow || s.openedAt === undefined ? frames[0].time : Math.min(s.openedAt, frames[0].time);
    // when each of the page's frames was sent, for the echoes below
    const sentAt = new Map<ScriptExpect, number>();
    for (const f of frames) {
      first = Math.min(first, f.time);
      last = Math.max(last, f.time);
      if (f.payload!.truncated) counts.cut++;
      if (f.payload!.type !== 'text') counts.binary++;
      if (f.direction === 'sent') {
        counts.sent++;
        const e: ScriptExpect = { ...wire(f), replies: [] };
        if (e.text !== undefined) e.match = options.match === 'regex' ? { regex: exactRegex(e.text) } : options.match;
        expects.push(e);
        sentAt.set(e, f.time);
        replies = e.replies;
        trigger = f.time;
      } else {
        counts.received++;
        replies.push({ ...wire(f), after: Math.max(0, Math.round(f.time - trigger)) });
      }
    }
    if (options.match === 'json' && options.ignore.length) for (const e of expects) addEchoes(e, options.ignore, sentAt.get(e)!);
    out.push({ url: s.url, protocols: s.protocols, onConnect, expects });
  }
  return {
    pageUrl,
    capturedAt: Number.isFinite(first) ? first : undefined,
    sockets: out,
    options,
    counts,
    spanMs: Number.isFinite(first) ? Math.round(last - first) : 0,
  };
}

/** A regex source that matches exactly `text`, written so a user can read and loosen it (`\d+` for a number). */
export function exactRegex(text: string): string {
  const escaped = text
    .replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `^${escaped}$`;
}

// ------------------------------------------------------------------------------------------------- JSON paths

type Key = string | number;

/** `$.a.b[0]` from keys; the same spelling the generated scripts build while they walk a value. */
export function pathOf(keys: readonly Key[]): string {
  return '$' + keys.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
}

function isIgnored(keys: readonly Key[], ignore: readonly string[]): boolean {
  const key = keys[keys.length - 1];
  return (typeof key === 'string' && ignore.includes(key)) || ignore.includes(pathOf(keys));
}

/** Every primitive inside a JSON value with its keys. */
function leaves(value: unknown, keys: Key[] = [], out: { keys: Key[]; value: unknown }[] = []): { keys: Key[]; value: unknown }[] {
  if (Array.isArray(value)) value.forEach((v, i) => leaves(v, [...keys, i], out));
  else if (isRecord(value)) for (const k of Object.keys(value)) leaves(value[k], [...keys, k], out);
  else out.push({ keys, value });
  return out;
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** How far from a frame's recorded time a value may be and still read as the clock then. */
const CLOCK_WINDOW_MS = 60_000;

/**
 * Whether `value` reads as the time `at` (ms since the epoch) on a clock: ms or s since the epoch (a float too), or
 * an ISO 8601 date and time, within a minute of it.
 */
function isClockReading(value: unknown, at: number): boolean {
  const near = (ms: number) => Math.abs(ms - at) <= CLOCK_WINDOW_MS;
  if (typeof value === 'number') return near(value) || near(value * 1000);
  return typeof value === 'string' && /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(value) && near(Date.parse(value));
}

/**
 * The page's frame had an ignored field (an id) whose value the server's answer carried at a field of the same name:
 * the answer echoes it, so the replay will echo the page's new value there. Only the same key name counts, so a
 * `"result": 7` is not taken for an echo of `"id": 7`.
 *
 * A timestamp (a value that reads as the clock when the page sent the frame, `sentAt`) is no evidence of an echo:
 * the page and the server each stamp their frames with their own clock, and on a fast link (a server on localhost)
 * the two read the same millisecond, or the same second, often enough, so equal `ts` fields there would make an echo
 * of a coincidence, and the same capture export differently from one recording to the next. A server that does send
 * the page's time back (a ping's in its pong) gets its recorded value replayed instead; the matching ignores it anyway.
 */
function addEchoes(e: ScriptExpect, ignore: readonly string[], sentAt: number): void {
  if (e.text === undefined) return;
  const sent = parseJson(e.text);
  if (!sent || typeof sent.value !== 'object' || sent.value === null) return;
  const ignored = leaves(sent.value).filter(
    (l) => l.keys.length && isIgnored(l.keys, ignore) && l.value !== null && typeof l.value !== 'boolean' && !isClockReading(l.value, sentAt),
  );
  if (!ignored.length) return;
  for (const r of e.replies) {
    if (r.text === undefined) continue;
    const got = parseJson(r.text);
    if (!got || typeof got.value !== 'object' || got.value === null) continue;
    const echo: Record<string, string> = {};
    for (const leaf of leaves(got.value)) {
      const name = leaf.keys[leaf.keys.length - 1];
      const from = ignored.find((i) => i.value === leaf.value && i.keys[i.keys.length - 1] === name);
      if (from) echo[pathOf(leaf.keys)] = pathOf(from.keys);
    }
    if (Object.keys(echo).length) r.echo = echo;
  }
}

// ------------------------------------------------------------------------------------------------- writing code

/**
 * A JS string literal: JSON's (also JavaScript's since ES2019), in single quotes when the text has double quotes and
 * no single ones, so a JSON frame reads as itself.
 */
export function str(s: string): string {
  const json = JSON.stringify(s);
  if (!s.includes('"') || s.includes("'")) return json;
  // drop the backslash before each double quote; every other escape pair stays as it was
  return `'${json.slice(1, -1).replace(/\\(.)/g, (pair, c: string) => (c === '"' ? '"' : pair))}'`;
}

/** The text to put in a `/* … *\/` comment: nothing in it may end the comment. */
export function commentSafe(s: string): string {
  return s.replace(/\*\//g, '*\\/').replace(/[\r\n\u2028\u2029]+/g, ' ');
}

function replyLiteral(r: ScriptReply): string {
  const body = r.text !== undefined ? `text: ${str(r.text)}` : `binary: ${str(r.binary)}`;
  const echo = r.echo ? `, echo: { ${Object.entries(r.echo).map(([to, from]) => `${str(to)}: ${str(from)}`).join(', ')} }` : '';
  return `{ after: ${r.after}, ${body}${echo} }`;
}

function matchLiteral(m: ScriptExpect['match']): string {
  if (m === undefined) return '';
  return `\n        match: ${typeof m === 'string' ? str(m) : `/${m.regex}/`},`;
}

function repliesLiteral(replies: readonly ScriptReply[], pad: string): string {
  if (!replies.length) return '[]';
  return `[\n${replies.map((r) => `${pad}  ${replyLiteral(r)},`).join('\n')}\n${pad}]`;
}

/** The recorded sockets as a readable array literal: one line per frame. */
export function socketsLiteral(sockets: readonly ScriptSocket[]): string {
  const parts = sockets.map((s) => {
    const expects = s.expects.length
      ? `[\n${s.expects
          .map((e) => {
            const body = e.text !== undefined ? `text: ${str(e.text)},${matchLiteral(e.match)}` : `binary: ${str(e.binary)},`;
            return `      {\n        ${body}\n        replies: ${repliesLiteral(e.replies, '        ')},\n      },`;
          })
          .join('\n')}\n    ]`
      : '[]';
    return [
      '  {',
      `    url: ${str(s.url)},`,
      `    protocols: [${s.protocols.map(str).join(', ')}],`,
      `    // each of the server's frames: \`after\` ms after its trigger, text or binary (base64), \`echo\`: fields set from the page's frame`,
      `    // sent as soon as the page connects`,
      `    onConnect: ${repliesLiteral(s.onConnect, '    ')},`,
      `    // the page's frames in order, each with the server's frames that followed it`,
      `    expects: ${expects},`,
      '  },',
    ].join('\n');
  });
  return `[\n${parts.join('\n')}\n]`;
}

/** What both headers say about the capture and the rules: the lines of a block comment, without the stars. */
export function describeScript(script: CaptureScript, appVersion: string, now: Date): string[] {
  const c = script.counts;
  const lines = [
    `Captured by WS Lens ${appVersion} on ${now.toISOString().slice(0, 19).replace('T', ' ')} UTC${script.pageUrl ? ` from ${commentSafe(script.pageUrl)}` : ''}:`,
    `${script.sockets.length} socket${script.sockets.length === 1 ? '' : 's'}, ${c.sent} frame${c.sent === 1 ? '' : 's'} sent by the page, ${c.received} by the server` +
      (c.binary ? ` (${c.binary} binary, as base64)` : '') +
      `, over ${(script.spanMs / 1000).toFixed(1)} s.`,
  ];
  for (const s of script.sockets) {
    const sent = s.expects.length;
    const received = s.onConnect.length + s.expects.reduce((n, e) => n + e.replies.length, 0);
    lines.push(`  ${commentSafe(s.url)}: ${sent} sent, ${received} received`);
  }
  if (c.skipped) lines.push(`Left out: ${c.skipped} frame${c.skipped === 1 ? '' : 's'} the page did not send itself (sent from the panel, dispatched by the page, or not sent: closed).`);
  if (c.cut) lines.push(`WARNING: ${c.cut} frame${c.cut === 1 ? ' is' : 's are'} only a preview (the page was gone before the whole payload was fetched): ${c.cut === 1 ? 'it' : 'they'} will not match.`);
  lines.push(
    '',
    'How the server side is replayed (per socket, in the recorded order):',
    "  - the server's frames that came before the page sent anything are sent as soon as the page connects;",
    "  - the server's frames that came after the page's frame N are sent when the page sends a frame matching N",
    '    (also those the server pushed on its own, on a timer: they are replayed after the frame they followed);',
    '  - each recorded page frame is answered once: a page frame takes the first unanswered recorded frame it',
    '    matches, so a text the page sends twice takes the two recordings in turn;',
    "  - TIMING 'recorded' keeps each delay after its trigger (the connection or frame N), 'fast' sends at once; either",
    "    way an answer never overtakes an earlier one. The Nth connection to a URL (its query ignored) plays the Nth",
    '    socket recorded for it.',
    'How a page frame matches a recorded one (`match` of each frame; edit it):',
    "  'text': the same text; 'json': the same JSON, keys in any order, leaving out IGNORE (a bare key such as id",
    "  anywhere, a path such as $.meta.ts exactly there); a /regex/: tested against the text. Binary frames: the same",
    '  bytes. An ignored field the server echoed in its answer (an id) is echoed with the page\'s new value (`echo`);',
    '  a timestamp the answer had too is not taken for an echo (two clocks can read the same millisecond).',
    "UNMATCHED 'fail': a frame the capture does not have is an error; 'pass': it goes on to the real server (then the",
    "server's own frames reach the page too). Close frames are not replayed.",
  );
  return lines;
}

/** `lines` as the inside of a `/** … *\/` block. */
export function blockComment(lines: readonly string[]): string {
  return ['/**', ...lines.map((l) => (l ? ` * ${l}` : ' *')), ' */'].join('\n');
}
