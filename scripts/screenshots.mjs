// npm run screenshots: the README's pictures of the real panel, taken from a real session on the demo page,
// in DevTools' light and dark themes (Chromium) and in Firefox's toolbox.
import fs from 'node:fs';
import path from 'node:path';
import { ensureBrowsers, ensureNodeModules, root, run } from './env.mjs';

ensureNodeModules();
ensureBrowsers(['chromium', 'firefox']);
if (!run(process.execPath, ['scripts/build.mjs']).ok) process.exit(1);
const { startServer } = await import('../test/e2e/lib/server.mjs');
const { launchSession, launchChromium } = await import('../test/e2e/lib/sessions.mjs');

const out = path.join(root, 'docs', 'screenshots');
fs.mkdirSync(out, { recursive: true });
const server = await startServer();

/** A realistic moment: the demo page's traffic, a frame sent from the panel, a JSON frame open in the detail pane. */
async function stage(s) {
  await s.goto(`${server.origin}/`);
  await s.openPanel();
  await s.waitForPanel(`(w) => [...w.document.querySelectorAll('[data-testid=frame]')].some((r) => r.textContent.includes('subscribe'))`);
  await s.pageEval(`() => { window.__ws.send(new Uint8Array([0x82, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f])); window.__ws.send(JSON.stringify({ type: 'order', id: 42, items: [{ sku: 'A-1', qty: 2 }, { sku: 'B-7', qty: 1 }], total: 31.5 })); }`);
  await new Promise((r) => setTimeout(r, 2300));
  await s.panelEval(`(w) => {
    const row = [...w.document.querySelectorAll('[data-testid=frame]')].find((r) => r.textContent.includes('"order"') && r.dataset.direction === 'received');
    row.click();
    const ta = w.document.querySelector('[data-testid=composer-input]');
    Object.getOwnPropertyDescriptor(w.HTMLTextAreaElement.prototype, 'value').set.call(ta, '{"type": "ping", "n": 99}');
    ta.dispatchEvent(new w.Event('input', { bubbles: true }));
    const mode = w.document.querySelector('[data-testid=composer-mode]');
    Object.getOwnPropertyDescriptor(w.HTMLSelectElement.prototype, 'value').set.call(mode, 'json');
    mode.dispatchEvent(new w.Event('change', { bubbles: true }));
  }`);
  await new Promise((r) => setTimeout(r, 300));
}

/** Traffic control: the demo page's pings held by a rule, a rewrite and a mock reply at work, the rule list open. */
async function stageRules(s) {
  await s.goto(`${server.origin}/`);
  await s.openPanel();
  await s.waitForPanel(`(w) => [...w.document.querySelectorAll('[data-testid=frame]')].some((r) => r.textContent.includes('subscribe'))`);
  await s.panelEval(`(w) => {
    const base = { enabled: true, url: '', matchValue: '', find: '', replace: '', ms: 0, reply: '', alsoSend: false };
    w.__wsLens.store.setRules([
      { ...base, id: 's1', name: 'Hold pings', direction: 'sent', matchType: 'json', match: '$.type', matchValue: 'ping', action: 'pause' },
      { ...base, id: 's2', name: 'Hide the token', direction: 'sent', matchType: 'text', match: 'token=', action: 'rewrite', find: '/token=[A-Za-z0-9-]+/g', replace: 'token=***' },
      { ...base, id: 's3', name: 'Fake the quote service', direction: 'sent', matchType: 'json', match: '$.type', matchValue: 'quote', action: 'mock', reply: '{"type":"quote","id":{{$.id}},"price":101.25}', ms: 30 },
      { ...base, id: 's4', name: 'Slow down prices', enabled: false, direction: 'received', matchType: 'regex', match: '/"channel":"prices"/', action: 'delay', ms: 800 },
    ]);
  }`);
  await new Promise((r) => setTimeout(r, 300));
  await s.pageEval(`() => { window.__ws.send('auth token=s3cr3t-42'); window.__ws.send(JSON.stringify({ type: 'quote', id: 7, symbol: 'ACME' })); }`);
  await s.waitForPanel(`(w) => w.document.querySelectorAll('[data-testid=held-frame]').length >= 2`, { timeout: 8000 });
  await s.panelEval(`(w) => w.document.querySelector('[data-testid=tab-rules]').click()`);
  await new Promise((r) => setTimeout(r, 300));
}

const ext = (b) => path.join(root, 'dist', b);

/** Six real protocol clients; the Socket.IO and JSON-RPC sockets selected, a JSON-RPC result open beside its decoding. */
async function stageDecoders(s) {
  await s.goto(`${server.origin}/protocols.html`);
  await s.openPanel();
  await s.waitForPage(`() => ['socketio', 'graphql', 'legacy', 'rpc', 'mqtt', 'stomp'].every((k) => k in window.__results)`, { timeout: 20000 });
  await new Promise((r) => setTimeout(r, 500));
  await s.panelEval(`(w) => {
    const conn = (suffix) => [...w.document.querySelectorAll('[data-testid=connection]')].find((c) => c.dataset.url.endsWith(suffix));
    conn('/socket.io/?EIO=4&transport=websocket').click();
    conn('/rpc').dispatchEvent(new w.MouseEvent('click', { bubbles: true, ctrlKey: true }));
    return true;
  }`);
  await s.waitForPanel(`(w) => [...w.document.querySelectorAll('[data-testid=frame-summary]')].some((r) => /^result #1/.test(r.textContent))`);
  await s.panelEval(`(w) => { [...w.document.querySelectorAll('[data-testid=frame]')].find((r) => /^result #1/.test(r.querySelector('[data-testid=frame-summary]').textContent)).click(); return true; }`);
  await new Promise((r) => setTimeout(r, 300));
}

/** The newer protocols on one page; SignalR and Phoenix selected, heartbeats hidden, a completion beside its invocation. */
async function stageMoreDecoders(s) {
  await s.goto(`${server.origin}/more-protocols.html`);
  await s.openPanel();
  await s.waitForPage(`() => ['signalr', 'phoenix', 'cable', 'sockjs', 'stompSockjs'].every((k) => k in window.__results)`, { timeout: 20000 });
  await new Promise((r) => setTimeout(r, 800));
  await s.panelEval(`(w) => {
    const conn = (suffix) => [...w.document.querySelectorAll('[data-testid=connection]')].find((c) => new URL(c.dataset.url).pathname === suffix);
    conn('/hubs/chat').click();
    conn('/socket/websocket').dispatchEvent(new w.MouseEvent('click', { bubbles: true, ctrlKey: true }));
    w.document.querySelector('[data-testid=hide-heartbeats]').click();
    return true;
  }`);
  await s.waitForPanel(`(w) => [...w.document.querySelectorAll('[data-testid=frame-summary]')].some((r) => /^completion #0 Echo/.test(r.textContent))`);
  await s.panelEval(`(w) => { [...w.document.querySelectorAll('[data-testid=frame]')].find((r) => /^completion #0 Echo/.test(r.querySelector('[data-testid=frame-summary]').textContent)).click(); return true; }`);
  await new Promise((r) => setTimeout(r, 300));
}

/** Workers of every kind (Chromium): the panel opened first, then the page; the module worker's socket selected. */
async function stageWorkers(s) {
  await s.goto(`${server.origin}/blank.html`);
  await s.openPanel();
  await s.waitForPanel(`(w) => !!w.document.querySelector('[data-testid=capture-workers]')`);
  await s.panelEval(`(w) => { w.document.querySelector('[data-testid=capture-workers]').click(); return true; }`);
  await s.waitForPanel(`(w) => w.__wsLens.store.workerCapture?.state === 'on'`);
  await s.goto(`${server.origin}/workers.html?kinds=classic,module,blob,nested,sw`);
  await s.waitForPage(`() => ['classic', 'module', 'blob', 'nested', 'sw'].every((k) => (window.__reports[k] || []).includes('hello-from-' + k))`, { timeout: 20000 });
  await s.pageEval(`() => { for (const k of ['module', 'sw']) window.__send(k, JSON.stringify({ type: 'ping', from: k })); return true; }`);
  await s.waitForPanel(`(w) => [...w.document.querySelectorAll('[data-testid=connection]')].filter((c) => c.dataset.context !== 'document').length >= 5`, { timeout: 15000 });
  await new Promise((r) => setTimeout(r, 500));
  // each worker's pause took DevTools to its Sources panel (README Known limits): back to WebSockets, as a user would
  const dt = await s.browser.targets().find((t) => t.url().startsWith('devtools://devtools/bundled/devtools_app.html')).asPage();
  await dt.evaluate(async (id) => {
    const { InspectorView } = await import('./ui/legacy/legacy.js');
    await InspectorView.InspectorView.instance().showPanel(`chrome-extension://${id}WebSockets`);
  }, s.extId);
  await new Promise((r) => setTimeout(r, 300));
  await s.panelEval(`(w) => { [...w.document.querySelectorAll('[data-testid=connection]')].find((c) => c.dataset.url.endsWith('from=module')).click(); return true; }`);
  await new Promise((r) => setTimeout(r, 300));
  await s.panelEval(`(w) => { const rows = [...w.document.querySelectorAll('[data-testid=frame]')]; rows[rows.length - 1].click(); return true; }`);
  await new Promise((r) => setTimeout(r, 300));
}

/** What dominates: the demo page's traffic by message type, all sockets, largest first. */
async function stageTypes(s) {
  await s.goto(`${server.origin}/`);
  await s.openPanel();
  await s.waitForPanel(`(w) => [...w.document.querySelectorAll('[data-testid=frame]')].some((r) => r.textContent.includes('subscribe'))`);
  await s.pageEval(`() => { for (let i = 0; i < 40; i++) window.__ws.send(JSON.stringify({ type: 'chat', room: 'lobby', text: 'message ' + i })); window.__ws.send(new Uint8Array(2048)); }`);
  await new Promise((r) => setTimeout(r, 3000));
  await s.panelEval(`(w) => { w.document.querySelector('[data-testid=tab-types]').click(); return true; }`);
  await s.waitForPanel(`(w) => w.document.querySelectorAll('[data-testid=type-row]').length >= 3`);
  await new Promise((r) => setTimeout(r, 700));
}

/** The ? overlay over the same traffic, opened with the keyboard. */
async function stageShortcuts(s) {
  await stage(s);
  const { PanelPage } = await import('../test/e2e/lib/panel.mjs');
  const panel = new PanelPage(s);
  await panel.focusPanel();
  await panel.keys('?');
  await s.waitForPanel(`(w) => !!w.document.querySelector('[data-testid=shortcuts]')`);
  await new Promise((r) => setTimeout(r, 300));
}

/** Send stacks on: a JSON frame the page sent from its own functions, its stack under *Sent from*. */
async function stageSendStack(s) {
  const { PanelPage } = await import('../test/e2e/lib/panel.mjs');
  const panel = new PanelPage(s);
  await s.goto(`${server.origin}/send-stack.html`);
  await s.openPanel();
  await panel.click('send-stacks');
  await new Promise((r) => setTimeout(r, 500));
  await s.pageEval(`() => { window.__queue.push(JSON.stringify({ type: 'greeting', to: 'world', n: 1 })); return true; }`);
  await panel.waitRow('greeting', 'sent');
  await panel.clickRow('greeting', 'sent');
  await s.waitForPanel(`(w) => !!w.document.querySelector('[data-testid=detail-stack]')`);
  await new Promise((r) => setTimeout(r, 300));
}

/** Handler timing: a slow frame, and one whose listener threw, selected: its runs and the exception in the detail. */
async function stageHandlers(s) {
  const { PanelPage } = await import('../test/e2e/lib/panel.mjs');
  const panel = new PanelPage(s);
  await s.goto(`${server.origin}/blank.html`);
  await s.openPanel();
  await s.goto(`${server.origin}/handlers.html`);
  await panel.waitRow('bad-auto', 'received');
  await s.pageEval(`() => { window.__queue.push('hello', 'slow', JSON.stringify({ type: 'order', id: 7 }), 'bad-order-8', 'hello again'); return true; }`);
  await panel.waitRow('hello again', 'received');
  await panel.clickRow('bad-order-8', 'received');
  await s.waitForPanel(`(w) => !!w.document.querySelector('[data-testid=handler-error]')`);
  await new Promise((r) => setTimeout(r, 300));
}

/** Stage a session, save its panel as docs/screenshots/<name>.png, close it. */
// SCREENSHOTS_ONLY=panel-types,panel-shortcuts takes only those
const only = process.env.SCREENSHOTS_ONLY?.split(',');
async function shoot(launching, staging, name) {
  if (only && !only.includes(name)) return;
  const session = await launching();
  try {
    await staging(session);
    const file = path.join(out, `${name}.png`);
    await session.screenshotPanel(file);
    console.log(`wrote ${path.relative(root, file)}`);
  } finally {
    await session.close();
  }
}

try {
  await shoot(() => launchChromium({ extDir: ext('chrome') }), stageRules, 'panel-rules');
  await shoot(() => launchChromium({ extDir: ext('chrome') }), stageDecoders, 'panel-decoders');
  await shoot(() => launchChromium({ extDir: ext('chrome') }), stageMoreDecoders, 'panel-decoders-more');
  await shoot(() => launchChromium({ extDir: ext('chrome') }), stageWorkers, 'panel-workers');
  // DevTools follows the system theme by default; --force-dark-mode makes the system dark
  for (const theme of ['light', 'dark'])
    await shoot(() => launchChromium({ extDir: ext('chrome'), extraArgs: theme === 'dark' ? ['--force-dark-mode'] : [] }), stage, `panel-chromium-${theme}`);
  await shoot(() => launchSession('firefox', { extDir: ext('firefox') }), stage, 'panel-firefox');
  await shoot(() => launchChromium({ extDir: ext('chrome') }), stageTypes, 'panel-types');
  await shoot(() => launchChromium({ extDir: ext('chrome') }), stageShortcuts, 'panel-shortcuts');
  await shoot(() => launchChromium({ extDir: ext('chrome') }), stageSendStack, 'panel-send-stack');
  await shoot(() => launchChromium({ extDir: ext('chrome') }), stageHandlers, 'panel-handlers');
} finally {
  await server.close();
}
