/**
 * Export a capture as a Playwright test and as a mock server: the exchange built from the log's rows
 * (captureScript.ts), and the two generated files, checked as code (TypeScript's type checker against Playwright's
 * own types, node --check) and run: the spec against a fake page.routeWebSocket, the mock server as a real process
 * with a real `ws` client.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { buildScript, exactRegex, ignoreListError, parseIgnoreList, str, type ScriptOptions } from '../../panel/lib/captureScript';
import { exportMockServer } from '../../panel/lib/exportMockServer';
import { exportPlaywright } from '../../panel/lib/exportPlaywright';
import { applyPageMessage, createLog, type Log } from '../../panel/store/log';
import type { Frame, Socket } from '../../panel/store/model';
import type { Payload } from '../../src/shared/protocol';
import { events, text } from './fixtures';

const root = path.resolve(__dirname, '../..');
const T = 1716000000000;
const bin = (data: string): Payload => ({ type: 'binary', data, size: atob(data).length, truncated: false });
const LOGIN = '{"id":"a1","ts":111,"op":"login","user":"ada"}';
const SUM = '{"op":"sum","id":"a2","args":[2,3]}';

/** A request/answer exchange with ids and timestamps, a binary frame, a push on open and one on a timer. */
function exchangeLog(): Log {
  const s = createLog();
  applyPageMessage(
    s,
    0,
    events('doc', [
      { kind: 'created', time: T, url: 'ws://127.0.0.1:4000/exchange?token=1', protocols: ['x.v1'], stack: '' },
      { kind: 'open', time: T + 2, protocol: 'x.v1', extensions: '' },
      { kind: 'message', time: T + 7, direction: 'received', payload: text('{"type":"hello","ts":5}') },
      { kind: 'message', time: T + 10, direction: 'sent', payload: text(LOGIN), bufferedAmount: 0 },
      { kind: 'message', time: T + 40, direction: 'received', payload: text('{"id":"a1","ok":true,"user":"ada","ts":222}') },
      { kind: 'message', time: T + 41, direction: 'sent', payload: text('panel says hi'), origin: 'panel', bufferedAmount: 0 },
      { kind: 'message', time: T + 50, direction: 'sent', payload: bin('AQID'), bufferedAmount: 0 },
      { kind: 'message', time: T + 55, direction: 'received', payload: bin('AwIB') },
      { kind: 'message', time: T + 60, direction: 'sent', payload: text(SUM), bufferedAmount: 0 },
      { kind: 'message', time: T + 62, direction: 'received', payload: text('{"id":"a2","result":5}') },
      { kind: 'message', time: T + 262, direction: 'received', payload: text('{"type":"tick","n":1}') },
      { kind: 'close', time: T + 300, code: 1000, reason: '', wasClean: true },
    ]),
  );
  return s;
}

const socketsOf = (s: Log): Socket[] => s.socketOrder.map((k) => s.sockets.get(k)!);
const OPTIONS: ScriptOptions = { match: 'json', ignore: ['id', 'ts'], timing: 'recorded', unmatched: 'fail' };

function script(options: Partial<ScriptOptions> = {}) {
  const log = exchangeLog();
  return buildScript(socketsOf(log), log.frames as Frame[], { ...OPTIONS, ...options }, { pageUrl: 'http://127.0.0.1:4001/exchange.html' });
}

describe('the exchange from a capture', () => {
  it('sends what came before any page frame on connect, and answers frame N with what followed it', () => {
    const sc = script();
    expect(sc.sockets).toHaveLength(1);
    const [s] = sc.sockets;
    expect(s.url).toBe('ws://127.0.0.1:4000/exchange?token=1');
    expect(s.protocols).toEqual(['x.v1']);
    expect(s.onConnect).toEqual([{ after: 5, text: '{"type":"hello","ts":5}' }]);
    expect(s.expects.map((e) => e.text ?? `bin:${e.binary}`)).toEqual([LOGIN, 'bin:AQID', SUM]);
    expect(s.expects[0].replies).toEqual([{ after: 30, text: '{"id":"a1","ok":true,"user":"ada","ts":222}', echo: { '$.id': '$.id' } }]);
    expect(s.expects[1].replies).toEqual([{ after: 5, binary: 'AwIB' }]);
    // the push on a timer follows the frame it came after, with its delay
    expect(s.expects[2].replies).toEqual([
      { after: 2, text: '{"id":"a2","result":5}', echo: { '$.id': '$.id' } },
      { after: 202, text: '{"type":"tick","n":1}' },
    ]);
    expect(sc.counts).toEqual({ sent: 3, received: 5, binary: 2, skipped: 1, cut: 0 });
    expect(sc.spanMs).toBe(255);
  });

  it('echoes only a field of the same name, and a timestamp that changed is no echo', () => {
    const [s] = script().sockets;
    // ts was ignored in the login but the answer's ts (222) is not the page's (111)
    expect(s.expects[0].replies[0].echo).toEqual({ '$.id': '$.id' });
    const [t] = script({ match: 'text' }).sockets;
    expect(t.expects[0].replies[0].echo).toBeUndefined();
    expect(t.expects[0].match).toBe('text');
  });

  it('takes no timestamp for an echo: two clocks read in the same millisecond (or second) on a fast link', () => {
    // the page stamps its frame, the server its answer, in the same ms (a server on localhost): no echo of ts
    const exchange = (sent: string, answer: string) => {
      const log = createLog();
      applyPageMessage(
        log,
        0,
        events('doc', [
          { kind: 'created', time: T, url: 'ws://127.0.0.1:4000/x', protocols: [], stack: '' },
          { kind: 'open', time: T + 1, protocol: '', extensions: '' },
          { kind: 'message', time: T + 10, direction: 'sent', payload: text(sent), bufferedAmount: 0 },
          { kind: 'message', time: T + 11, direction: 'received', payload: text(answer) },
        ]),
      );
      return buildScript(socketsOf(log), log.frames as Frame[], { ...OPTIONS, ignore: ['id', 'ts', 'at', 'sent'] }).sockets[0].expects[0].replies[0].echo;
    };
    const ms = T + 10;
    expect(exchange(`{"id":"a1","ts":${ms},"op":"sum"}`, `{"id":"a1","result":5,"ts":${ms}}`)).toEqual({ '$.id': '$.id' });
    // seconds, a float of seconds, an ISO date and time
    expect(exchange(`{"id":3,"ts":${ms / 1000}}`, `{"id":3,"ts":${ms / 1000}}`)).toEqual({ '$.id': '$.id' });
    expect(exchange(`{"id":3,"ts":${Math.floor(ms / 1000)}}`, `{"id":3,"ts":${Math.floor(ms / 1000)}}`)).toEqual({ '$.id': '$.id' });
    const iso = new Date(ms).toISOString();
    expect(exchange(`{"id":3,"at":"${iso}"}`, `{"id":3,"at":"${iso}"}`)).toEqual({ '$.id': '$.id' });
    // a JSON-RPC id (a small number) is still an echo, and so is a number far from the clock
    expect(exchange('{"jsonrpc":"2.0","id":1,"method":"sum"}', '{"jsonrpc":"2.0","id":1,"result":5}')).toEqual({ '$.id': '$.id' });
    expect(exchange('{"id":"q","sent":1234567890123}', '{"id":"q","sent":1234567890123}')).toEqual({ '$.id': '$.id', '$.sent': '$.sent' });
    expect(exchange('{"ts":' + ms + '}', '{"ts":' + ms + '}')).toBeUndefined();
  });

  it('writes a regex per frame that matches exactly that text', () => {
    const [s] = script({ match: 'regex' }).sockets;
    for (const e of s.expects.filter((x) => x.text !== undefined)) {
      const m = e.match as { regex: string };
      expect(new RegExp(m.regex).test(e.text!)).toBe(true);
      expect(new RegExp(m.regex).test(e.text! + ' ')).toBe(false);
    }
    for (const weird of ['a/b', 'x\ny\r\tz', '$^.*+?()[]{}|\\', '', 'line\u2028sep']) expect(new RegExp(exactRegex(weird)).test(weird)).toBe(true);
  });

  it('writes string literals that read as the frame and mean exactly it', () => {
    expect(str('{"a":1}')).toBe(`'{"a":1}'`);
    expect(str(`it's "x"`)).toBe(JSON.stringify(`it's "x"`));
    for (const s of ['{"a":"b\\"c"}', 'back\\slash "q" \n', '\\"', 'tab\t"', 'line\u2028sep "', '"😀"', '\ud800 "lone"'])
      expect(new Function(`return ${str(s)}`)(), s).toBe(s);
  });

  it('takes marked rows only, with delays from the first of them', () => {
    const log = exchangeLog();
    const rows = (log.frames as Frame[]).filter((f) => f.payload?.data === SUM || f.payload?.data === '{"id":"a2","result":5}');
    const sc = buildScript(socketsOf(log), rows, OPTIONS, { fromFirstRow: true });
    expect(sc.sockets[0].onConnect).toEqual([]);
    expect(sc.sockets[0].expects).toHaveLength(1);
    expect(sc.sockets[0].expects[0].replies[0].after).toBe(2);
  });

  it('reads an ignore list and says what is wrong with one', () => {
    expect(parseIgnoreList(' id, ts  $.meta.at,,')).toEqual(['id', 'ts', '$.meta.at']);
    expect(ignoreListError(['id', '$.a.b[0]', '$[1].x'])).toBeUndefined();
    expect(ignoreListError(['id', '$.'])).toMatch(/"\$\."/);
    expect(ignoreListError(['a.b'])).toMatch(/neither a key/);
  });
});

// ------------------------------------------------------------------------------------------------- the spec

/** Type-check the spec against Playwright's own types (playwright-core's Page; @playwright/test re-exports it). */
function typeErrors(...sources: string[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wslens-spec-'));
  // each file its own module (they declare the same names)
  const files = sources.map((source, i) => {
    const file = path.join(dir, `capture${i}.spec.ts`);
    fs.writeFileSync(file, source);
    return file;
  });
  // what @playwright/test declares for the two names the spec uses (its test and expect are richer)
  fs.mkdirSync(path.join(dir, 'node_modules/@playwright/test'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'node_modules/@playwright/test/index.d.ts'),
    `import type { Page } from ${JSON.stringify(path.join(root, 'node_modules/playwright-core/types/types'))};
export type { Page };
export declare function test(name: string, body: (fixtures: { page: Page }) => Promise<void>): void;
export declare function expect(value: unknown, message?: string): { toEqual(expected: unknown): void };`,
  );
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: ['node'],
    typeRoots: [path.join(root, 'node_modules/@types')],
    skipLibCheck: true,
  });
  const diags = ts.getPreEmitDiagnostics(program);
  fs.rmSync(dir, { recursive: true, force: true });
  return diags.map((d) => `${d.file ? path.basename(d.file.fileName) + ':' + (d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1) : ''} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

interface FakeRoute {
  url: string;
  toPage: (string | Buffer)[];
  toServer: (string | Buffer)[];
  fromPage(m: string | Buffer): void;
}

/**
 * The spec's body, run against a fake page: `talk` plays the page, getting each frame the route sends it and sending
 * what it likes. Resolves with the test's error, if any.
 */
async function runSpec(source: string, talk: (route: FakeRoute) => void, pageUrl?: string): Promise<{ error?: Error; routes: FakeRoute[] }> {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  let body: ((f: { page: unknown }) => Promise<void>) | undefined;
  const expectFn = (value: unknown, message?: string) => ({
    toEqual: (want: unknown) => {
      if (JSON.stringify(value) !== JSON.stringify(want)) throw new Error(`${message}: ${JSON.stringify(value)}`);
    },
  });
  const routes: FakeRoute[] = [];
  let handler: ((r: unknown) => void) | undefined;
  let predicate: ((u: URL) => boolean) | undefined;
  const page = {
    routeWebSocket: async (p: (u: URL) => boolean, h: (r: unknown) => void) => {
      predicate = p;
      handler = h;
    },
    goto: async (url: string) => {
      expect(url).toBe(pageUrl ?? 'http://127.0.0.1:4001/exchange.html');
      const wsUrl = 'ws://127.0.0.1:4000/exchange?token=2';
      expect(predicate!(new URL(wsUrl))).toBe(true);
      expect(predicate!(new URL('ws://127.0.0.1:4000/other'))).toBe(false);
      let onMessage: ((m: string | Buffer) => void) | undefined;
      const route: FakeRoute = {
        url: wsUrl,
        toPage: [],
        toServer: [],
        fromPage: (m) => onMessage!(m),
      };
      routes.push(route);
      handler!({
        url: () => wsUrl,
        send: (m: string | Buffer) => {
          route.toPage.push(m);
          talk(route);
        },
        onMessage: (h: typeof onMessage) => (onMessage = h),
        connectToServer: () => ({ send: (m: string | Buffer) => route.toServer.push(m) }),
      });
    },
  };
  const mod = { exports: {} };
  new Function('require', 'module', 'exports', js)(
    (name: string) => {
      if (name !== '@playwright/test') throw new Error(`the spec requires ${name}`);
      return { test: (_: string, fn: typeof body) => (body = fn), expect: expectFn };
    },
    mod,
    mod.exports,
  );
  try {
    await body!({ page });
    return { routes };
  } catch (error) {
    return { error: error as Error, routes };
  }
}

/** A page like the e2e one: after hello it logs in with a new id, then sends bytes, then asks for a sum. */
function aPage(user = 'ada') {
  const seen: string[] = [];
  return {
    seen,
    talk: (r: FakeRoute) => {
      const m = r.toPage[r.toPage.length - 1];
      if (typeof m !== 'string') {
        seen.push(`bytes ${[...m].join(',')}`);
        r.fromPage(JSON.stringify({ op: 'sum', id: 'n2', args: [2, 3] }));
        return;
      }
      const j = JSON.parse(m);
      seen.push(j.type ?? (j.ok ? `login ${j.id}` : `result ${j.id} ${j.result}`));
      if (j.type === 'hello') r.fromPage(JSON.stringify({ id: 'n1', ts: Date.now(), op: 'login', user }));
      else if (j.ok) r.fromPage(Buffer.from([1, 2, 3]));
    },
  };
}

describe('the Playwright test', () => {
  const spec = exportPlaywright(script(), { appVersion: '9.9.9', now: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) });

  it('is a readable spec that says what was captured and how to run it', () => {
    expect(spec).toMatch(/^\/\*\*\n \* A Playwright test exported from WS Lens/);
    expect(spec).toContain('Captured by WS Lens 9.9.9 on 2026-01-02 03:04:05 UTC from http://127.0.0.1:4001/exchange.html');
    expect(spec).toContain('1 socket, 3 frames sent by the page, 5 by the server (2 binary, as base64)');
    expect(spec).toContain('npx playwright test');
    expect(spec).toContain("import { test, expect, type Page } from '@playwright/test';");
    expect(spec).toContain('binary: "AQID"');
    expect(spec).toContain("const IGNORE: string[] = [\"id\", \"ts\"];");
    expect(spec).toContain('Left out: 1 frame');
  });

  // one program for both (loading Playwright's and Node's types is most of the time: seconds on a busy machine)
  it("type-checks under strict against Playwright's types", { timeout: 60_000 }, () => {
    const broken = spec.replace('await page.goto(PAGE_URL);', 'await page.goto(PAGE_URL, { waitUntil: "soon" });');
    // the third file proves the check can fail: Playwright's own Page type refuses the option
    expect(typeErrors(spec, exportPlaywright(script({ match: 'regex', timing: 'fast', unmatched: 'pass' })), broken)).toEqual([
      expect.stringMatching(/^capture2\.spec\.ts:\d+ Type '"soon"' is not assignable/),
    ]);
  });

  it('answers a page that sends new ids and timestamps, and passes', async () => {
    const p = aPage();
    const { error, routes } = await runSpec(spec.replace('TIMING = "recorded"', 'TIMING = "fast"'), p.talk);
    expect(error).toBeUndefined();
    // the page's new ids came back in the answers
    expect(p.seen).toEqual(['hello', 'login n1', 'bytes 3,2,1', 'result n2 5', 'tick']);
    expect(routes[0].toServer).toEqual([]);
  });

  it('keeps the recorded delays', async () => {
    const p = aPage();
    const t0 = Date.now();
    await runSpec(spec, p.talk);
    // 5 ms to hello, 30 to the login answer, 5, then 2 and 202 to the tick
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
  });

  it('fails when the page sends something the capture does not have', async () => {
    const p = aPage('bob');
    const { error } = await runSpec(spec.replace('TIMING = "recorded"', 'TIMING = "fast"'), p.talk);
    expect(error?.message).toMatch(/^frames the capture does not have: .*bob/);
    expect(p.seen).toEqual(['hello']);
  });

  it('sends an unmatched frame on to the real server when told to', async () => {
    const pass = exportPlaywright(script({ unmatched: 'pass', timing: 'fast' }));
    const p = aPage('bob');
    const { error, routes } = await runSpec(pass.replace('TIMEOUT_MS = 10255', 'TIMEOUT_MS = 300'), p.talk);
    expect(routes[0].toServer).toHaveLength(1);
    expect(String(routes[0].toServer[0])).toContain('"user":"bob"');
    // nobody answered bob's login (the fake has no server): the recorded frames after it were never sent
    expect(error?.message).toMatch(/^recorded frames the page did not send/);
  });

  it('matches by regex, which the user can loosen', async () => {
    const rx = exportPlaywright(script({ match: 'regex', timing: 'fast' }));
    const strict = await runSpec(rx, aPage().talk);
    expect(strict.error?.message).toMatch(/frames the capture does not have/);
    // loosen the login's regex to any id and timestamp, and the sum's to any id
    const loose = rx
      .replace(/match: \/\^\\\{"id":"a1","ts":111,/, 'match: /^\\{"id":"\\w+","ts":\\d+,')
      .replace(/match: \/\^\\\{"op":"sum","id":"a2",/, 'match: /^\\{"op":"sum","id":"\\w+",');
    expect(loose).not.toBe(rx);
    const p = aPage();
    const ok = await runSpec(loose, p.talk);
    expect(ok.error).toBeUndefined();
  });
});

// ------------------------------------------------------------------------------------------------- the mock server

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wslens-mock-'));
// the script imports `ws`, as it would from the user's project
fs.symlinkSync(path.join(root, 'node_modules'), path.join(tmp, 'node_modules'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function startMock(source: string, args: string[] = []) {
  const file = path.join(tmp, `mock-${Math.random().toString(36).slice(2)}.mjs`);
  fs.writeFileSync(file, source);
  const child = spawn(process.execPath, [file, '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${log}`)));
  });
  // 'close': stderr has ended too
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { port, log: () => log, stop: () => (child.kill('SIGTERM'), exited), exited };
}

/** A ws client that talks like aPage; resolves with what it saw once it has seen `until` messages or `ms` passed. */
function client(port: number, user: string, until: number, ms = 3000): Promise<string[]> {
  return new Promise((resolve) => {
    const seen: string[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${port}/exchange`);
    const done = () => {
      ws.close();
      resolve(seen);
    };
    const timer = setTimeout(done, ms);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        seen.push(`bytes ${[...(data as Buffer)].join(',')}`);
        ws.send(JSON.stringify({ op: 'sum', id: 'n2', args: [2, 3] }));
      } else {
        const j = JSON.parse(String(data));
        seen.push(j.type ?? (j.ok ? `login ${j.id}` : `result ${j.id} ${j.result}`));
        if (j.type === 'hello') ws.send(JSON.stringify({ id: 'n1', ts: Date.now(), op: 'login', user }));
        else if (j.ok) ws.send(Buffer.from([1, 2, 3]));
      }
      if (seen.length === until) {
        clearTimeout(timer);
        done();
      }
    });
  });
}

describe('the mock server', () => {
  const source = exportMockServer(script(), { appVersion: '9.9.9' });

  it('is a valid ES module with a header that says how to run it', () => {
    const file = path.join(tmp, 'check.mjs');
    fs.writeFileSync(file, source);
    const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(source).toContain('node <this file> [--port 8080]');
    expect(source).toContain("import { WebSocket, WebSocketServer } from 'ws';");
  });

  it('replays the server side to a client, with its ids, and exits 0', async () => {
    const m = await startMock(source, ['--once']);
    const seen = await client(m.port, 'ada', 5);
    expect(seen).toEqual(['hello', 'login n1', 'bytes 3,2,1', 'result n2 5', 'tick']);
    expect(await m.exited).toBe(0);
    expect(m.log()).toMatch(/3 of 3 recorded frames matched, 0 not sent, 0 unexpected/);
  });

  it('says so and exits 1 when a client sends what the capture does not have', async () => {
    const m = await startMock(source, ['--fast']);
    const seen = await client(m.port, 'bob', 5, 600);
    expect(seen).toEqual(['hello']);
    expect(await m.stop()).toBe(1);
    expect(m.log()).toMatch(/UNEXPECTED frame, the capture does not have it: .*bob/);
    expect(m.log()).toMatch(/: (closed|still open at exit); 0 of 3 recorded frames matched, 3 not sent, 1 unexpected/);
  });

  it('passes an unmatched frame through to the upstream server', async () => {
    // the "real" server: answers bob's login as the real one would
    const real = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => real.on('listening', r));
    const got: string[] = [];
    real.on('connection', (ws) =>
      ws.on('message', (d) => {
        got.push(String(d));
        const j = JSON.parse(String(d));
        ws.send(JSON.stringify({ id: j.id, ok: true, user: j.user }));
      }),
    );
    const port = (real.address() as { port: number }).port;
    const m = await startMock(source, ['--fast', '--pass-through', '--upstream', `ws://127.0.0.1:${port}/exchange`]);
    const seen = await client(m.port, 'bob', 5);
    expect(seen).toEqual(['hello', 'login n1', 'bytes 3,2,1', 'result n2 5', 'tick']);
    expect(got.map((g) => JSON.parse(g).user)).toEqual(['bob']);
    await m.stop();
    real.close();
  });
});
