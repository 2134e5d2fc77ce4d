// The page object for the WS Lens panel: what a scenario does to the panel (type, click, pick a socket, add a rule)
// and reads from it (rows, connections, notices), in the words of the testing contract's data-testids. Scenarios
// say what a user does; the selectors live here once.
//
// The functions handed to panelEval run inside the panel document (Chromium: puppeteer's frame; Firefox: a frame
// script): only their source crosses, so each is self-contained and gets the panel's window `w` first. Objects
// given to the panel's own constructors are built in the panel's realm (`new w.Object()`, `w.JSON.parse`), since
// Firefox's privileged test script may not hand its own objects to page code.
import assert from 'node:assert/strict';

const frameRows = (w) => [...w.document.querySelectorAll('[data-testid=frame]')].map((r) => ({ dir: r.dataset.direction, kind: r.dataset.kind, text: r.querySelector('.c-data').textContent }));
const connections = (w) => [...w.document.querySelectorAll('[data-testid=connection]')].map((c) => ({ state: c.dataset.state, url: c.dataset.url, kind: c.dataset.kind, context: c.dataset.context, text: c.textContent }));
const textOf = (w, id) => {
  const el = w.document.querySelector('[data-testid=' + id + ']');
  return el ? el.textContent : null;
};

/** Set a form control's value the way a user would (preact listens to input/change). */
function setValue(w, testid, value, eventName) {
  const el = w.document.querySelector('[data-testid=' + testid + ']');
  if (!el) throw new Error('no ' + testid);
  const proto = el.tagName === 'TEXTAREA' ? w.HTMLTextAreaElement.prototype : el.tagName === 'SELECT' ? w.HTMLSelectElement.prototype : w.HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, value);
  el.dispatchEvent(new w.Event(eventName || 'input', { bubbles: true }));
  return true;
}

function clickTestId(w, testid, index) {
  const el = w.document.querySelectorAll('[data-testid=' + testid + ']')[index || 0];
  if (!el) throw new Error('no ' + testid);
  if (el.disabled) throw new Error(testid + ' is disabled: ' + el.title);
  el.click();
  return true;
}

/** The newest row containing `needle` (and in direction `dir`), clicked. */
function clickFrameRow(w, needle, dir) {
  const row = [...w.document.querySelectorAll('[data-testid=frame]')].reverse().find((r) => r.textContent.includes(needle) && (!dir || r.dataset.direction === dir));
  if (!row) throw new Error('no row with ' + needle);
  row.click();
  return true;
}

function clickRowWithKey(w, needle, dir, key) {
  const row = [...w.document.querySelectorAll('[data-testid=frame]')].find((r) => r.textContent.includes(needle) && r.dataset.direction === dir);
  if (!row) throw new Error('no row with ' + needle);
  row.dispatchEvent(new w.MouseEvent('click', w.JSON.parse('{"bubbles":true,"' + key + '":true}')));
  return true;
}

/** Choose a file in the panel's import input, as the file dialog does (text, or `size` zero bytes for a huge file). */
function chooseImportFile(w, name, text, size) {
  const input = w.document.querySelector('[data-testid=import-har]');
  const dt = new w.DataTransfer();
  const parts = new w.Array();
  parts.push(text === null ? new w.Uint8Array(size) : text);
  dt.items.add(new w.File(parts, name, { type: 'application/json' }));
  input.files = dt.files;
  input.dispatchEvent(new w.Event('change', { bubbles: true }));
  return true;
}

function dropFile(w, name, text) {
  const dt = new w.DataTransfer();
  const parts = new w.Array();
  parts.push(text);
  dt.items.add(new w.File(parts, name, { type: 'application/json' }));
  // the event's init object is the panel's own too, or Firefox drops the dataTransfer from it
  const init = new w.Object();
  init.dataTransfer = dt;
  init.bubbles = true;
  init.cancelable = true;
  w.document.querySelector('.app').dispatchEvent(new w.DragEvent('drop', init));
  return true;
}

const framesInView = (w) =>
  [...w.document.querySelectorAll('[data-testid=frame]')].map((r) => {
    const summary = r.querySelector('[data-testid=frame-summary]');
    return { dir: r.dataset.direction, text: r.querySelector('.c-data').textContent, summary: summary.textContent, protocol: summary.dataset.protocol ?? '' };
  });

function clickSocket(w, suffix) {
  const c = [...w.document.querySelectorAll('[data-testid=connection]')].find((e) => e.dataset.url.endsWith(suffix));
  if (!c) throw new Error('no socket ' + suffix);
  c.click();
  return true;
}

const socketSelected = (w, suffix) => [...w.document.querySelectorAll('[data-testid=connection]')].some((e) => e.dataset.url.endsWith(suffix) && e.getAttribute('aria-selected') === 'true');

function chooseDecodeAs(w, suffix, value) {
  const c = [...w.document.querySelectorAll('[data-testid=connection]')].find((e) => e.dataset.url.endsWith(suffix));
  if (!c) throw new Error('no socket ' + suffix);
  const el = c.querySelector('[data-testid=decode-as]');
  Object.getOwnPropertyDescriptor(w.HTMLSelectElement.prototype, 'value').set.call(el, value);
  el.dispatchEvent(new w.Event('change', { bubbles: true }));
  return true;
}

/** Choose files in the Protobuf pane's schema input, as the file dialog does: `files` is [[name, text], ...]. */
function chooseProtoFiles(w, files) {
  const input = w.document.querySelector('[data-testid=proto-load]');
  const dt = new w.DataTransfer();
  for (const [name, text] of files) {
    const parts = new w.Array();
    parts.push(text);
    dt.items.add(new w.File(parts, name, { type: 'text/plain' }));
  }
  input.files = dt.files;
  input.dispatchEvent(new w.Event('change', { bubbles: true }));
  return true;
}

function ruleOfRow(w, needle, dir) {
  const r = [...w.document.querySelectorAll('[data-testid=frame]')].find((r) => r.textContent.includes(needle) && r.dataset.direction === dir);
  return r ? r.dataset.rule || '' : null;
}

/** What has the focus in the panel: its testid, else its role and name, else its tag. */
const focusedIn = (w) => {
  const el = w.document.activeElement;
  if (!el || el === w.document.body) return 'body';
  return el.dataset.testid || el.dataset.pane || (el.getAttribute('role') ? el.getAttribute('role') + ':' + (el.getAttribute('aria-label') || el.dataset.path || el.textContent.trim().slice(0, 30)) : el.tagName.toLowerCase());
};

/** Wait for the panel to draw what a key changed: its views redraw on an animation frame, or 100 ms at most. */
const drawn = (w) =>
  new Promise((r) => {
    w.requestAnimationFrame(() => w.requestAnimationFrame(() => r(true)));
    w.setTimeout(() => r(true), 150);
  });

/** The panel as a user sees it, over one session (see sessions.mjs). */
export class PanelPage {
  constructor(session) {
    this.s = session;
  }

  eval(fn, ...args) {
    return this.s.panelEval(fn, ...args);
  }

  /** Wait for a condition inside the panel: a function of its window (or a source string with values inlined). */
  waitFor(fn, opts) {
    return this.s.waitForPanel(fn, opts);
  }

  // ---- reading
  rows() {
    return this.eval(frameRows);
  }
  conns() {
    return this.eval(connections);
  }
  async socketUrls() {
    return (await this.conns()).map((c) => c.url);
  }
  text(testid) {
    return this.eval(textOf, testid);
  }
  notices() {
    return this.eval((w) => [...w.document.querySelectorAll('[data-testid=notice]')].map((n) => n.textContent));
  }
  /** What the panel shows for the frames in view: direction, data column, summary and the protocol decoded ('' none). */
  shownFrames() {
    return this.eval(framesInView);
  }
  /** The traffic-rule mark of the first row with `needle` in direction `dir` ('' none, null no such row). */
  rowRule(needle, dir) {
    return this.eval(ruleOfRow, needle, dir);
  }
  heldCount() {
    return this.eval((w) => w.document.querySelectorAll('[data-testid=held-frame]').length);
  }

  // ---- waiting for what the panel shows
  waitRow(needle, dir) {
    return this.waitFor(
      `(w) => [...w.document.querySelectorAll('[data-testid=frame]')].some((r) => r.textContent.includes(${JSON.stringify(needle)}) ${dir ? `&& r.dataset.direction === ${JSON.stringify(dir)}` : ''})`,
    );
  }
  waitRowRule(needle, dir, rule) {
    return this.waitFor(
      `(w) => [...w.document.querySelectorAll('[data-testid=frame]')].some((r) => r.textContent.includes(${JSON.stringify(needle)}) && r.dataset.direction === ${JSON.stringify(dir)} && r.dataset.rule === ${JSON.stringify(rule)})`,
    );
  }
  waitHeld(n) {
    return this.waitFor(`(w) => w.document.querySelectorAll('[data-testid=held-frame]').length === ${n}`);
  }

  // ---- the keyboard, as a user's: trusted events with the browser's default actions. Chromium: CDP's
  // Input.dispatchKeyEvent through puppeteer's keyboard on the DevTools page, which delivers to the focused frame,
  // the panel's. Firefox: nsITextInputProcessor in the parent process (sessions.mjs panelKeys).
  /** Put the focus in the panel's document, as choosing its tab in DevTools does; nothing inside is focused. */
  focusPanel() {
    return this.eval((w) => {
      w.focus();
      w.document.activeElement?.blur?.();
      return true;
    });
  }
  /** Press keys: chords ('Tab', 'Shift+Tab', 'Control+Enter', 'Space', '?') or { text: 'typed' }; each drawn before the next. */
  async keys(...steps) {
    for (const step of steps) {
      if (this.s.browserName === 'chromium') {
        const kb = this.s.devtoolsPage.keyboard;
        if (typeof step === 'object') await kb.type(step.text);
        else {
          const parts = step.length > 1 ? step.split('+') : [step];
          const key = parts.pop();
          for (const m of parts) await kb.down(m);
          await kb.press(key);
          for (const m of parts.reverse()) await kb.up(m);
        }
      } else await this.s.panelKeys([step]);
      await this.eval(drawn);
    }
  }
  /** Type text with the keyboard into whatever has the focus. */
  typeKeys(text) {
    return this.keys({ text });
  }
  /** What has the focus (a testid, a pane, a role and name). */
  focused() {
    return this.eval(focusedIn);
  }
  /** Press Tab (or Shift+Tab) until the focus is on `want` (as focused() says); fail after `max` presses. */
  async tabTo(want, { back = false, max = 30 } = {}) {
    const seen = [];
    for (let i = 0; i < max; i++) {
      const now = await this.focused();
      if (now === want) return;
      seen.push(now);
      await this.keys(back ? 'Shift+Tab' : 'Tab');
    }
    throw new Error(`Tab never reached ${want}; it went ${seen.join(' → ')}`);
  }
  /** Start recording what the panel puts on the clipboard (it copies through a short-lived textarea). */
  watchClipboard() {
    return this.eval((w) => {
      w.__copied = new w.Array();
      const seen = new w.MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) if (n.tagName === 'TEXTAREA') w.__copied.push(n.value);
      });
      const options = new w.Object();
      options.childList = true;
      seen.observe(w.document.body, options);
      return true;
    });
  }
  copied() {
    return this.eval((w) => [...(w.__copied || [])]);
  }

  // ---- doing
  type(testid, value, eventName) {
    return this.eval(setValue, testid, value, eventName);
  }
  click(testid, index) {
    return this.eval(clickTestId, testid, index);
  }
  /** Click the newest row with `needle`, once the table shows it (a row the store has may not be rendered yet). */
  async clickRow(needle, dir) {
    await this.waitRow(needle, dir);
    return this.eval(clickFrameRow, needle, dir);
  }
  /** Ctrl- (or `key`-) click the first row with `needle`: marks it for replay. */
  async ctrlClickRow(needle, dir, key = 'ctrlKey') {
    await this.waitRow(needle, dir);
    return this.eval(clickRowWithKey, needle, dir, key);
  }
  importFile(name, text, size = 0) {
    return this.eval(chooseImportFile, name, text, size);
  }
  dropFile(name, text) {
    return this.eval(dropFile, name, text);
  }
  /** Select the one socket whose url ends with `suffix`. */
  selectSocket(suffix) {
    return this.eval(clickSocket, suffix);
  }
  /** Select the one socket whose url ends with `suffix`, and wait until the panel shows it selected. */
  async showSocket(suffix) {
    await this.eval(clickSocket, suffix);
    await this.waitFor(`(w) => (${socketSelected})(w, ${JSON.stringify(suffix)})`);
  }
  /** Choose "decode as" for the socket whose url ends with `suffix`. */
  decodeAs(suffix, value) {
    return this.eval(chooseDecodeAs, suffix, value);
  }

  /** Load schema files in the Protobuf pane: [[name, text], ...]. */
  loadProtoFiles(files) {
    return this.eval(chooseProtoFiles, files);
  }

  /** Send from the composer and wait for the panel to take it. */
  async composeAndSend(value, mode = 'text') {
    await this.type('composer-mode', mode, 'change');
    await this.type('composer-input', value);
    await this.waitFor((w) => !w.document.querySelector('[data-testid=composer-send]').disabled);
    await this.click('composer-send');
  }

  /** Add a traffic rule through the Rules tab, as a user would; `fields` are testid suffixes → values. */
  async addRule(fields) {
    await this.click('tab-rules');
    // the Rules tab renders after the click (on a busy panel, a render later): failed once in CI on a missing rule-add
    await this.waitFor(`(w) => !!w.document.querySelector('[data-testid=rule-add]')`);
    await this.click('rule-add');
    // selects first: they decide which inputs exist
    for (const k of ['direction', 'match-type', 'action']) if (fields[k] !== undefined) await this.type(`rule-${k}`, fields[k], 'change');
    if (fields.direction !== undefined) await this.type('rule-direction', fields.direction, 'change');
    // (a disconnect's "after" decides which of its inputs exist)
    if (fields.after !== undefined) await this.type('rule-after', fields.after, 'change');
    for (const [k, v] of Object.entries(fields)) {
      if (['direction', 'match-type', 'action', 'after'].includes(k)) continue;
      if (k === 'also-send') {
        if (v) await this.click('rule-also-send');
        continue;
      }
      await this.type(`rule-${k}`, String(v));
    }
    const error = await this.text('rule-error');
    assert.equal(error, null, `the rule is valid: ${error}`);
    const acks = await this.eval((w) => Number(w.document.querySelector('[data-testid=rules]').dataset.acks));
    await this.click('rule-save');
    // the page confirms every rules command: wait until it runs the new list
    await this.waitFor(`(w) => Number(w.document.querySelector('[data-testid=rules]')?.dataset.acks) > ${acks}`);
  }

  /** The traffic-control test page, with the panel open on its socket. */
  async openControlPage(origin) {
    await this.s.goto(`${origin}/control.html`);
    await this.s.openPanel();
    await this.waitFor((w) => w.document.querySelector('[data-testid=connection]')?.dataset.state === 'open');
  }
}

export const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** Messages of a HAR's WebSocket entries as [url, [type, opcode, data]...]: what both tools must agree on. */
export const harMessages = (har) =>
  har.log.entries.filter((e) => e._webSocketMessages).map((e) => [e.request.url, e._webSocketMessages.map((m) => [m.type, m.opcode, m.data])]);

/**
 * What the server gets on /echo from now on, filtered by prefix. One server serves a whole test file (in one
 * browser), so each scenario looks only past its own start.
 */
export function wireFrom(server) {
  const from = server.received('/echo').length;
  return (prefix) => server.received('/echo').slice(from).filter((m) => m.startsWith(prefix));
}
