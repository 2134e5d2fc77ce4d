// Acting on the page's own socket from the composer: send, inject, binary, close with a code; bad input.
import assert from 'node:assert/strict';
import { scenario } from './lib/suite.mjs';

/** Inject as received: the page's handlers get a real MessageEvent; the log marks it injected. */
scenario('inject a frame as if the server sent it', async (s, panel, { origin }) => {
  await s.goto(`${origin}/first-script.html`);
  await s.openPanel();
  await panel.waitRow('first-script-hello', 'received');
  await panel.type('composer-input', '{"fake":"server"}');
  await panel.click('composer-inject');
  await s.waitForPage(`() => window.__received.includes('{"fake":"server"}')`);
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame][data-kind=injected]')].some((r) => r.textContent.includes('fake'))`);
});

/** Binary both ways: page sends bytes and a Blob; the panel shows them in hex; panel sends hex; echo is binary. */
scenario('binary frames: hex view and sending bytes', async (s, panel, { origin }) => {
  await s.goto(`${origin}/first-script.html`);
  await s.openPanel();
  await panel.waitRow('first-script-hello', 'received');
  await s.pageEval(`() => { window.__ws.binaryType = 'arraybuffer'; window.__ws.send(new Uint8Array([0xde, 0xad, 0xbe, 0xef])); window.__ws.send(new Blob([new Uint8Array([1, 2, 3])])); }`);
  await panel.waitFor(`(w) => w.document.querySelectorAll('[data-testid=frame][data-kind=binary]').length >= 4`);
  await panel.clickRow('Binary, 4 bytes');
  await panel.waitFor(`(w) => /de ad be ef/.test((w.document.querySelector('[data-testid=hex-dump]') || {}).textContent || '')`);
  await panel.clickRow('Blob, 3 bytes');
  await panel.waitFor(`(w) => /01 02 03/.test((w.document.querySelector('[data-testid=hex-dump]') || {}).textContent || '')`);
  await panel.composeAndSend('48 69 ff', 'hex');
  await s.waitForPage(`() => window.__received.some((d) => Object.prototype.toString.call(d) === '[object ArrayBuffer]' && new Uint8Array(d).join() === '72,105,255')`);
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame][data-direction=received][data-kind=binary]')].some((r) => r.textContent.includes('3 bytes'))`);
});

/** Close from the panel with a code and reason; the page sees exactly that close. Saved messages persist. */
scenario('close from the panel, and saved messages', async (s, panel, { origin }) => {
  await s.goto(`${origin}/first-script.html`);
  await s.pageEval(`() => { window.__ws.addEventListener('close', (e) => { window.__closed = [e.code, e.reason, e.wasClean]; }); }`);
  await s.openPanel();
  await panel.waitRow('first-script-hello', 'received');
  await panel.type('composer-input', '{"saved": true}');
  await panel.type('composer-mode', 'json', 'change');
  await panel.click('save-message');
  await s.reopenPanel();
  await panel.waitFor(`(w) => /Saved \\(1\\)/.test(w.document.querySelector('[data-testid=saved-messages]').textContent)`);
  await panel.type('saved-messages', '0', 'change');
  await panel.waitFor(`(w) => w.document.querySelector('[data-testid=composer-input]').value === '{"saved": true}' && w.document.querySelector('[data-testid=composer-mode]').value === 'json'`);
  await panel.eval(`(w) => w.__wsLens && w.chrome !== undefined`);
  await panel.type('close-code', '4002');
  await panel.type('close-reason', 'closed by WS Lens');
  await panel.click('composer-close');
  const closed = await s.waitForPage(`() => window.__closed`);
  assert.deepEqual(closed, [4002, 'closed by WS Lens', true]);
  await panel.waitRow('close 4002 "closed by WS Lens"', 'event');
  await panel.waitFor(`(w) => w.document.querySelector('[data-testid=connection]').dataset.state === 'closed'`);
});

/** Bad input: invalid JSON, invalid close, sending on a closed socket — clear messages, nothing lost. */
scenario('bad input gets a clear message and loses nothing', async (s, panel, { origin }) => {
  await s.goto(`${origin}/first-script.html`);
  await s.openPanel();
  await panel.waitRow('first-script-hello', 'received');
  await panel.type('composer-mode', 'json', 'change');
  await panel.type('composer-input', '{"a": 1,\n "b": }');
  const status = await panel.text('composer-status');
  assert.match(status, /Invalid JSON at line 2, column 7/);
  assert.equal(await panel.eval(`(w) => w.document.querySelector('[data-testid=composer-send]').disabled`), true);
  await panel.type('close-code', '1001');
  assert.equal(await panel.eval(`(w) => w.document.querySelector('[data-testid=composer-close]').disabled`), true);
  assert.match(await panel.eval(`(w) => w.document.querySelector('.composer-actions').textContent`), /1000 or 3000-4999/);
  await panel.type('close-code', '1000');
  // the page closes its socket: the composer says why it cannot send, and keeps the text
  await panel.type('composer-mode', 'text', 'change');
  await panel.type('composer-input', 'keep me');
  await s.pageEval(`() => window.__ws.close()`);
  await panel.waitFor(`(w) => /closed/.test((w.document.querySelector('[data-testid=composer-why]') || {}).textContent || '')`);
  assert.equal(await panel.eval(`(w) => w.document.querySelector('[data-testid=composer-input]').value`), 'keep me');
});
