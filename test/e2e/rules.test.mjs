// Traffic rules (hold, edit, forward, drop, rewrite, delay, mock) and replay, proven at the server and in the page.
import assert from 'node:assert/strict';
import { waitFor } from './lib/sessions.mjs';
import { pause, wireFrom } from './lib/panel.mjs';
import { scenario } from './lib/suite.mjs';

/** Issue 6: a pause rule holds sent frames; edit one, drop one; frames behind a held one wait, in order. */
scenario('rules: pause, edit, forward and drop, in order', async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await panel.openControlPage(origin);
  await panel.addRule({ name: 'hold pings', direction: 'sent', 'match-type': 'text', match: 'p1-hold', action: 'pause' });
  await s.pageEval(`() => window.__send('p1-hold-a', 'p1-after', 'p1-hold-b')`);
  await panel.waitHeld(2);
  await pause(300);
  assert.deepEqual(got('p1-'), [], 'nothing went out: the second frame waits behind the held first one');
  assert.equal(await panel.rowRule('p1-after', 'sent'), 'waiting');

  // edit the first and forward it: it goes, then the one behind it, and the queue stops at the next held one
  await panel.click('held-edit', 0);
  await panel.waitFor(`(w) => w.document.querySelector('[data-testid=held-edit-input]')?.value === 'p1-hold-a'`);
  await panel.type('held-edit-input', 'p1-edited-a');
  await panel.click('held-forward-edited');
  await s.waitForPage(`() => window.__received.includes('p1-after')`);
  assert.deepEqual(got('p1-'), ['p1-edited-a', 'p1-after'], 'edited frame went first, then the one behind it');
  // the held list redraws when the panel takes the verdict in, which may come after the page saw the echo
  await panel.waitHeld(1);

  await panel.click('held-drop', 0);
  await panel.waitHeld(0);
  await pause(300);
  assert.deepEqual(got('p1-'), ['p1-edited-a', 'p1-after'], 'the dropped frame never went out');
  assert.deepEqual(await s.pageEval(`() => window.__received.filter((m) => m.startsWith('p1-'))`), ['p1-edited-a', 'p1-after']);
  await panel.waitRowRule('p1-hold-a', 'sent', 'edited');
  await panel.waitRowRule('p1-hold-b', 'sent', 'dropped');
  await panel.waitRowRule('p1-after', 'sent', 'forwarded');
  // the detail says what happened and shows what was sent instead
  await panel.clickRow('p1-hold-a', 'sent');
  await panel.waitFor(`(w) => /forwarded edited/.test(w.document.querySelector('[data-testid=detail-rule]')?.textContent || '') && w.document.querySelector('[data-testid=detail-edited]')?.textContent === 'p1-edited-a'`);
});

/** Received frames held by a rule never reach the page until released, and a close waits behind them. */
scenario('rules: held received frames and a close keep their order; resume all', async (s, panel, { origin }) => {
  await panel.openControlPage(origin);
  await panel.addRule({ direction: 'received', 'match-type': 'regex', match: '/^p2-hold/', action: 'pause' });
  await s.pageEval(`() => window.__send('p2-hold-1', 'p2-plain', 'p2-hold-2')`);
  await panel.waitHeld(2);
  await panel.waitRowRule('p2-plain', 'received', 'waiting');
  await s.pageEval(`() => window.__ws.close(4002, 'bye')`);
  await panel.waitRow('close 4002', 'event');
  await pause(300);
  assert.deepEqual(await s.pageEval(`() => window.__log.map((e) => e.type + ':' + (e.data || e.code))`), [], 'the page heard nothing yet, not even the close');
  await panel.click('resume-all');
  await s.waitForPage(`() => window.__log.length === 4`);
  assert.deepEqual(await s.pageEval(`() => window.__log.map((e) => e.type + ':' + (e.data || e.code))`), ['message:p2-hold-1', 'message:p2-plain', 'message:p2-hold-2', 'close:4002']);
  await panel.waitRowRule('p2-hold-2', 'received', 'forwarded');
});

/** Drop, rewrite (text and JSON), delay and a templated mock reply, each proven at the server and in the page. */
scenario('rules: drop, rewrite, JSON field, delay and mock reply', async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await panel.openControlPage(origin);
  await panel.addRule({ direction: 'sent', 'match-type': 'text', match: 'p3-drop', action: 'drop' });
  await panel.addRule({ direction: 'sent', 'match-type': 'regex', match: '/p3-secret-\\d+/', action: 'rewrite', find: '/secret-(\\d+)/', replace: 'public-$1' });
  await panel.addRule({ direction: 'sent', 'match-type': 'json', match: '$.type', 'match-value': 'p3-role', action: 'rewrite-json', find: '$.role', replace: '"admin"' });
  await panel.addRule({ direction: 'received', 'match-type': 'text', match: 'p3-slow', action: 'delay', ms: 700 });
  await panel.addRule({ direction: 'sent', 'match-type': 'json', match: '$.method', 'match-value': 'p3-ping', action: 'mock', ms: 0, reply: '{"id":{{$.id}},"result":"p3-pong"}' });
  await s.pageEval(`() => window.__send('p3-drop-me', 'p3-secret-42', JSON.stringify({ type: 'p3-role', role: 'guest' }), 'p3-slow', JSON.stringify({ method: 'p3-ping', id: 7 }))`);
  await s.waitForPage(`() => window.__received.includes('p3-slow')`);
  const wire = got('').filter((m) => m.includes('p3-'));
  assert.deepEqual(wire, ['p3-public-42', '{"type":"p3-role","role":"admin"}', 'p3-slow'], 'dropped and mocked frames never went out; rewrites did');
  const page = await s.pageEval(`() => window.__log.filter((e) => e.data && e.data.includes('p3-'))`);
  assert.deepEqual(
    page.map((e) => e.data).sort(),
    ['p3-public-42', '{"id":7,"result":"p3-pong"}', '{"type":"p3-role","role":"admin"}', 'p3-slow'].sort(),
  );
  const sentAt = await s.pageEval(`() => window.__sendAt['p3-slow']`);
  const slow = page.find((e) => e.data === 'p3-slow');
  assert.ok(slow.at - sentAt >= 650, `the delayed echo came ${Math.round(slow.at - sentAt)} ms after the send`);
  await panel.waitRowRule('p3-drop-me', 'sent', 'dropped');
  await panel.waitRowRule('p3-public-42', 'sent', 'rewritten');
  await panel.waitRowRule('p3-ping', 'sent', 'mocked');
  await panel.waitRowRule('p3-pong', 'received', 'mock reply');
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame]')].some((r) => r.textContent.includes('p3-slow') && r.dataset.direction === 'received' && /^\\+\\d+ ms$/.test(r.dataset.rule || '') && Number(r.dataset.rule.slice(1, -3)) >= 650)`);
  await panel.clickRow('p3-public-42', 'sent');
  await panel.waitFor(`(w) => w.document.querySelector('[data-testid=detail-original]')?.textContent === 'p3-secret-42'`);
});

/** Held frames are released, never lost: when the panel closes, when rules are switched off, after the timeout. */
scenario('rules: held frames are released on panel close, rules off, reload and timeout', async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await panel.openControlPage(origin);
  await panel.addRule({ direction: 'sent', 'match-type': 'text', match: 'p4-', action: 'pause' });

  // the panel closes while a frame is held: it goes on as it was
  await s.pageEval(`() => window.__send('p4-panel-close')`);
  await panel.waitHeld(1);
  assert.deepEqual(got('p4-panel'), []);
  await s.reopenPanel();
  await s.waitForPage(`() => window.__received.includes('p4-panel-close')`);
  assert.deepEqual(got('p4-panel'), ['p4-panel-close'], 'released as it was when the panel went');
  // the rules came back with the panel (kept per origin), and the log says what happened
  await panel.waitRowRule('p4-panel-close', 'sent', 'released');
  await panel.waitFor(`(w) => w.document.querySelector('[data-testid=tab-rules]').textContent.includes('(1)')`);

  // every rule switched off at once: held frames go
  await s.pageEval(`() => window.__send('p4-switch')`);
  await panel.waitHeld(1);
  await panel.click('tab-rules');
  await panel.click('rules-on');
  await s.waitForPage(`() => window.__received.includes('p4-switch')`);
  await panel.waitRowRule('p4-switch', 'sent', 'released');
  await panel.click('rules-on');
  await pause(300);

  // the page reloads while a frame is held: it goes out as the old document leaves, not lost
  await s.pageEval(`() => window.__send('p4-reload')`);
  await panel.waitHeld(1);
  assert.deepEqual(got('p4-reload'), []);
  await s.goto(`${origin}/control.html`);
  await waitFor(async () => got('p4-reload').length === 1, { message: 'the held frame to reach the server on reload' });

  // nobody decides: released as it was after the hold timeout (last: a short timeout would race the steps above)
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=connection]')].some((c) => c.dataset.state === 'open')`);
  await panel.click('tab-rules');
  await panel.type('hold-timeout', '1', 'change');
  await pause(300);
  await s.pageEval(`() => window.__send('p4-timeout')`);
  await s.waitForPage(`() => window.__received.includes('p4-timeout')`);
  await panel.waitRowRule('p4-timeout', 'sent', 'timed out');
  await panel.type('hold-timeout', '30', 'change');
});

/** Replay marked frames: sent ones go out again, received ones reach the page again; edited; timing kept. */
scenario('replay: marked frames, edited, with original timing or fast', async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await panel.openControlPage(origin);
  await s.pageEval(`() => new Promise((r) => { window.__send('p5-a'); setTimeout(() => { window.__send('p5-b'); r(); }, 500); })`);
  await panel.waitRow('p5-b', 'received');
  await panel.ctrlClickRow('p5-a', 'sent');
  await panel.ctrlClickRow('p5-b', 'sent');
  await panel.click('tab-replay');
  await panel.waitFor(`(w) => w.document.querySelectorAll('[data-testid=replay-item]').length === 2`);
  // edit the second frame before it goes again
  await panel.eval(`(w) => { const el = w.document.querySelectorAll('[data-testid=replay-input]')[1]; Object.getOwnPropertyDescriptor(w.HTMLTextAreaElement.prototype, 'value').set.call(el, 'p5-b-edited'); el.dispatchEvent(new w.Event('input', { bubbles: true })); }`);
  const before = await s.pageEval(`() => window.__log.length`);
  await panel.click('replay-run');
  await s.waitForPage(`() => window.__received.includes('p5-b-edited')`);
  assert.deepEqual(got('p5-'), ['p5-a', 'p5-b', 'p5-a', 'p5-b-edited']);
  const echoes = await s.pageEval(`(n) => window.__log.slice(n)`, before);
  const gap = echoes.find((e) => e.data === 'p5-b-edited').at - echoes.find((e) => e.data === 'p5-a').at;
  assert.ok(gap >= 400, `original timing kept: ${Math.round(gap)} ms between the replayed frames (500 originally)`);
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame]')].some((r) => r.textContent.includes('p5-b-edited') && r.dataset.origin === 'replay')`);

  // a received frame, replayed as fast as possible, reaches the page again
  await panel.click('replay-clear');
  await panel.ctrlClickRow('p5-a', 'received');
  await panel.click('replay-fast');
  const count = await s.pageEval(`() => window.__received.filter((m) => m === 'p5-a').length`);
  await panel.click('replay-run');
  await s.waitForPage(`() => window.__received.filter((m) => m === 'p5-a').length === ${count + 1}`);
  assert.deepEqual(got('p5-'), ['p5-a', 'p5-b', 'p5-a', 'p5-b-edited'], 'a replayed received frame goes to the page, not the server');
});

/** The background stops (MV3 service worker / Firefox event page): held frames go on as they were, rules return. */
scenario('rules: a background restart releases held frames, and the rules come back', async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await panel.openControlPage(origin);
  await panel.addRule({ direction: 'sent', 'match-type': 'text', match: 'p6-', action: 'pause' });
  await s.pageEval(`() => window.__send('p6-before-stop')`);
  await panel.waitHeld(1);
  await s.stopBackground();
  await s.waitForPage(`() => window.__received.includes('p6-before-stop')`);
  assert.deepEqual(got('p6-'), ['p6-before-stop'], 'released as it was, not lost');
  // the panel reconnects and subscribes again, with its rules
  await panel.waitRowRule('p6-before-stop', 'sent', 'released');
  await s.pageEval(`() => window.__send('p6-after-restart')`);
  await panel.waitHeld(1);
  await panel.click('held-forward');
  await s.waitForPage(`() => window.__received.includes('p6-after-restart')`);
  assert.deepEqual(got('p6-'), ['p6-before-stop', 'p6-after-restart']);
});
