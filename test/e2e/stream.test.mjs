// WebSocketStream (Chromium: Firefox has none): captured from its creation, listed as a stream, every chunk both
// ways, written to and injected into from the panel, held by a rule, closed with a code; and the page sees the same
// WebSocketStream it sees without the extension.
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { pause } from './lib/panel.mjs';
import { waitFor } from './lib/sessions.mjs';
import { scenario } from './lib/suite.mjs';

const SOCKET = '/echo?stream=1';

scenario('WebSocketStream: captured, driven from the panel, invisible', async (s, panel, { origin, plain, browserName, t }) => {
  if (browserName === 'firefox') return t.skip('Firefox has no WebSocketStream');
  await s.goto(`${origin}/stream.html`);
  const withExt = await s.waitForPage(`() => window.__conformance`);
  assert.ok(!withExt.failed, withExt.failed);
  const native = await plain(`${origin}/stream.html`);
  const differ = Object.keys({ ...withExt, ...native }).filter((k) => !isDeepStrictEqual(withExt[k], native[k]));
  assert.deepEqual(differ, [], `differs with the extension: ${differ.map((k) => `${k}: ${JSON.stringify(withExt[k])} vs ${JSON.stringify(native[k])}`).join('; ')}`);

  await s.waitForPage(`() => window.__received.includes('stream-hello') && window.__received.includes('bytes:1,2,3')`);
  await s.openPanel(); // after the page's traffic: the page ring has it
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=connection]')].some((c) => c.dataset.url.endsWith(${JSON.stringify(SOCKET)}) && c.dataset.kind === 'stream' && c.dataset.context === 'document')`);
  await panel.selectSocket(SOCKET);
  const c = (await panel.conns()).find((x) => x.url.endsWith(SOCKET));
  assert.equal(c.state, 'open');
  assert.match(c.text, /stream/);
  await panel.waitRow('new WebSocketStream(', 'event');
  await panel.waitRow('stream-hello', 'sent');
  await panel.waitRow('stream-hello', 'received');
  await panel.waitRow('Binary, 3 bytes', 'sent');
  await panel.waitRow('Binary, 3 bytes', 'received');

  // the panel writes on the page's stream; the echo reaches the page's reader
  await panel.composeAndSend('from-panel');
  await s.waitForPage(`() => window.__received.includes('from-panel')`);
  await panel.waitRow('from-panel', 'sent');
  await panel.waitRow('from-panel', 'received');
  await panel.composeAndSend('ff 00 7f', 'hex');
  await s.waitForPage(`() => window.__received.includes('bytes:255,0,127')`);

  // injected as if the server sent it: the page's reader gets it, the log marks it
  await panel.type('composer-mode', 'text', 'change');
  await panel.type('composer-input', 'injected-into-stream');
  await panel.click('composer-inject');
  await s.waitForPage(`() => window.__received.includes('injected-into-stream')`);
  await panel.waitFor((w) => [...w.document.querySelectorAll('[data-testid=frame][data-kind=injected]')].some((r) => r.textContent.includes('injected-into-stream')));

  // a rule holds a received chunk: the page's reader waits for it, and gets it once released, in order
  await panel.addRule({ direction: 'received', 'match-type': 'text', match: 'held-in-stream', action: 'pause' });
  await s.pageEval(`() => { window.__writer.write('held-in-stream'); window.__writer.write('after-held'); return true; }`);
  await panel.waitHeld(1);
  await panel.waitRowRule('after-held', 'received', 'waiting');
  assert.equal(await s.pageEval(`() => window.__received.includes('held-in-stream') || window.__received.includes('after-held')`), false, 'the page has neither yet');
  await panel.click('resume-all');
  await s.waitForPage(`() => window.__received.includes('after-held')`);
  const order = await s.pageEval(`() => window.__received.filter((x) => x === 'held-in-stream' || x === 'after-held')`);
  assert.deepEqual(order, ['held-in-stream', 'after-held']);
  await panel.click('tab-detail');

  // backpressure stays the page's: of a 1,000-frame burst, the socket gives up what the page reads and no more
  await s.pageEval(`async () => {
    const slow = new WebSocketStream('ws://' + location.host + '/burst');
    const { readable, writable } = await slow.opened;
    await writable.getWriter().write('go:1000');
    window.__slowReader = readable.getReader();
    for (let i = 0; i < 5; i++) await window.__slowReader.read();
    return true;
  }`);
  const receivedOn = async (path) => Number(/↓(\d+)/.exec((await panel.conns()).find((x) => x.url.endsWith(path))?.text ?? '')?.[1]);
  await waitFor(async () => (await receivedOn('/burst')) === 5, { message: 'five frames read, five shown' });
  await pause(500);
  assert.equal(await receivedOn('/burst'), 5, 'nothing read ahead of the page');
  await s.pageEval(`async () => { for (let i = 0; i < 5; i++) await window.__slowReader.read(); return true; }`);
  await waitFor(async () => (await receivedOn('/burst')) === 10, { message: 'ten read, ten shown' });
  await panel.selectSocket(SOCKET);

  // closed from the panel with a code and reason: the page's `closed` says exactly that
  await panel.type('close-code', '4001');
  await panel.type('close-reason', 'stream bye');
  await panel.click('composer-close');
  assert.deepEqual(await s.waitForPage(`() => window.__closed`), [4001, 'stream bye']);
  await panel.waitFor((w) => [...w.document.querySelectorAll('[data-testid=connection]')].find((c) => c.dataset.url.endsWith('/echo?stream=1'))?.dataset.state === 'closed');
  await panel.waitRow('close 4001 "stream bye"', 'event');
  await s.waitForPage(`() => window.__ended === true`);
  assert.equal(await s.pageEval(`() => window.__readFailed || null`), null);
  assert.equal((await panel.conns()).filter((x) => x.url.endsWith(SOCKET)).length, 1);
});
