import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HAR_MAX_BYTES, exportHar, importHar, tooBigMessage, type HarLog, type ImportedSocket } from '../../panel/lib/har';
import { framesToJsonLines } from '../../panel/lib/jsonl';
import { sendSnippet } from '../../panel/lib/snippet';
import { applyPageMessage, createLog, type Log } from '../../panel/store/log';
import type { Frame, Socket } from '../../panel/store/model';
import type { Payload } from '../../src/shared/protocol';
import { events, text } from './fixtures';

const CHROME_HAR = fs.readFileSync(new URL('../fixtures/chrome-devtools.har', import.meta.url), 'utf8');

// page clocks: performance.timeOrigin + performance.now(), fractional milliseconds
const T = 1716000000123.456;
const bin = (data: string, type: 'binary' | 'blob' = 'binary'): Payload => ({ type, data, size: atob(data).length, truncated: false });
/** HAR message times are seconds; WS Lens reads them back to the microsecond, the finest a page clock gives */
const us = (ms: number) => Math.round(ms * 1000) / 1000;
const LONE = 'lone \ud800 high, \udc00 low, pair 😀, line\u2028sep';

/** A log as the panel builds it: a socket with every kind of frame, one that closed, one that never opened. */
function sampleLog(): Log {
  const s = createLog();
  let t = T;
  const at = () => (t += 1.005);
  applyPageMessage(
    s,
    0,
    events('doc', [
      { kind: 'created', sid: 1, time: at(), url: 'wss://api.example.test/feed?room=a%20b&x=1', protocols: ['json.v1', 'chat'], stack: 'at app.js:3' },
      { kind: 'open', sid: 1, time: at(), protocol: 'json.v1', extensions: 'permessage-deflate' },
      { kind: 'message', sid: 1, time: at(), direction: 'sent', payload: text('{"op":"hi","é":"😀"}\n</script>'), bufferedAmount: 0 },
      { kind: 'message', sid: 1, time: at(), direction: 'received', payload: text(LONE) },
      { kind: 'message', sid: 1, time: at(), direction: 'received', payload: text('') },
      { kind: 'message', sid: 1, time: at(), direction: 'sent', payload: bin('AAEC+v8=') },
      { kind: 'message', sid: 1, time: at(), direction: 'received', payload: bin('') },
      { kind: 'message', sid: 1, time: at(), direction: 'sent', payload: bin('aGVsbG8=', 'blob') },
      { kind: 'message', sid: 1, time: at(), direction: 'received', payload: text('fake'), origin: 'injected' },
      {
        kind: 'message',
        sid: 1,
        time: at(),
        direction: 'sent',
        payload: text('{"n":2}'),
        original: '{"n":1}',
        rule: { id: 'r1', name: 'bump', action: 'rewrite' },
      },
      { kind: 'created', sid: 2, time: at(), url: 'ws://127.0.0.1:9/never', protocols: [], stack: '' },
      { kind: 'error', sid: 2, time: at() },
      { kind: 'close', sid: 2, time: at(), code: 1006, reason: '', wasClean: false },
      { kind: 'state', sid: 1, time: at(), state: 'closing' },
      { kind: 'close', sid: 1, time: at(), code: 4001, reason: 'bye ✓', wasClean: true },
    ]),
  );
  return s;
}

function sockets(s: Log): Socket[] {
  return s.socketOrder.map((k) => s.sockets.get(k)!);
}

/** What an import must give back for the sockets of `s`: the original, in ImportedSocket's shape. */
function expected(s: Log): ImportedSocket[] {
  return sockets(s).map((sock) => {
    const frames = s.frames.filter((f) => f.socketKey === sock.key);
    let sent = 0;
    const messages = [];
    const evs = [];
    for (const f of frames) {
      if (f.direction === 'event') evs.push({ time: f.time, label: f.label!, preview: f.preview, after: sent });
      else {
        sent++;
        messages.push({
          direction: f.direction,
          time: us(f.time),
          payload: f.payload!,
          origin: f.origin,
          rule: f.rule,
          original: f.original,
          bufferedAmount: f.bufferedAmount,
        });
      }
    }
    return {
      url: sock.url,
      protocol: sock.protocol,
      protocols: sock.protocols,
      extensions: sock.extensions,
      startedAt: sock.createdAt,
      openedAt: sock.openedAt,
      closedAt: sock.closedAt,
      closed: sock.code === undefined ? undefined : { code: sock.code, reason: sock.reason!, wasClean: sock.wasClean! },
      errored: sock.errored,
      stack: sock.stack,
      messages,
      events: evs,
    };
  });
}

function exportLog(s: Log, extra: Partial<Parameters<typeof exportHar>[0]> = {}): HarLog {
  return exportHar({ sockets: sockets(s), frames: s.frames, pageUrl: 'https://app.example.test/', version: '0.2.0', ...extra });
}

function imported(text: string) {
  const r = importHar(text);
  if (!r.ok) throw new Error(`import failed: ${r.error}`);
  return r;
}

// ------------------------------------------------------------------------------------------------- HAR 1.2 check

// the checker walks JSON of any shape, field by field
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const isNum = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
const isStr = (x: unknown) => typeof x === 'string';
const ISO_8601 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** Every field HAR 1.2 requires, with its type; Chrome's WebSocket fields as Chrome's importer reads them. */
function harProblems(doc: unknown): string[] {
  const p: string[] = [];
  const need = (ok: boolean, what: string) => void (ok || p.push(what));
  const nameValues = (list: unknown, where: string) => {
    need(Array.isArray(list), `${where} is an array`);
    if (Array.isArray(list)) list.forEach((h, i) => need(isStr(h?.name) && isStr(h?.value), `${where}[${i}] has string name and value`));
  };
  const log: Json = (doc as HarLog)?.log;
  need(typeof log === 'object', 'log');
  if (typeof log !== 'object') return p;
  need(log.version === '1.2', 'log.version 1.2');
  need(isStr(log.creator?.name) && isStr(log.creator?.version), 'log.creator name and version');
  const pageIds = new Set<string>();
  if (log.pages !== undefined) {
    need(Array.isArray(log.pages), 'log.pages is an array');
    for (const [i, pg] of (log.pages as Json[]).entries()) {
      need(ISO_8601.test(pg.startedDateTime), `pages[${i}].startedDateTime ISO 8601`);
      need(isStr(pg.id) && isStr(pg.title), `pages[${i}] id and title`);
      need(typeof pg.pageTimings === 'object', `pages[${i}].pageTimings`);
      for (const k of ['onContentLoad', 'onLoad']) if (pg.pageTimings?.[k] !== undefined) need(pg.pageTimings[k] >= -1, `pages[${i}].pageTimings.${k} >= -1`);
      pageIds.add(pg.id);
    }
  }
  need(Array.isArray(log.entries), 'log.entries is an array');
  for (const [i, e] of (log.entries as Json[]).entries()) {
    const at = `entries[${i}]`;
    if (e.pageref !== undefined) need(pageIds.has(e.pageref), `${at}.pageref names a page`);
    need(ISO_8601.test(e.startedDateTime), `${at}.startedDateTime ISO 8601`);
    const q = e.request ?? {};
    need(isStr(q.method) && isStr(q.url) && isStr(q.httpVersion), `${at}.request method, url, httpVersion`);
    need(Array.isArray(q.cookies), `${at}.request.cookies`);
    nameValues(q.headers, `${at}.request.headers`);
    nameValues(q.queryString, `${at}.request.queryString`);
    need(isNum(q.headersSize) && isNum(q.bodySize) && q.headersSize >= -1 && q.bodySize >= -1, `${at}.request sizes`);
    const r = e.response ?? {};
    need(isNum(r.status) && isStr(r.statusText) && isStr(r.httpVersion), `${at}.response status, statusText, httpVersion`);
    need(Array.isArray(r.cookies), `${at}.response.cookies`);
    nameValues(r.headers, `${at}.response.headers`);
    need(isNum(r.content?.size) && isStr(r.content?.mimeType), `${at}.response.content size and mimeType`);
    need(isStr(r.redirectURL), `${at}.response.redirectURL`);
    need(isNum(r.headersSize) && isNum(r.bodySize) && r.headersSize >= -1 && r.bodySize >= -1, `${at}.response sizes`);
    need(typeof e.cache === 'object' && e.cache !== null, `${at}.cache`);
    const t = e.timings ?? {};
    for (const k of ['send', 'wait', 'receive']) need(isNum(t[k]) && t[k] >= 0, `${at}.timings.${k} >= 0`);
    for (const k of ['blocked', 'dns', 'connect', 'ssl']) if (t[k] !== undefined) need(isNum(t[k]) && t[k] >= -1, `${at}.timings.${k} >= -1`);
    // HAR: time is the sum of the timings, -1 (not applicable) excluded; ssl is already inside connect
    const sum = ['blocked', 'dns', 'connect', 'send', 'wait', 'receive'].reduce((a, k) => a + (isNum(t[k]) && t[k] > 0 ? t[k] : 0), 0);
    need(isNum(e.time) && Math.abs(e.time - sum) < 1e-9, `${at}.time is the sum of its timings`);
    if (e._resourceType === 'websocket') {
      need(Array.isArray(e._webSocketMessages), `${at}._webSocketMessages`);
      for (const [j, m] of (e._webSocketMessages as Json[]).entries())
        need(
          (m.type === 'send' || m.type === 'receive') && isNum(m.time) && (m.opcode === 1 || m.opcode === 2) && isStr(m.data),
          `${at}._webSocketMessages[${j}] type, time, opcode, data`,
        );
    }
  }
  return p;
}

// ------------------------------------------------------------------------------------------------- tests

describe('exportHar', () => {
  it('writes a HAR 1.2 document with every required field', () => {
    const har = exportLog(sampleLog());
    expect(harProblems(har)).toEqual([]);
    expect(har.log.creator).toEqual({ name: 'WS Lens', version: '0.2.0' });
    expect(har.log.pages).toHaveLength(1);
    expect(har.log.pages[0].title).toBe('https://app.example.test/');
    expect(harProblems(exportLog(sampleLog(), { pageUrl: undefined }))).toEqual([]);
    expect(exportLog(sampleLog(), { pageUrl: undefined }).log.pages).toEqual([]);
  });

  it('writes one Chrome-style websocket entry per socket: handshake, status and messages', () => {
    const log = sampleLog();
    const [open, never] = exportLog(log).log.entries;
    expect(open._resourceType).toBe('websocket');
    expect(open.request.url).toBe('wss://api.example.test/feed?room=a%20b&x=1');
    expect(open.request.queryString).toEqual([
      { name: 'room', value: 'a b' },
      { name: 'x', value: '1' },
    ]);
    expect(open.request.headers).toEqual([{ name: 'Sec-WebSocket-Protocol', value: 'json.v1, chat' }]);
    expect(open.response.status).toBe(101);
    expect(open.response.headers).toEqual([
      { name: 'Sec-WebSocket-Protocol', value: 'json.v1' },
      { name: 'Sec-WebSocket-Extensions', value: 'permessage-deflate' },
    ]);
    expect(open.timings.wait).toBeCloseTo(1.005, 3);
    expect(open._webSocketMessages.map((m) => [m.type, m.opcode])).toEqual([
      ['send', 1],
      ['receive', 1],
      ['receive', 1],
      ['send', 2],
      ['receive', 2],
      ['send', 2],
      ['receive', 1],
      ['send', 1],
    ]);
    // Chrome's unit: seconds since the epoch
    expect(open._webSocketMessages[0].time).toBeCloseTo(log.frames[2].time / 1000, 6);
    expect(open._webSocketMessages[3].data).toBe('AAEC+v8=');
    expect(open._webSocketMessages[5]._wsLens).toEqual({ blob: true });
    expect(never.response.status).toBe(0);
    expect(never.request.headers).toEqual([]);
    expect(never._webSocketMessages).toEqual([]);
    expect(never._wsLens.close).toEqual({ code: 1006, reason: '', wasClean: false });
  });

  it('uses the full payload of a preview-only frame when the panel has it, else marks the preview as cut', () => {
    const s = createLog();
    const preview = { type: 'text' as const, data: 'x'.repeat(10), size: 50_000, truncated: true };
    const binPreview = { type: 'binary' as const, data: 'AAAA', size: 9000, truncated: true };
    applyPageMessage(
      s,
      0,
      events('d', [
        { kind: 'created', url: 'ws://h/', protocols: [], stack: '' },
        { kind: 'message', direction: 'received', payload: preview },
        { kind: 'message', direction: 'received', payload: binPreview },
      ]),
    );
    const back = imported(JSON.stringify(exportLog(s))).sockets[0].messages;
    expect(back.map((m) => m.payload)).toEqual([preview, binPreview]);

    // the panel fetches a preview's whole payload into its row before it exports (Store.exportHar)
    const full = text('x'.repeat(50_000));
    s.frames[1].payload = full;
    const withFull = exportLog(s);
    const [m1, m2] = withFull.log.entries[0]._webSocketMessages;
    expect(m1.data).toBe(full.data);
    expect(m1._wsLens).toBeUndefined();
    expect(m2).toMatchObject({ opcode: 2, data: 'AAAA', _wsLens: { cut: { size: 9000 } } });
    expect(withFull.log.entries[0]._wsLens.cut).toBe(1);
  });
});

describe('WS Lens -> HAR -> WS Lens', () => {
  it('gives back the original sockets, messages (text, binary, blob, empty) and lifecycle events', () => {
    const s = sampleLog();
    const r = imported(JSON.stringify(exportLog(s)));
    expect(r.skipped).toBe(0);
    expect(r.sockets).toEqual(expected(s));
    // exact text, lone surrogates included (JSON keeps them as \ud800 escapes)
    expect(r.sockets[0].messages[1].payload.data).toBe(LONE);
  });

  it('keeps frame order and times to the microsecond (seconds in the HAR)', () => {
    const s = sampleLog();
    const msgs = imported(JSON.stringify(exportLog(s))).sockets[0].messages;
    const orig = s.frames.filter((f) => f.socketKey === 'doc#1' && f.direction !== 'event');
    expect(msgs.map((m) => m.time)).toEqual(orig.map((f) => us(f.time)));
  });
});

describe('importHar of a HAR Chrome DevTools wrote (test/fixtures/chrome-devtools.har)', () => {
  const raw = JSON.parse(CHROME_HAR);
  const wsEntries = raw.log.entries.filter((e: { _resourceType: string }) => e._resourceType === 'websocket');

  it('is what Chrome writes: seconds, opcode 1 text / 2 base64, data frames only', () => {
    expect(raw.log.creator.name).toBe('WebInspector');
    const all = wsEntries.flatMap((e: { _webSocketMessages: unknown[] }) => e._webSocketMessages);
    for (const m of all) {
      expect(Object.keys(m).sort()).toEqual(['data', 'opcode', 'time', 'type']);
      expect(m.time).toBeGreaterThan(1e9);
      expect(m.time).toBeLessThan(1e10);
      expect([1, 2]).toContain(m.opcode);
    }
  });

  it('reads its sockets and messages, skipping its HTTP entries', () => {
    const r = imported(CHROME_HAR);
    expect(r.skipped).toBe(0);
    expect(r.sockets.map((s) => new URL(s.url).pathname)).toEqual(['/echo', '/close']);
    const [echo, close] = r.sockets;
    expect([echo.protocol, echo.protocols, echo.extensions]).toEqual(['json.v1', ['json.v1', 'chat'], '']);
    expect(echo.openedAt).toBeGreaterThanOrEqual(echo.startedAt);
    expect(echo.closed).toBeUndefined(); // Chrome does not record closes
    const out = echo.messages.filter((m) => m.direction === 'sent').map((m) => m.payload);
    expect(out).toEqual([
      text('hello'),
      text('{"op":"subscribe","topic":"prices","id":7}'),
      text('héllo wörld ✓ 日本 😀'),
      text(''),
      bin('AAEC+v8='),
      expect.objectContaining({ type: 'binary', size: 100, truncated: false }),
      bin(''),
    ]);
    // the echo server sent each back, binary as binary
    expect(echo.messages.filter((m) => m.direction === 'received').map((m) => m.payload)).toEqual(out);
    expect(close.messages.map((m) => [m.direction, m.payload.data])).toEqual([['sent', 'close:4001:server bye']]);
    for (const m of echo.messages) expect(m.time).toBeGreaterThanOrEqual(echo.startedAt);
  });

  it('counts control frames and opcodes it cannot show as skipped, and keeps frame errors as events', () => {
    const har = JSON.parse(CHROME_HAR);
    const msgs = har.log.entries.find((e: { _resourceType: string }) => e._resourceType === 'websocket')._webSocketMessages;
    msgs.push({ type: 'receive', time: msgs[0].time, opcode: 9, data: '' }, { type: 'send', time: msgs[0].time, opcode: 8, data: 'A+g=' });
    msgs.push({ type: 'error', time: msgs[0].time + 1, opcode: -1, data: 'Invalid frame header' });
    const r = imported(JSON.stringify(har));
    expect(r.skipped).toBe(2);
    expect(r.sockets[0].messages).toHaveLength(14);
    expect(r.sockets[0].events).toEqual([{ time: us((msgs[0].time + 1) * 1000), label: 'error', preview: 'Invalid frame header', after: 14 }]);
  });
});

describe('importHar errors: one sentence, never an exception', () => {
  const har = (entries: unknown[], creator = { name: 'tool', version: '1' }) => JSON.stringify({ log: { version: '1.2', creator, entries } });
  const wsEntry = (messages: unknown) => ({
    startedDateTime: '2024-05-01T10:00:00.000Z',
    request: { url: 'wss://h/x', headers: [] },
    response: { status: 101, headers: [] },
    _resourceType: 'websocket',
    _webSocketMessages: messages,
  });
  const httpEntry = { startedDateTime: '2024-05-01T10:00:00.000Z', request: { url: 'https://h/' }, response: { status: 200 } };
  const error = (text: string, opts?: { maxBytes?: number }) => {
    const r = importHar(text, opts);
    if (r.ok) throw new Error('expected an error');
    return r.error;
  };

  it('not JSON: says so with the parser message', () => {
    expect(error('{"log": ')).toMatch(/^This file is not JSON: .*JSON.*\.$/);
    expect(error('')).toMatch(/^This file is not JSON: /);
  });

  it('not a HAR', () => {
    for (const t of ['{}', '[]', 'null', '"x"', '{"log":{}}', '{"log":{"entries":{}}}'])
      expect(error(t)).toBe('This file is JSON but not a HAR: it has no log.entries list.');
  });

  it('no WebSocket entries: says how many entries there were', () => {
    expect(error(har([httpEntry, httpEntry, httpEntry]))).toBe('This HAR has no WebSocket connections: its 3 entries are HTTP requests.');
    expect(error(har([httpEntry]))).toBe('This HAR has no WebSocket connections: its 1 entry is an HTTP request.');
    expect(error(har([]))).toBe('This HAR has no entries at all, so no WebSocket to import.');
  });

  it('a Firefox HAR: says Firefox does not save WebSocket messages', () => {
    const handshake = { ...httpEntry, request: { url: 'wss://h/socket' }, response: { status: 101 } };
    expect(error(har([httpEntry, handshake], { name: 'Firefox', version: '128.0' }))).toBe(
      'This HAR was written by Firefox, which does not save WebSocket messages in HAR files (it has 2 entries, none with messages): export the HAR from Chrome DevTools or WS Lens instead.',
    );
    expect(error(har([httpEntry, handshake], { name: 'SomeProxy', version: '1' }))).toBe(
      'This HAR has 1 WebSocket connection but no WebSocket messages: SomeProxy does not save them, so export the HAR from Chrome DevTools or WS Lens instead.',
    );
  });

  it('a malformed message: names the entry, the index and the problem', () => {
    const at = 'The WebSocket message log.entries[1]._webSocketMessages[1] (wss://h/x) is malformed: ';
    const ok = { type: 'send', time: 1714557600.5, opcode: 1, data: 'a' };
    const cases: [unknown, string][] = [
      [null, 'it is not an object'],
      [{ ...ok, type: 'sent' }, 'its type is "sent", not "send", "receive" or "error"'],
      [{ ...ok, time: '12:00' }, 'its time is not a number'],
      [{ ...ok, opcode: undefined }, 'its opcode is not a number'],
      [{ ...ok, data: 42 }, 'its data is not a string'],
      [{ ...ok, opcode: 2, data: 'not base64!' }, 'its opcode is 2 (binary) but its data is not base64'],
    ];
    for (const [bad, what] of cases) expect(error(har([httpEntry, wsEntry([ok, bad])]))).toBe(`${at}${what}.`);
  });

  it('a malformed WebSocket entry', () => {
    expect(error(har([{ ...wsEntry([]), request: {} }]))).toBe('The WebSocket entry log.entries[0] is malformed: it has no request.url.');
    expect(error(har([{ ...wsEntry([]), startedDateTime: 'yesterday' }]))).toBe(
      'The WebSocket entry log.entries[0] (wss://h/x) is malformed: its startedDateTime is not a date.',
    );
    expect(error(har([wsEntry({})]))).toBe('The WebSocket entry log.entries[0] (wss://h/x) is malformed: its _webSocketMessages is not a list.');
  });

  it('too big: checked before parsing, with the size and the limit', () => {
    expect(error('x'.repeat(2048), { maxBytes: 1024 })).toBe('This file is 2 KB, more than the 1 KB WS Lens can import.');
    // counted in UTF-8 bytes, as on disk: 400 × "é" is 800 bytes
    expect(error(`"${'é'.repeat(400)}"`, { maxBytes: 700 })).toBe('This file is 802 bytes, more than the 700 bytes WS Lens can import.');
    expect(HAR_MAX_BYTES).toBe(200 * 1024 * 1024);
    expect(tooBigMessage(312 * 1024 * 1024)).toBe('This file is 312 MB, more than the 200 MB WS Lens can import.');
  });

  it('survives odd shapes without throwing', () => {
    const odd = [
      har([null, 1, 'x', []]),
      har([{ _resourceType: 'websocket' }]),
      har([{ ...wsEntry([]), response: null, timings: 'x', _wsLens: { v: 1, events: 'x', protocols: [1, 'a'], close: 'x' } }]),
      har([{ ...wsEntry([{ type: 'send', time: 1, opcode: 1, data: 'a', _wsLens: { cut: 'x', rule: 1, edited: 'x' } }]) }]),
      JSON.stringify({ log: { entries: [wsEntry([])], creator: 7 } }),
    ];
    for (const t of odd) expect(() => importHar(t)).not.toThrow();
    const r = imported(odd[2]);
    expect(r.sockets[0].protocols).toEqual(['a']);
    expect(r.sockets[0].events).toBeUndefined();
  });
});

describe('framesToJsonLines', () => {
  it('writes one parseable JSON object a line, in log order', () => {
    const s = sampleLog();
    const out = framesToJsonLines(s.frames, s.sockets);
    expect(out.endsWith('\n')).toBe(true);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(s.frames.length);
    const rows = lines.map((l) => JSON.parse(l));
    rows.forEach((row, i) => {
      const f: Frame = s.frames[i];
      expect(row.time).toBe(new Date(f.time).toISOString());
      expect(row.url).toBe(s.sockets.get(f.socketKey)!.url);
      expect(row.direction).toBe(f.direction);
    });
    expect(rows[0]).toMatchObject({ type: 'event', event: 'created' });
    expect(rows[2]).toEqual({
      time: rows[2].time,
      url: 'wss://api.example.test/feed?room=a%20b&x=1',
      direction: 'sent',
      type: 'text',
      data: '{"op":"hi","é":"😀"}\n</script>',
      size: 30,
      truncated: false,
    });
    expect(rows[3].data).toBe(LONE);
    expect(rows[5]).toMatchObject({ type: 'binary', data: 'AAEC+v8=', size: 5 });
    expect(rows[7]).toMatchObject({ type: 'binary', blob: true });
    expect(rows[8]).toMatchObject({ origin: 'injected' });
  });
});

describe('sendSnippet', () => {
  /** Run the snippet as the console would, with a fake `socket`; return what it sent. */
  function sent(snippet: string): unknown {
    let out: unknown;
    new Function('socket', snippet)({ send: (x: unknown) => void (out = x) });
    return out;
  }
  const bytesOf = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

  it('text: a string literal that gives back the exact text', () => {
    const texts = ['', 'plain', `quotes ' " \` and \\ backslash`, 'new\nline\r\ttab', '</script><script>alert(1)</script>', LONE, '\u2029 and \0 and \x7f', '${x} `tpl`'];
    for (const t of texts) {
      const snippet = sendSnippet(text(t));
      expect(sent(snippet)).toBe(t);
      expect(snippet).not.toMatch(/<\/script|[\n\r\u2028\u2029]/i);
    }
    expect(sendSnippet(text('{"a":1}'))).toBe('socket.send("{\\"a\\":1}");');
  });

  it('binary: an array literal when small, base64 when larger; Blob kept a Blob', async () => {
    const small = sendSnippet(bin('AAEC+v8='));
    expect(small).toBe('socket.send(new Uint8Array([0, 1, 2, 250, 255]));');
    expect(sent(small)).toEqual(new Uint8Array([0, 1, 2, 250, 255]));
    expect(sent(sendSnippet(bin('')))).toEqual(new Uint8Array(0));

    const bigBytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 255);
    const big = Buffer.from(bigBytes).toString('base64');
    const snippet = sendSnippet(bin(big));
    expect(snippet).toMatch(/^socket\.send\(Uint8Array\.from\(atob\('/);
    expect(sent(snippet)).toEqual(bigBytes);

    for (const b64 of ['aGVsbG8=', big]) {
      const blob = sent(sendSnippet(bin(b64, 'blob')));
      expect(blob).toBeInstanceOf(Blob);
      expect(new Uint8Array(await (blob as Blob).arrayBuffer())).toEqual(bytesOf(b64));
    }
  });

  it('a preview-only payload still runs, and says it is partial', () => {
    const snippet = sendSnippet({ type: 'text', data: 'abc', size: 90_000, truncated: true });
    expect(sent(snippet)).toBe('abc');
    expect(snippet).toContain('// only the first part was captured (90000 characters in all)');
  });
});
