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
