// The page's side of each frame (issue 17): what only an in-page inspector can show.
import assert from 'node:assert/strict';
import { scenario } from './lib/suite.mjs';

/** Send stacks: off by default; switched on, each send the page makes says where in the page send() was called. */
scenario('page side: a send stack points at the page line that called send()', async (s, panel, { origin }) => {
  await s.goto(`${origin}/send-stack.html`);
  await s.openPanel();
  await s.pageEval(`() => { window.__queue.push('before-switch'); return true; }`);
  await panel.waitRow('before-switch', 'sent');
  assert.equal(await panel.eval(`(w) => w.document.querySelector('[data-testid=send-stacks]').checked`), false, 'off by default');
  await panel.click('send-stacks');
  // the page confirms the option: a frame sent after the switch carries its stack
  await panel.waitFor(`(w) => w.document.querySelector('[data-testid=send-stacks]').checked`);
  // the option reaches the page a moment after the click: send until a frame carries its stack
  let n = 0;
  for (;;) {
    await s.pageEval(`() => { window.__queue.push('with-stack-${n}'); return true; }`);
    await panel.waitRow(`with-stack-${n}`, 'sent');
    const stack = await panel.eval(`(w) => w.__wsLens.store.log.frames.find((f) => f.preview === 'with-stack-${n}').stack ?? null`);
    if (stack) break;
    assert.ok(n < 20, 'a frame sent after the switch has a stack');
    n++;
  }
  await panel.clickRow(`with-stack-${n}`, 'sent');
  const shown = await panel.waitFor(`(w) => w.document.querySelector('[data-testid=detail-stack]')?.textContent`);
  const lines = shown.split('\n');
  assert.match(lines[0], /sendGreeting.*send-stack\.html:\d+/, `the first frame is the page's function that called send():\n${shown}`);
  assert.match(lines[1], /tick.*send-stack\.html:\d+/, `then its caller:\n${shown}`);
  assert.ok(!/extension:\/\/|<anonymous code>|hook\.js/.test(shown), `no frame of the hook's:\n${shown}`);
  await panel.clickRow('before-switch', 'sent');
  await panel.waitFor(`(w) => w.document.querySelector('[data-testid=detail]') && !w.document.querySelector('[data-testid=detail-stack]')`);
  // the received echo has no send stack
  const echo = await panel.eval(`(w) => w.__wsLens.store.log.frames.find((f) => f.direction === 'received' && f.preview === 'with-stack-${n}')?.stack ?? null`);
  assert.equal(echo, null);
  // a send a rule holds keeps its stack on the held row
  await panel.addRule({ direction: 'sent', 'match-type': 'text', match: 'held-by-rule', action: 'pause' });
  await s.pageEval(`() => { window.__queue.push('held-by-rule'); return true; }`);
  await panel.waitHeld(1);
  const held = await panel.eval(`(w) => w.__wsLens.store.log.frames.find((f) => f.preview === 'held-by-rule')?.stack ?? null`);
  assert.match(held ?? '', /sendGreeting.*send-stack\.html:\d+/, `the held send's stack: ${held}`);
});

/**
 * Handler timing: on by default. A slow listener shows its time in the Handler column; a throwing one marks its
 * frame and shows its exception in the detail, while the page's own onerror gets what it gets without the extension.
 */
scenario('page side: a slow handler shows its time, a throwing one its exception on its frame, the page sees the same error', async (s, panel, { origin, plain }) => {
  await s.goto(`${origin}/handlers.html`);
  await s.openPanel();
  await panel.waitRow('bad-auto', 'received');
  assert.equal(await panel.eval(`(w) => w.document.querySelector('[data-testid=handler-timing]').checked`), true, 'on by default');
  // the panel's options reach the page a moment after it subscribed: send until a frame carries its runs
  const runsOf = (text) => panel.eval(`(w) => w.__wsLens.store.log.frames.find((f) => f.direction === 'received' && f.preview === ${JSON.stringify(text)})?.handlers ?? null`);
  let n = 0;
  for (;;) {
    await s.pageEval(`() => { window.__queue.push('probe-${n}'); return true; }`);
    await panel.waitRow(`probe-${n}`, 'received');
    if (await runsOf(`probe-${n}`)) break;
    assert.ok(n < 20, 'a frame received after the panel opened has its handler runs');
    n++;
  }
  const probe = await runsOf(`probe-${n}`);
  assert.deepEqual(probe.map((r) => r.name), ['slowHandler', 'throwingHandler', 'onmessage: afterThrow']);

  await s.pageEval(`() => { window.__queue.push('slow', 'bad-1', 'fine'); return true; }`);
  await panel.waitRow('fine', 'received');
  const slow = await panel.waitFor(`(w) => w.__wsLens.store.log.frames.find((f) => f.direction === 'received' && f.preview === 'slow' && f.handlers)`);
  assert.ok(slow.handlerMs >= 55, `the slow frame's handler time: ${slow.handlerMs}`);
  assert.ok(slow.handlers[0].ms >= 55, `slowHandler's own time: ${JSON.stringify(slow.handlers)}`);
  assert.ok(slow.handlers.slice(1).every((r) => r.ms < 20), `the others are quick: ${JSON.stringify(slow.handlers)}`);
  const shown = await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame][data-direction=received]')].find((r) => r.textContent.includes('slow'))?.querySelector('[data-testid=frame-handler]')?.textContent`);
  assert.match(shown, /^\d+ ms$/, `the Handler column: ${shown}`);

  // the throwing frame: marked, and its exception in the detail
  const bad = await panel.waitFor(`(w) => w.__wsLens.store.log.frames.find((f) => f.direction === 'received' && f.preview === 'bad-1' && f.handlers)`);
  assert.equal(bad.threw, true);
  assert.equal(bad.handlers[1].name, 'throwingHandler');
  assert.match(bad.handlers[1].threw.message, /bad frame: bad-1/);
  assert.match(bad.handlers[1].threw.stack ?? '', /throwingHandler.*handlers\.html:\d+/);
  assert.equal(bad.handlers[0].threw, undefined, 'slowHandler did not throw');
  assert.equal(bad.handlers[2].threw, undefined, 'the listener after it ran, and did not throw');
  const fine = await panel.waitFor(`(w) => w.__wsLens.store.log.frames.find((f) => f.direction === 'received' && f.preview === 'fine' && f.handlers)`);
  assert.equal(fine.threw, undefined, 'the next frame is not marked');
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame][data-threw]')].some((r) => r.textContent.includes('bad-1'))`);
  await panel.clickRow('bad-1', 'received');
  const error = await panel.waitFor(`(w) => w.document.querySelector('[data-testid=detail-handlers] [data-testid=handler-error]')?.textContent`);
  assert.match(error, /bad frame: bad-1/);
  const stack = await panel.text('handler-stack');
  assert.match(stack, /throwingHandler.*handlers\.html:\d+/);
  assert.ok(!/extension:\/\/|hook\.js/.test(stack), `no frame of the hook's: ${stack}`);

  // filters: threw, and handler time
  await panel.type('filter-input', 'threw');
  // (bad-auto came before the panel opened, untimed)
  await panel.waitFor(`(w) => { const rows = [...w.document.querySelectorAll('[data-testid=frame]')]; return rows.length === 1 && rows[0].textContent.includes('bad-1'); }`);
  await panel.type('filter-input', 'handler>40');
  await panel.waitFor(`(w) => { const rows = [...w.document.querySelectorAll('[data-testid=frame]')]; return rows.length === 1 && rows[0].textContent.includes('slow'); }`);
  await panel.type('filter-input', '');
  // sorted by handler time, the slow frame comes first
  await panel.click('sort-handler');
  await panel.waitFor(`(w) => w.document.querySelector('[data-testid=frame]')?.textContent.includes('slow')`);

  // the page's own error handling saw the same as in a browser without the extension
  const withExt = await s.waitForPage(`() => window.__conformance`);
  const native = await plain(`${origin}/handlers.html`);
  assert.deepEqual(withExt, native);
  const reports = await s.pageEval(`() => window.__reports.map((r) => r.message)`);
  assert.deepEqual(reports.filter((m) => /bad-1/.test(m)).length, 1, `reported once: ${reports}`);
});

/** The conformance page's listener cases with the panel open and handler timing on: the same as without the extension. */
scenario('page side: listener semantics are unchanged with handler timing on', async (s, panel, { origin, plain }) => {
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
  await s.goto(`${origin}/conformance.html`);
  const withExt = await s.waitForPage(`() => window.__conformance`, { timeout: 20000 });
  assert.ok(!withExt.failed, withExt.failed);
  // the listener cases' frames were timed
  const f1 = await panel.waitFor(`(w) => w.__wsLens.store.log.frames.find((f) => f.direction === 'received' && f.preview === 'f2' && f.handlers)`);
  assert.ok(f1.handlers.length >= 5, `the frame's runs: ${JSON.stringify(f1.handlers)}`);
  const native = await plain(`${origin}/conformance.html`);
  // Firefox with DevTools open adds async stacks (the registration's: "Async*…") to stacks taken in listeners; a
  // browser without DevTools has none, and with the extension they name its wrapper (README Known limits)
  const syncPart = (stack) => stack.split(/\n[^\n]*Async\*/)[0].replace(/\n$/, '');
  assert.deepEqual({ ...withExt.listeners, stackInside: syncPart(withExt.listeners.stackInside) }, { ...native.listeners, stackInside: syncPart(native.listeners.stackInside) });
});
