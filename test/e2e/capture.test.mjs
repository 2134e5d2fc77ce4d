// Capture: every socket from its creation, every data type exactly, sockets opened before the panel, every kind of
// frame, reloads, floods, large frames and bufferedAmount, and the background stopping mid-session.
import assert from 'node:assert/strict';
import { scenario } from './lib/suite.mjs';

/** Issue 2's flow: first-script socket captured, panel sends, echo in page and panel, page closes with a code. */
scenario('capture from the first script, send from the panel, close with a code', async (s, panel, { origin }) => {
  await s.goto(`${origin}/first-script.html`);
  await s.waitForPage(`() => (window.__received || []).includes('first-script-hello')`);
  await s.openPanel(); // opened after the page's traffic: the page ring replays it
  await panel.waitRow('first-script-hello', 'received');
  const r = await panel.rows();
  const created = r.findIndex((x) => x.text.startsWith('new WebSocket('));
  const sent = r.findIndex((x) => x.dir === 'sent' && x.text === 'first-script-hello');
  assert.ok(created === 0 && sent > created, `the socket's whole life is there from its creation: ${JSON.stringify(r)}`);
  const [c] = await panel.conns();
  assert.equal(c.state, 'open');
  assert.match(c.url, /^ws:\/\/127\.0\.0\.1:\d+\/echo$/);

  await panel.composeAndSend('sent-by-panel');
  await s.waitForPage(`() => window.__received.includes('sent-by-panel')`);
  await panel.waitRow('sent-by-panel', 'received');
  await panel.waitRow('sent-by-panel', 'sent');

  await s.pageEval(`() => window.__ws.close(4001, 'done here')`);
  await panel.waitFor(`(w) => w.document.querySelector('[data-testid=connection]').dataset.state === 'closed'`);
  await panel.waitRow('close 4001 "done here"', 'event');
});

/** Every data type, both directions, exactly: text with NUL/emoji/lone surrogate, views, DataView, Blob both ways. */
scenario('every data type, both directions, exactly', async (s, panel, { origin }) => {
  await s.goto(`${origin}/first-script.html`);
  await s.openPanel();
  await panel.waitRow('first-script-hello', 'received');
  await s.pageEval(`() => {
    const ws = window.__ws;
    ws.send('nul\\u0000 emoji😀 lone\\ud800 end'.replace(/\\\\u([0-9a-f]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16))));
    ws.send(new DataView(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2));
    ws.send(new Uint16Array([0x0102, 0x0304]));
    ws.binaryType = 'blob';
    ws.send(new Blob([new Uint8Array([5, 6, 7])]));
  }`);
  await panel.waitFor(`(w) => w.__wsLens.store.log.frames.filter((f) => f.payload && f.direction === 'received').length >= 5`);
  // compare code points inside each document: the CDP/Marionette JSON bridge would itself mangle a lone surrogate
  const codes = `(t) => Array.from({ length: t.length }, (_, i) => t.charCodeAt(i)).join(',')`;
  const sentCodes = await panel.eval(`(w) => { const f = w.__wsLens.store.log.frames.find((f) => f.direction === 'sent' && f.payload && f.payload.type === 'text' && f.payload.data.startsWith('nul')); return f && (${codes})(f.payload.data); }`);
  const recvCodes = await panel.eval(`(w) => { const f = w.__wsLens.store.log.frames.find((f) => f.direction === 'received' && f.payload && f.payload.type === 'text' && f.payload.data.startsWith('nul')); return f && (${codes})(f.payload.data); }`);
  // send() takes a USVString: the lone surrogate goes on the wire as U+FFFD, and the panel shows what the socket carried
  const expectedCodes = 'nul\u0000 emoji😀 lone\ufffd end'.split('').map((c) => c.charCodeAt(0)).join(','); // UTF-16 code units
  assert.equal(sentCodes, expectedCodes, 'the sent text is what the socket carried, NUL and emoji exact, the lone surrogate as U+FFFD');
  // the echo carries the same: the panel must show what the page itself received
  const pageCodes = await s.pageEval(`() => { const t = window.__received.find((x) => typeof x === 'string' && x.startsWith('nul')); return (${codes})(t); }`);
  assert.equal(recvCodes, pageCodes, 'the received text is exactly what the page received');
  const got = await panel.eval(`(w) => w.__wsLens.store.log.frames.filter((f) => f.payload && f.payload.type !== 'text').map((f) => [f.direction, f.payload.type, f.payload.data, f.payload.size])`);
  const bin = (dir, b64) => got.some(([d, , data]) => d === dir && data === b64);
  assert.ok(bin('sent', Buffer.from([8, 7]).toString('base64')), 'DataView sent as its own bytes');
  assert.ok(bin('sent', Buffer.from([2, 1, 4, 3]).toString('base64')), 'typed array sent as its bytes');
  assert.ok(got.some(([d, type, data]) => d === 'received' && type === 'blob' && data === Buffer.from([5, 6, 7]).toString('base64')), 'Blob received with binaryType blob');
});

/** Sockets in every frame: same-origin, cross-origin, srcdoc, about:blank, and a frame added later. */
scenario('sockets in every kind of frame', async (s, panel, { origin }) => {
  await s.goto(`${origin}/iframes.html`);
  await s.openPanel();
  await panel.waitRow('from-srcdoc', 'received');
  await panel.waitRow('from-about-blank', 'received');
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=connection]')].some((c) => c.dataset.url.startsWith('ws://localhost:'))`);
  await s.pageEval(`() => window.addLater()`);
  await panel.waitRow('from-late-frame', 'received');
  // the same-origin frame's socket is not waited for by a row above: give every frame's document its time
  await panel.waitFor(`(w) => w.document.querySelectorAll('[data-testid=connection]').length >= 5`).catch(() => {});
  const n = (await panel.conns()).length;
  assert.equal(n, 5, 'same-origin, cross-origin, srcdoc, about:blank and the late frame');
});

/** Opened late on a busy page: the page ring replays what it holds and the panel says how much fell out. */
scenario('a panel opened after the ring overflowed says what was lost', async (s, panel, { origin }) => {
  await s.goto(`${origin}/blank.html`);
  await s.pageEval(`() => new Promise((done) => { let n = 0; const ws = new WebSocket('ws://' + location.host + '/burst'); ws.onopen = () => ws.send('go:60000'); ws.onmessage = () => { if (++n === 60000) done(true); }; })`);
  await s.openPanel();
  const lost = await panel.waitFor(`(w) => { const e = w.document.querySelector('[data-testid=dropped-page]'); return e && Number(e.textContent.replace(/\\D/g, '')); }`, { timeout: 20000 });
  // created, open, the "go" send (and maybe one bufferedAmount sample) and 60,000 frames: the ring keeps the newest
  // 50,000 events, exactly m10000..m59999
  const kept = await panel.waitFor(`(w) => { const f = w.__wsLens.store.log.frames; return f.length === 50000 && [f[0].preview, f[49999].preview]; }`);
  assert.deepEqual(kept, ['m10000', 'm59999']);
  assert.ok(lost === 10003 || lost === 10004, `lost ${lost}`);
});

/** Chromium: the MV3 service worker is stopped mid-session; no frame is lost or doubled. */
scenario('background stopped mid-session (service worker / event page): nothing lost or doubled', async (s, panel, { origin }) => {
  await s.goto(`${origin}/first-script.html`);
  await s.openPanel();
  await panel.waitRow('first-script-hello', 'received');
  await s.pageEval(`() => { for (let i = 0; i < 20; i++) window.__ws.send('before-' + i); }`);
  await panel.waitRow('before-19', 'received');
  await s.stopBackground();
  await s.pageEval(`() => { for (let i = 0; i < 20; i++) window.__ws.send('during-' + i); }`);
  await panel.waitRow('during-19', 'received');
  // the table is virtualised: count through the filter instead of reading rows
  const count = async (pattern) => {
    await panel.type('filter-input', pattern);
    await panel.eval(`(w) => new Promise((r) => w.requestAnimationFrame(() => w.requestAnimationFrame(() => r(true))))`);
    return panel.waitFor(`(w) => { const m = /^([\\d,]+) \\//.exec(w.document.querySelector('[data-testid=counts]').textContent); return m && Number(m[1].replace(/,/g, '')); }`);
  };
  for (const phase of ['before', 'during']) {
    for (let i = 0; i < 20; i += 7) {
      assert.equal(await count(`/^${phase}-${i}$/`), 2, `${phase}-${i}: once sent, once received`);
    }
    assert.equal(await count(`/^${phase}-\\d+$/`), 40, `${phase}: 20 sent and 20 received, none lost or doubled`);
  }
  assert.equal(await count('/^first-script-hello$/'), 2);
});

/** Reload: the new document replaces the log, or, with preserve log, joins it. */
scenario('reload: a new document, and preserve log', async (s, panel, { origin }) => {
  await s.goto(`${origin}/first-script.html`);
  await s.openPanel();
  await panel.waitRow('first-script-hello', 'received');
  await s.goto(`${origin}/first-script.html`);
  await s.waitForPage(`() => window.__received.includes('first-script-hello')`);
  await panel.waitFor(`(w) => w.document.querySelectorAll('[data-testid=connection]').length === 1 && w.document.querySelector('[data-testid=connection]').dataset.state === 'open'`);
  await panel.click('preserve-log');
  await s.goto(`${origin}/first-script.html`);
  await s.waitForPage(`() => window.__received.includes('first-script-hello')`);
  await panel.waitFor(`(w) => w.document.querySelectorAll('[data-testid=connection]').length === 2`);
  await panel.waitFor(`(w) => /\(gone\)/.test(w.document.querySelector('.connections').textContent)`);
  await panel.click('preserve-log'); // leave the setting as found: it persists in extension storage
});

/** A page that floods frames: every one reaches the panel (or is counted), and the panel stays responsive. */
scenario('a flood of 50,000 frames is captured whole', async (s, panel, { origin }) => {
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
  await s.pageEval(`() => { window.__n = 0; const ws = new WebSocket('ws://' + location.host + '/burst'); ws.onopen = () => ws.send('go:50000'); ws.onmessage = () => window.__n++; }`);
  await s.waitForPage(`() => window.__n === 50000`, { timeout: 30000 });
  const counted = await panel.waitFor(
    `(w) => { const t = w.document.querySelector('[data-testid=counts]').textContent.replace(/,/g, ''); const m = /(\\d+) frames/.exec(t); return m && Number(m[1]) >= 50003 && t.trim(); }`,
    { timeout: 30000 },
  );
  assert.match(counted, /^50003 \/ 50003 frames$/, 'created + open + the "go" request + 50,000 received, nothing dropped');
  // still responsive: a filter over 50,000 frames answers
  await panel.type('filter-input', '/^m49999$/');
  await panel.waitFor(`(w) => { const r = w.document.querySelectorAll('[data-testid=frame]'); return r.length === 1 && r[0].textContent.includes('m49999'); }`);
  await panel.type('filter-input', '');
});

/** bufferedAmount: a big send shows a non-zero value sampled after the send, then drains to 0. */
scenario('bufferedAmount is sampled after a send until it drains', async (s, panel, { origin }) => {
  await s.goto(`${origin}/first-script.html`);
  await s.openPanel();
  await panel.waitRow('first-script-hello', 'received');
  await s.pageEval(`() => { const big = 'y'.repeat(8 * 1024 * 1024); window.__ws.send(big); window.__bufferedAfterSend = window.__ws.bufferedAmount; }`);
  const after = await s.pageEval(`() => window.__bufferedAfterSend`);
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame][data-direction=sent]')].some((r) => r.textContent.includes('8.0 MB'))`, { timeout: 20000 });
  await panel.clickRow('8.0 MB', 'sent');
  const meta = await panel.waitFor(`(w) => { const m = w.document.querySelector('.detail-meta'); return m && /sent/.test(m.textContent) && m.textContent; }`);
  const shown = Number(/bufferedAmount (\d+)/.exec(meta)?.[1]);
  assert.equal(shown, after, `the panel shows the bufferedAmount the page saw right after send (${after})`);
  // it drains to 0, and the readout says so
  await panel.waitFor(`(w) => w.document.querySelector('[data-testid=buffered-amount]').textContent === '0'`, { timeout: 20000 });
  if (after > 0) {
    // drawn as steps: each sample holds until the next (a ramp would show bytes queued that never were)
    const d = await panel.waitFor(`(w) => w.document.querySelector('.chart path')?.getAttribute('d')`);
    assert.match(d, /^M[\d.]+,[\d.]+(H[\d.]+V[\d.]+)+$/, `the chart's line is level runs and vertical steps: ${d}`);
  }
});

/** A 10 MB frame: a preview at once, the whole payload on demand. */
scenario('a 10 MB frame shows a preview and loads in full on demand', async (s, panel, { origin }) => {
  await s.goto(`${origin}/first-script.html`);
  await s.openPanel();
  await panel.waitRow('first-script-hello', 'received');
  await s.pageEval(`() => window.__ws.send('z'.repeat(10 * 1024 * 1024 - 4) + 'END!')`);
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame][data-direction=received]')].some((r) => r.textContent.includes('10.0 MB'))`, { timeout: 30000 });
  await panel.clickRow('10.0 MB');
  await panel.waitFor(`(w) => !!w.document.querySelector('[data-testid=load-full]')`);
  await panel.click('load-full');
  await panel.waitFor(`(w) => { const t = w.document.querySelector('[data-testid=detail-text]'); return t && t.textContent.length === 10 * 1024 * 1024 && t.textContent.endsWith('END!'); }`, { timeout: 30000 });
});
