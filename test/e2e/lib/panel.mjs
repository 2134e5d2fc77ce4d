// Panel and page helpers shared by the end-to-end scenarios (the fn sources run inside the panel or the page and
// must be self-contained).
import assert from 'node:assert/strict';

// ---- small panel helpers (run inside the panel document; fn sources must be self-contained)
export const rowsSrc = `(w) => [...w.document.querySelectorAll('[data-testid=frame]')].map((r) => ({ dir: r.dataset.direction, kind: r.dataset.kind, text: r.querySelector('.c-data').textContent }))`;
export const connsSrc = `(w) => [...w.document.querySelectorAll('[data-testid=connection]')].map((c) => ({ state: c.dataset.state, url: c.dataset.url, text: c.textContent }))`;

/** Set a form control's value the way a user would (preact listens to input/change). */
export const typeSrc = `(w, testid, value, eventName) => {
  const el = w.document.querySelector('[data-testid=' + testid + ']');
  if (!el) throw new Error('no ' + testid);
  const proto = el.tagName === 'TEXTAREA' ? w.HTMLTextAreaElement.prototype : el.tagName === 'SELECT' ? w.HTMLSelectElement.prototype : w.HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, value);
  el.dispatchEvent(new w.Event(eventName || 'input', { bubbles: true }));
  return true;
}`;
export const clickSrc = `(w, testid, index) => {
  const els = w.document.querySelectorAll('[data-testid=' + testid + ']');
  const el = els[index || 0];
  if (!el) throw new Error('no ' + testid);
  if (el.disabled) throw new Error(testid + ' is disabled: ' + el.title);
  el.click();
  return true;
}`;
export const clickRowSrc = `(w, needle, dir) => {
  const row = [...w.document.querySelectorAll('[data-testid=frame]')].reverse().find((r) => r.textContent.includes(needle) && (!dir || r.dataset.direction === dir));
  if (!row) throw new Error('no row with ' + needle);
  row.click();
  return true;
}`;

/** Choose a file in the panel's import input, as the file dialog does (text, or `size` zero bytes for a huge file). */
export const importFileSrc = `(w, name, text, size) => {
  const input = w.document.querySelector('[data-testid=import-har]');
  const dt = new w.DataTransfer();
  // the array is the panel's own: Firefox's privileged test script may not hand its own arrays to page constructors
  const parts = new w.Array();
  parts.push(text === null ? new w.Uint8Array(size) : text);
  dt.items.add(new w.File(parts, name, { type: 'application/json' }));
  input.files = dt.files;
  input.dispatchEvent(new w.Event('change', { bubbles: true }));
  return true;
}`;

export const rows = (s) => s.panelEval(rowsSrc);
export const conns = (s) => s.panelEval(connsSrc);
export const type = (s, testid, value, ev) => s.panelEval(typeSrc, testid, value, ev);
export const click = (s, testid, index) => s.panelEval(clickSrc, testid, index);
export const clickRow = (s, needle, dir) => s.panelEval(clickRowSrc, needle, dir);
export const text = (s, testid) => s.panelEval(`(w, id) => { const el = w.document.querySelector('[data-testid=' + id + ']'); return el ? el.textContent : null; }`, testid);
export const waitRow = (s, needle, dir) =>
  s.waitForPanel(
    `(w) => [...w.document.querySelectorAll('[data-testid=frame]')].some((r) => r.textContent.includes(${JSON.stringify(needle)}) ${dir ? `&& r.dataset.direction === ${JSON.stringify(dir)}` : ''})`,
  );
export const pause = (ms) => new Promise((r) => setTimeout(r, ms));
export const importFile = (s, name, text, size = 0) => s.panelEval(importFileSrc, name, text, size);
export const notices = (s) => s.panelEval(`(w) => [...w.document.querySelectorAll('[data-testid=notice]')].map((n) => n.textContent)`);
/** What the panel shows for the frames in view: direction, data column and summary. */
export const shownFrames = (s) =>
  s.panelEval(`(w) => [...w.document.querySelectorAll('[data-testid=frame]')].map((r) => ({ dir: r.dataset.direction, text: r.querySelector('.c-data').textContent, summary: r.querySelector('[data-testid=frame-summary]').textContent }))`);
/** Select the one socket whose url ends with `suffix`. */
export const selectSocket = (s, suffix) =>
  s.panelEval(`(w, suffix) => { const c = [...w.document.querySelectorAll('[data-testid=connection]')].find((e) => e.dataset.url.endsWith(suffix)); if (!c) throw new Error('no socket ' + suffix); c.click(); return true; }`, suffix);
/** Choose "decode as" for the socket whose url ends with `suffix`. */
export const decodeAs = (s, suffix, value) =>
  s.panelEval(
    `(w, suffix, value) => {
      const c = [...w.document.querySelectorAll('[data-testid=connection]')].find((e) => e.dataset.url.endsWith(suffix));
      const el = c.querySelector('[data-testid=decode-as]');
      Object.getOwnPropertyDescriptor(w.HTMLSelectElement.prototype, 'value').set.call(el, value);
      el.dispatchEvent(new w.Event('change', { bubbles: true }));
      return true;
    }`,
    suffix,
    value,
  );
/** Messages of a HAR's WebSocket entries as [url, [type, opcode, data]...]: what both tools must agree on. */
export const harMessages = (har) =>
  har.log.entries.filter((e) => e._webSocketMessages).map((e) => [e.request.url, e._webSocketMessages.map((m) => [m.type, m.opcode, m.data])]);

/** Send from the composer and wait for the panel to take it. */
export async function composeAndSend(s, value, mode = 'text') {
  await type(s, 'composer-mode', mode, 'change');
  await type(s, 'composer-input', value);
  await s.waitForPanel(`(w) => !w.document.querySelector('[data-testid=composer-send]').disabled`);
  await click(s, 'composer-send');
}

/** Add a traffic rule through the Rules tab, as a user would; `fields` are testid suffixes → values. */
export async function addRule(s, fields) {
  await click(s, 'tab-rules');
  await click(s, 'rule-add');
  // selects first: they decide which inputs exist
  for (const k of ['direction', 'match-type', 'action']) if (fields[k] !== undefined) await type(s, `rule-${k}`, fields[k], 'change');
  if (fields.direction !== undefined) await type(s, 'rule-direction', fields.direction, 'change');
  for (const [k, v] of Object.entries(fields)) {
    if (['direction', 'match-type', 'action'].includes(k)) continue;
    if (k === 'also-send') {
      if (v) await click(s, 'rule-also-send');
      continue;
    }
    await type(s, `rule-${k}`, String(v));
  }
  const error = await text(s, 'rule-error');
  assert.equal(error, null, `the rule is valid: ${error}`);
  const acks = await s.panelEval(`(w) => Number(w.document.querySelector('[data-testid=rules]').dataset.acks)`);
  await click(s, 'rule-save');
  // the page confirms every rules command: wait until it runs the new list
  await s.waitForPanel(`(w) => Number(w.document.querySelector('[data-testid=rules]')?.dataset.acks) > ${acks}`);
}
export const ctrlClickRow = (s, needle, dir, key = 'ctrlKey') =>
  s.panelEval(
    `(w, needle, dir, key) => {
      const row = [...w.document.querySelectorAll('[data-testid=frame]')].find((r) => r.textContent.includes(needle) && r.dataset.direction === dir);
      if (!row) throw new Error('no row with ' + needle);
      // the init dictionary is built in the panel's own realm (Firefox reads a sandbox object's fields through Xrays)
      row.dispatchEvent(new w.MouseEvent('click', w.JSON.parse('{"bubbles":true,"' + key + '":true}')));
      return true;
    }`,
    needle,
    dir,
    key,
  );
export const rowRule = (s, needle, dir) =>
  s.panelEval(
    `(w, needle, dir) => { const r = [...w.document.querySelectorAll('[data-testid=frame]')].find((r) => r.textContent.includes(needle) && r.dataset.direction === dir); return r ? (r.dataset.rule || '') : null; }`,
    needle,
    dir,
  );
export const waitRowRule = (s, needle, dir, rule) =>
  s.waitForPanel(
    `(w) => [...w.document.querySelectorAll('[data-testid=frame]')].some((r) => r.textContent.includes(${JSON.stringify(needle)}) && r.dataset.direction === ${JSON.stringify(dir)} && r.dataset.rule === ${JSON.stringify(rule)})`,
  );
export const heldCount = (s) => s.panelEval(`(w) => w.document.querySelectorAll('[data-testid=held-frame]').length`);
export const waitHeld = (s, n) => s.waitForPanel(`(w) => w.document.querySelectorAll('[data-testid=held-frame]').length === ${n}`);
/** The traffic-control test page, with the panel open on its socket. */
export async function openControlPage(s, origin) {
  await s.goto(`${origin}/control.html`);
  await s.openPanel();
  await s.waitForPanel(`(w) => w.document.querySelector('[data-testid=connection]')?.dataset.state === 'open'`);
}

/**
 * What the server gets on /echo from now on, filtered by prefix. One server serves the whole run (both browsers),
 * so each scenario looks only past its own start.
 */
export function wireFrom(server) {
  const from = server.received('/echo').length;
  return (prefix) => server.received('/echo').slice(from).filter((m) => m.startsWith(prefix));
}
