// From a capture to a test: the panel exports a Playwright spec and a standalone mock server, and both are run.
// The page (pages/exchange.html) talks to a server of its own, started here: a greeting on connect, a login and a
// sum with new ids and timestamps each time (answers carry the id back), bytes answered with bytes, a push on a
// timer. The exported files must stand in for that server once it is stopped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'node:test';
import { WebSocketServer } from 'ws';
import { root } from '../../scripts/env.mjs';
import { runPlaywrightSpec } from './lib/playwright-harness.mjs';
import { waitFor } from './lib/sessions.mjs';
import { scenario } from './lib/suite.mjs';

/** What the page shows when the real server answers: every step, in order. */
const LIVE = ['hello exchange', 'login ada', 'bytes 255,250,3,2,1', 'sum 5', 'tick 1'];
const TICK_AFTER_MS = 150;

/** The page's real server; `received` is every frame it got (binary as `<bytes a,b,c>`). */
async function startExchangeServer(port = 0) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  await new Promise((r, j) => (wss.once('listening', r), wss.once('error', j)));
  const received = [];
  let closing;
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'hello', server: 'exchange', ts: Date.now() }));
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        received.push(`<bytes ${[...data].join(',')}>`);
        ws.send(Buffer.from([...data].reverse()));
        return;
      }
      received.push(String(data));
      const m = JSON.parse(String(data));
      if (m.op === 'login') ws.send(JSON.stringify({ id: m.id, ok: true, user: m.user, ts: Date.now() }));
      if (m.op === 'sum') {
        ws.send(JSON.stringify({ id: m.id, result: m.args[0] + m.args[1], ts: Date.now() }));
        setTimeout(() => ws.readyState === 1 && ws.send(JSON.stringify({ type: 'tick', n: 1, ts: Date.now() })), TICK_AFTER_MS);
      }
    });
  });
  return {
    port: wss.address().port,
    url: `ws://127.0.0.1:${wss.address().port}/exchange`,
    received,
    close: () => (closing ??= new Promise((r) => (wss.clients.forEach((c) => c.terminate()), wss.close(() => r())))),
  };
}

/** Run an exported mock server as a user would (`node file --port N`), from a folder where `ws` resolves. */
async function startMock(text, args = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wslens-mock-'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  const file = path.join(dir, 'capture-mock-server.mjs');
  fs.writeFileSync(file, text);
  const child = spawn(process.execPath, [file, '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const closed = new Promise((r) => child.on('close', r));
  const port = await waitFor(() => Number(/listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(log)?.[1]) || undefined, { message: `the mock server's port: ${log}` });
  return {
    url: `ws://127.0.0.1:${port}/exchange`,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await closed;
      fs.rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

const pageOf = (origin, ws, extra = '') => `${origin}/exchange.html?ws=${encodeURIComponent(ws)}${extra}`;

/** Export through the dialog, as a user would: `fields` are testid suffixes (export-…) → values. */
async function exportScript(panel, fields) {
  await panel.click('export-script');
  await panel.waitFor((w) => !!w.document.querySelector('[data-testid=export-dialog]'));
  for (const k of ['target', 'scope', 'match', 'timing', 'unmatched']) if (fields[k] !== undefined) await panel.type(`export-${k}`, fields[k], 'change');
  if (fields.ignore !== undefined) await panel.type('export-ignore', fields.ignore);
  const error = await panel.text('export-error');
  assert.equal(error, null, `the export is possible: ${error}`);
  await panel.waitFor((w) => !w.document.querySelector('[data-testid=export-save]').disabled);
  await panel.click('export-save');
  // the dialog closes once the file is saved
  await panel.waitFor((w) => !w.document.querySelector('[data-testid=export-dialog]'));
}

const PASS_LOG = /connection 1 \(\/exchange, recorded ws:\/\/127\.0\.0\.1:\d+\/exchange\): (closed|still open at exit); 3 of 3 recorded frames matched, 0 not sent, 0 unexpected/;

/** servers and mock processes a scenario started: stopped however it ends (an open one would keep the run alive) */
const running = new Set();
const started = (x) => (running.add(x), x);
afterEach(async () => {
  for (const x of running) await (x.close ?? x.stop)().catch(() => {});
  running.clear();
});

scenario('export a capture as a Playwright test and a mock server, and both stand in for the server', async (s, panel, { origin, browserName, t }) => {
  let real = started(await startExchangeServer());
  const realPort = real.port;
  const pageUrl = pageOf(origin, real.url);
  await s.goto(pageUrl);
  await s.openPanel();
  await s.waitForPage(`() => window.__done`);
  assert.deepEqual(await s.pageEval(`() => window.__seen`), LIVE, 'the page against its real server');
  await panel.waitRow('"type":"tick"', 'received');

  // the export dialog: keyboard and labels
  await panel.click('export-script');
  await panel.waitFor((w) => w.document.activeElement?.dataset.testid === 'export-target');
  assert.equal(await panel.text('export-summary'), '1 socket, 8 frames');
  // a picture of the dialog for whoever reviews the run
  await s.screenshotPanel(path.join(root, 'artifacts', `export-dialog-${browserName}.png`));
  // (the event's init object is the panel's own: Firefox's test script is another compartment)
  await panel.eval((w) => w.document.activeElement.dispatchEvent(new w.KeyboardEvent('keydown', w.JSON.parse('{"key":"Escape","bubbles":true}'))));
  await panel.waitFor((w) => !w.document.querySelector('[data-testid=export-dialog]') && w.document.activeElement?.dataset.testid === 'export-script');

  // ---- the Playwright test
  await exportScript(panel, { target: 'playwright', scope: 'selected', match: 'json', ignore: 'id, ts', timing: 'recorded', unmatched: 'fail' });
  const spec = await s.waitForDownload('.spec.ts');
  fs.rmSync(spec.path); // the next .spec.ts download is the next export's
  assert.match(spec.name, /^ws-lens-127\.0\.0\.1_\d+-[\dT-]+\.spec\.ts$/);
  assert.match(spec.text, /^\/\*\*\n \* A Playwright test exported from WS Lens/);
  assert.ok(spec.text.includes(`from ${pageUrl}:`), 'the header names the page');
  assert.ok(spec.text.includes("import { test, expect, type Page } from '@playwright/test';"));
  assert.ok(spec.text.includes('await page.routeWebSocket('));
  assert.ok(spec.text.includes(`url: ${JSON.stringify(real.url)}`));
  assert.ok(spec.text.includes('binary: "AQID+v8="'), 'the page sent bytes: base64 in the spec');
  assert.ok(spec.text.includes('binary: "//oDAgE="'), 'the server answered bytes');
  assert.match(spec.text, /echo: \{ "\$\.id": "\$\.id" \}/);
  assert.ok(spec.text.includes('1 socket, 3 frames sent by the page, 5 by the server (2 binary, as base64)'));

  // ---- the mock server
  await exportScript(panel, { target: 'mock-server' });
  const mockFile = await s.waitForDownload('-mock-server.mjs');
  assert.match(mockFile.text, /^#!\/usr\/bin\/env node\n\/\*\*\n \* A WebSocket mock server exported from WS Lens/);
  assert.ok(mockFile.text.includes("import { WebSocket, WebSocketServer } from 'ws';"));

  // the real server is gone from here on: what answers the page is the export
  await real.close();

  const mock = started(await startMock(mockFile.text));
  const t0 = Date.now();
  await s.goto(pageOf(origin, mock.url));
  await s.waitForPage(`() => window.__done`);
  const elapsed = Date.now() - t0;
  assert.deepEqual(await s.pageEval(`() => window.__seen`), LIVE, 'the page against the mock server');
  const times = await s.pageEval(`() => window.__times`);
  // the replay waits the recorded delay after the page's frame arrives: at least the server's own 150 ms
  const gap = times.tick - times.sumSent;
  t.diagnostic(`mock server, recorded timing: page done in ${elapsed} ms, tick ${gap.toFixed(0)} ms after the page asked for the sum (the real server: ${TICK_AFTER_MS} ms after its answer)`);
  assert.ok(gap >= TICK_AFTER_MS, `recorded timing kept: the tick came ${gap} ms after the sum was sent`);
  await s.goto(`${origin}/blank.html`);
  await waitFor(() => PASS_LOG.test(mock.log()), { message: `the mock server's summary: ${mock.log()}` });
  assert.equal(await mock.stop(), 0, mock.log());

  // a page that sends something else (another user logs in): the mock says so, answers nothing more, exits 1
  const strict = started(await startMock(mockFile.text));
  await s.goto(pageOf(origin, strict.url, '&user=bob'));
  await waitFor(() => /UNEXPECTED frame, the capture does not have it: .*\\"user\\":\\"bob\\"/.test(strict.log()), { message: `the mismatch: ${strict.log()}` });
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await s.pageEval(`() => window.__seen`), ['hello exchange']);
  assert.equal(await strict.stop(), 1, strict.log());
  assert.match(strict.log(), /0 of 3 recorded frames matched, 3 not sent, 1 unexpected/);

  if (browserName !== 'chromium') return; // the exported spec runs in Chromium (playwright-core with the system browser)

  // ---- the spec, run: it passes against the page with no server at all
  const run = await runPlaywrightSpec(spec.text, { after: 'window.__seen' });
  t.diagnostic(`exported spec: ${run.output.split('\n').find((l) => /^(not )?ok/.test(l))}`);
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(run.after, LIVE, 'the page, routed to the replay, saw what it saw live');

  // and it fails when the page sends something else: the same spec, the page told to log in as bob
  const bob = spec.text.replace(/^const PAGE_URL = (".*");$/m, (_, u) => `const PAGE_URL = ${JSON.stringify(JSON.parse(u) + '&user=bob')};`);
  assert.notEqual(bob, spec.text);
  const failed = await runPlaywrightSpec(bob, { after: 'window.__seen' });
  assert.equal(failed.code, 1, failed.output);
  assert.match(failed.output, /^not ok - /m);
  assert.match(failed.output, /frames the capture does not have: .*bob/);
  assert.deepEqual(failed.after, ['hello exchange']);

  // ---- pass-through: only the sum and what followed it are marked; the rest goes to the real server
  await s.goto(`${origin}/blank.html`);
  real = started(await startExchangeServer(realPort));
  await s.goto(pageUrl);
  await s.waitForPage(`() => window.__done`);
  await panel.waitRow('"type":"tick"', 'received');
  for (const [needle, dir] of [['"op":"sum"', 'sent'], ['"result":5', 'received'], ['"type":"tick"', 'received']]) await panel.ctrlClickRow(needle, dir);
  await exportScript(panel, { target: 'playwright', scope: 'marked', unmatched: 'pass', timing: 'fast' });
  const partial = await s.waitForDownload('.spec.ts');
  assert.match(partial.text, /const UNMATCHED = "pass"/);
  real.received.length = 0;
  const through = await runPlaywrightSpec(partial.text, { after: 'window.__seen' });
  assert.equal(through.code, 0, through.output);
  assert.deepEqual(through.after, LIVE);
  // the login and the bytes went to the real server; the sum was answered by the replay
  assert.deepEqual(
    real.received.map((m) => (m.startsWith('{') ? JSON.parse(m).op : m)),
    ['login', '<bytes 1,2,3,250,255>'],
  );
  await real.close();
});
