// Issue 18: every flow without a mouse. The only thing done to the panel other than by keys is putting the focus in
// its document, as choosing its tab in DevTools does; from there every step is a trusted key event (Chromium:
// puppeteer's keyboard on the DevTools page, which CDP's Input.dispatchKeyEvent delivers to the focused frame, the
// panel's; Firefox: nsITextInputProcessor in the panel's process), so Tab, typing and selects behave as for a user.
// Each step checks where the focus is, so a shortcut that stops working fails here by name.
import assert from 'node:assert/strict';
import { waitFor } from './lib/sessions.mjs';
import { wireFrom } from './lib/panel.mjs';
import { scenario } from './lib/suite.mjs';

const selectedRow = (w) => {
  const r = w.document.querySelector('.frame-row.selected');
  return r ? r.dataset.direction + ' ' + r.querySelector('.c-data').textContent : null;
};
const pickedSockets = (w) => [...w.document.querySelectorAll('[data-testid=connection][aria-selected=true]')].map((c) => new URL(c.dataset.url).pathname);

/** Panes, the `?` overlay, a socket, the frames, the JSON tree and its path, send and inject. */
scenario('keyboard: panes, ? overlay, pick a socket, walk frames, JSON tree copy path, send, inject', async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await panel.openControlPage(origin);
  await s.pageEval(`() => { window.__other = new WebSocket('ws://' + location.host + '/other'); return new Promise((r) => (window.__other.onopen = r)); }`);
  await s.pageEval(`() => window.__send(JSON.stringify({ type: 'order', user: { name: 'Ada' }, items: [1, 2] }))`);
  await panel.waitRow('"order"', 'received');
  await panel.waitFor((w) => w.document.querySelectorAll('[data-testid=connection]').length === 2);
  await panel.focusPanel();

  // ? shows every shortcut; Esc closes the overlay
  await panel.keys('?');
  await panel.waitFor((w) => !!w.document.querySelector('[data-testid=shortcuts]'));
  assert.equal(await panel.focused(), 'shortcuts-close');
  assert.match(await panel.text('shortcuts'), /Copy the path/);
  await panel.keys('Tab');
  assert.equal(await panel.focused(), 'region:Shortcuts', 'Tab stays in the dialog');
  await panel.keys('Escape');
  await panel.waitFor((w) => !w.document.querySelector('[data-testid=shortcuts]'));

  // c: the connections; Home picks the first, ↓ the next
  await panel.keys('c');
  assert.equal(await panel.focused(), 'sockets');
  await panel.keys('Home');
  await panel.waitFor((w) => JSON.stringify([...w.document.querySelectorAll('[data-testid=connection][aria-selected=true]')].map((c) => new URL(c.dataset.url).pathname)) === '["/echo"]');
  await panel.keys('ArrowDown');
  assert.deepEqual(await panel.eval(pickedSockets), ['/other']);
  await panel.keys('ArrowUp');
  assert.deepEqual(await panel.eval(pickedSockets), ['/echo']);

  // f: the frames; End is the newest (the echo of the order), ↑ the one sent
  await panel.keys('f');
  assert.equal(await panel.focused(), 'frames');
  await panel.keys('End');
  assert.match(await panel.eval(selectedRow), /^received \{"type":"order"/);
  await panel.keys('ArrowUp');
  assert.match(await panel.eval(selectedRow), /^sent \{"type":"order"/);
  await panel.keys('ArrowDown');

  // Enter: the detail's JSON tree, its root focused; ↓ → walk it; p copies the path, c the value
  await panel.keys('Enter');
  await panel.waitFor((w) => w.document.activeElement?.dataset.path === '$');
  await panel.watchClipboard();
  await panel.keys('ArrowDown', 'ArrowDown');
  assert.equal(await panel.focused(), 'treeitem:$.user');
  // the copy buttons show on the focused item, as on a hovered one
  assert.equal(await panel.eval((w) => w.getComputedStyle(w.document.activeElement.querySelector('.json-tools')).visibility), 'visible');
  await panel.keys('ArrowRight');
  assert.equal(await panel.focused(), 'treeitem:$.user.name');
  await panel.keys('p', 'c');
  assert.deepEqual(await panel.copied(), ['$.user.name', '"Ada"']);
  await panel.keys('ArrowLeft', 'ArrowLeft');
  assert.equal(await panel.eval((w) => w.document.activeElement.getAttribute('aria-expanded')), 'false', '← closes $.user');
  await panel.keys('ArrowDown', 'ArrowRight', 'ArrowRight');
  assert.equal(await panel.focused(), 'treeitem:$.items[0]');

  // m: the composer; Ctrl+Enter sends on the socket, Ctrl+Shift+Enter injects
  await panel.keys('m');
  assert.equal(await panel.focused(), 'composer-input');
  await panel.typeKeys('kb-sent-1');
  await panel.keys('Control+Enter');
  await waitFor(() => got('kb-').includes('kb-sent-1'), { message: 'the server to get kb-sent-1' });
  await panel.keys('Control+a');
  await panel.typeKeys('kb-injected-1');
  await panel.keys('Control+Shift+Enter');
  await s.waitForPage(`() => window.__received.includes('kb-injected-1')`);
  assert.deepEqual(got('kb-'), ['kb-sent-1'], 'an injected frame never goes to the server');
  // Esc leaves the composer for the frames
  await panel.keys('Escape');
  assert.equal(await panel.focused(), 'frames');
});

/** A rule written with the keyboard, and held frames forwarded and dropped with it. */
scenario('keyboard: add a rule, forward and drop held frames', async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await panel.openControlPage(origin);
  await panel.focusPanel();
  await panel.keys('3');
  assert.equal(await panel.focused(), 'tab-rules');
  await panel.tabTo('rule-add');
  await panel.keys('Enter');
  await panel.waitFor((w) => !!w.document.querySelector('[data-testid=rule-editor]'));
  await panel.tabTo('rule-name');
  await panel.typeKeys('kb hold');
  await panel.tabTo('rule-direction');
  await panel.keys('ArrowDown'); // both → sent
  await panel.tabTo('rule-match-type');
  await panel.keys('ArrowDown'); // every frame → contains text
  await panel.waitFor((w) => !!w.document.querySelector('[data-testid=rule-match]'));
  await panel.tabTo('rule-match');
  await panel.typeKeys('kb-hold');
  const acks = await panel.eval((w) => Number(w.document.querySelector('[data-testid=rules]').dataset.acks));
  await panel.tabTo('rule-save');
  await panel.keys('Enter');
  await panel.waitFor(`(w) => Number(w.document.querySelector('[data-testid=rules]')?.dataset.acks) > ${acks}`);
  assert.match(await panel.text('rule'), /kb hold/);
  assert.equal(await panel.eval((w) => w.document.querySelector('[data-testid=rule]').dataset.action), 'pause');

  await s.pageEval(`() => window.__send('kb-hold-1', 'kb-hold-2')`);
  await panel.waitHeld(2);
  // h: the first held frame's Forward
  await panel.keys('h');
  assert.equal(await panel.focused(), 'held-forward');
  await panel.keys('Enter');
  await waitFor(() => got('kb-hold').includes('kb-hold-1'), { message: 'kb-hold-1 forwarded' });
  await panel.waitHeld(1);
  await panel.keys('h');
  await panel.tabTo('held-drop');
  await panel.keys('Enter');
  await panel.waitHeld(0);
  await panel.waitRowRule('kb-hold-2', 'sent', 'dropped');
  assert.deepEqual(got('kb-hold'), ['kb-hold-1']);
});

/** Marks and replay, a filter saved and picked again from the toolbar, and the Types table filtering the log. */
scenario('keyboard: filter, mark frames and replay, save and pick a filter, the Types table', async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await panel.openControlPage(origin);
  await s.pageEval(`() => window.__send('kb-r1', 'kb-r2', JSON.stringify({ type: 'quote', pad: 'x'.repeat(300) }))`);
  await panel.waitRow('"quote"', 'received');
  await panel.focusPanel();

  // / then a query of terms; Enter goes on to the frames
  await panel.keys('/');
  assert.equal(await panel.focused(), 'filter-input');
  await panel.typeKeys('dir:sent kb-r');
  await panel.waitFor((w) => w.document.querySelectorAll('[data-testid=frame]').length === 2);
  await panel.keys('Enter');
  assert.equal(await panel.focused(), 'frames');
  await panel.keys('Home', 'Space', 'ArrowDown', 'Space');
  assert.equal(await panel.eval((w) => w.document.querySelectorAll('[data-testid=frame][data-marked]').length), 2);

  // 4: Replay; as fast as possible; Replay
  await panel.keys('4');
  assert.equal(await panel.focused(), 'tab-replay');
  await panel.waitFor((w) => w.document.querySelectorAll('[data-testid=replay-item]').length === 2);
  await panel.tabTo('replay-original');
  await panel.keys('ArrowDown'); // the radio group: original → as fast as possible
  assert.equal(await panel.eval((w) => w.document.querySelector('[data-testid=replay-fast]').checked), true);
  await panel.tabTo('replay-run');
  await panel.keys('Enter');
  await waitFor(() => got('kb-r').length === 4, { message: 'the two frames replayed' });
  assert.deepEqual(got('kb-r'), ['kb-r1', 'kb-r2', 'kb-r1', 'kb-r2']);

  // save the filter under a name; clear it; pick it again from the toolbar
  await panel.keys('/');
  await panel.tabTo('filter-save');
  await panel.keys('Enter');
  assert.equal(await panel.focused(), 'filter-save-name');
  await panel.typeKeys('kb sent');
  await panel.keys('Enter');
  await panel.waitFor((w) => [...w.document.querySelector('[data-testid=saved-filters]').options].some((o) => o.value === 'kb sent'));
  await panel.keys('/', 'Escape');
  await panel.waitFor((w) => w.document.querySelector('[data-testid=filter-input]').value === '');
  await panel.keys('/');
  await panel.tabTo('saved-filters');
  await panel.keys('ArrowDown');
  await panel.waitFor((w) => w.document.querySelector('[data-testid=filter-input]').value === 'dir:sent kb-r');
  // a select takes letters and digits itself (and Chrome's DevTools its Esc): Tab leaves it
  await panel.keys('Tab');
  assert.equal(await panel.focused(), 'filter-delete', 'the filter in place is the saved one: it can be forgotten');

  // 2: Types; the biggest type (the quotes) first; Enter on its name filters the log to it
  await panel.keys('/', 'Escape', '2');
  assert.equal(await panel.focused(), 'tab-types');
  await panel.waitFor((w) => w.document.querySelector('[data-testid=type-row]')?.dataset.type === 'quote');
  await panel.tabTo('type-filter');
  await panel.keys('Enter');
  await panel.waitFor((w) => w.document.querySelector('[data-testid=filter-input]').value === 'type:quote');
  await panel.waitFor((w) => [...w.document.querySelectorAll('[data-testid=frame]')].every((r) => r.textContent.includes('"quote"')) && w.document.querySelectorAll('[data-testid=frame]').length === 2);
});
