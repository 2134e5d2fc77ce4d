// HAR and JSON Lines: export, import, and Chrome DevTools' own Network panel on the other side.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './lib/sessions.mjs';
import { harMessages } from './lib/panel.mjs';
import { exportHarFromChromeDevTools, importHarInChromeDevTools } from './lib/devtools-har.mjs';
import { scenario } from './lib/suite.mjs';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/**
 * HAR: WS Lens writes Chrome's format (Chrome DevTools' own Network panel imports it, checked in Chromium), reads
 * what Chrome DevTools writes, exports JSON Lines, and refuses bad files with a clear message, losing nothing.
 */
scenario('HAR export and import, with Chrome DevTools on the other side', async (s, panel, { origin, browserName }) => {
  await s.goto(`${origin}/har.html`);
  await s.openPanel();
  await s.waitForPage(`() => window.__done`);
  await panel.waitFor(`(w) => w.document.querySelectorAll('[data-testid=connection]').length === 2`);
  await panel.waitRow('still here', 'received');

  await panel.click('export-har');
  const har = JSON.parse((await s.waitForDownload('.har')).text);
  assert.equal(har.log.version, '1.2');
  assert.equal(har.log.creator.name, 'WS Lens');
  const first = har.log.entries.find((e) => e.request.url.endsWith('/echo'));
  assert.equal(first._resourceType, 'websocket');
  assert.equal(first.response.status, 101);
  const long = 'L'.repeat(20000) + '-end';
  const sent = [['send', 1, 'hello har'], ['send', 1, '{"type":"greet","n":1}'], ['send', 1, 'héllo ✓ 😀\nsecond line'], ['send', 2, 'AAEC/w=='], ['send', 1, long]];
  assert.deepEqual(first._webSocketMessages.filter((m) => m.type === 'send').map((m) => [m.type, m.opcode, m.data]), sent);
  assert.deepEqual(first._webSocketMessages.filter((m) => m.type === 'receive').map((m) => [m.opcode, m.data]), sent.map(([, o, d]) => [o, d]), 'the echoes');
  assert.ok(first._webSocketMessages.every((m) => m.time > 1.7e9 && m.time < 4e9), 'times in seconds since the epoch, as Chrome writes them');

  if (browserName === 'chromium') {
    // Chrome DevTools' own Network panel imports WS Lens's file, messages and all
    const seen = await importHarInChromeDevTools(s.devtoolsPage, JSON.stringify(har));
    const ws = seen.find((r) => r.url.endsWith('/echo'));
    assert.ok(ws, `Chrome DevTools shows the socket: ${JSON.stringify(seen.map((r) => r.url))}`);
    assert.deepEqual(ws.frames.filter((f) => f.type === 'send').map((f) => [f.opCode, f.text]), sent.map(([, o, d]) => [o, d]));
    // and what Chrome DevTools exports for this page, WS Lens imports
    await s.goto(`${origin}/har.html`);
    await s.waitForPage(`() => window.__done`);
    const chromeHar = await exportHarFromChromeDevTools(s.devtoolsPage);
    const chromeMessages = harMessages(JSON.parse(chromeHar)).find(([url]) => url.endsWith('/echo'));
    assert.ok(chromeMessages && chromeMessages[1].length >= 8, `Chrome DevTools recorded the socket: ${JSON.stringify(chromeMessages)}`);
    await s.openPanel(); // back from DevTools' Network panel to ours
    await panel.importFile('from-chrome-devtools.har', chromeHar);
    await waitFor(async () => (await panel.notices()).some((n) => n.includes('from-chrome-devtools.har')), { message: 'the import notice' });
    const said = (await panel.notices()).find((n) => n.includes('from-chrome-devtools.har'));
    assert.match(said, /^Imported 2 sockets and \d+ frames from from-chrome-devtools\.har/, said);
    await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=imported-from]')].some((e) => e.textContent === 'imported · from-chrome-devtools.har')`);
    await panel.waitRow('hello har', 'sent');
    await panel.waitRow('Binary, 4 bytes', 'received');
  }

  // a real file Chrome DevTools exported, in both browsers
  const fixture = fs.readFileSync(path.join(fixtures, 'chrome-devtools.har'), 'utf8');
  const fixtureSockets = harMessages(JSON.parse(fixture));
  await panel.importFile('chrome-devtools.har', fixture);
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=imported-from]')].some((e) => e.textContent === 'imported · chrome-devtools.har')`);
  const imported = await panel.shownFrames();
  const firstData = fixtureSockets[0][1].find(([type, opcode]) => opcode === 1 && type === 'send')[2];
  assert.ok(imported.some((r) => r.dir === 'sent' && r.text === firstData.replace(/[\r\n\t]+/g, ' ').slice(0, 300)), `imported rows: ${JSON.stringify(imported.slice(0, 5))}`);
  // a file dropped on the panel imports the same way
  await panel.dropFile('dropped.har', fixture);
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=imported-from]')].some((e) => e.textContent === 'imported · dropped.har')`);
  // imported sockets are a record: the composer says why it cannot send
  assert.match(await panel.text('composer-why'), /Imported from dropped\.har: a record, nothing can be sent/);

  // bad files: a clear message, and the log exactly as it was
  const state = `(w) => ({ conns: w.document.querySelectorAll('[data-testid=connection]').length, counts: w.document.querySelector('[data-testid=counts]').textContent })`;
  const before = await panel.eval(state);
  await panel.importFile('broken.har', '{"log": {"entries": [');
  await waitFor(async () => (await panel.notices()).some((n) => n.includes('Could not import broken.har') && /JSON/.test(n)), { message: 'the broken-file notice' });
  await panel.importFile('firefox.har', JSON.stringify({ log: { version: '1.2', creator: { name: 'Firefox' }, entries: [{ request: { url: 'https://x.test/' } }] } }));
  await waitFor(async () => (await panel.notices()).some((n) => n.includes('Could not import firefox.har') && /WebSocket/.test(n)), { message: 'the no-sockets notice' });
  await panel.importFile('huge.har', null, 210 * 1024 * 1024);
  await waitFor(async () => (await panel.notices()).some((n) => n.includes('Could not import huge.har') && /MB/.test(n)), { message: 'the too-big notice' });
  assert.deepEqual(await panel.eval(state), before, 'nothing lost, nothing added');

  // Copy as send(): what goes to the clipboard, pasted into the page, sends the very same frame
  await panel.selectSocket('/echo');
  const copied = async (needle) => {
    // the filter brings the row into view (the table is virtualised)
    await panel.type('filter-input', needle);
    await panel.waitRow(needle, 'sent');
    await panel.clickRow(needle, 'sent');
    // the detail (and its button) render with the selection: wait for that render, or the click copies the last frame
    await panel.waitFor(
      `(w) => { const row = w.document.querySelector('.frame-row.selected'); const b = w.document.querySelector('[data-testid=copy-send-snippet]'); return row && row.textContent.includes(${JSON.stringify(needle)}) && b && !b.disabled; }`,
    );
    // the panel copies through a short-lived textarea (DevTools panels may not use navigator.clipboard): read
    // what it held, which works without the user activation a real clipboard write needs
    return panel.eval(`async (w) => {
      let text = null;
      const seen = new w.MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) if (n.tagName === 'TEXTAREA') text = n.value;
      });
      const options = new w.Object(); // the panel's own object (Firefox's test script is another compartment)
      options.childList = true;
      seen.observe(w.document.body, options);
      w.document.querySelector('[data-testid=copy-send-snippet]').click();
      await new Promise((r) => w.setTimeout(r, 0));
      seen.disconnect();
      return text;
    }`);
  };
  for (const [needle, expected] of [['Binary, 4 bytes', [0, 1, 2, 255]], ['second line', 'héllo ✓ 😀\nsecond line']]) {
    const snippet = await copied(needle);
    assert.match(snippet, /^socket\.send\(/);
    const sentBack = await s.pageEval(
      `(code) => { let got; new Function('socket', code)({ send: (d) => { got = d; } }); return typeof got === 'string' ? got : [...got]; }`,
      snippet,
    );
    assert.deepEqual(sentBack, expected, `${snippet} sent ${JSON.stringify(sentBack)}`);
  }

  // JSON Lines of the frames in view: the live echo socket, filtered
  await panel.selectSocket('/echo');
  await panel.type('filter-input', 'hello har');
  await panel.waitFor(`(w) => w.document.querySelectorAll('[data-testid=frame]').length === 2`);
  await panel.click('export-jsonl');
  const lines = (await s.waitForDownload('.jsonl')).text.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.direction, l.data]), [['sent', 'hello har'], ['received', 'hello har']]);
  await panel.type('filter-input', '');
});
