// One Session interface over both browsers, so each end-to-end scenario is written once:
//   goto(url), pageEval(fnSource, ...args), waitForPage(fnSource), openPanel(), panelEval(fnSource, ...args),
//   waitForPanel(fnSource), screenshotPanel(file), stopBackground(), close()
// (fnSource may be the function itself: only its source text crosses, so it must be self-contained)
// Chromium: puppeteer-core drives the real DevTools frontend (auto-opened, headless=new). Firefox: Marionette drives
// the real toolbox from the chrome context. fnSource is a function's source text; panel functions get the panel's
// window first.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { connectMarionette } from './marionette.mjs';
import { chromiumPath, firefoxPath } from '../../../scripts/env.mjs';
import { GECKO_ID } from '../../../scripts/manifest.mjs';

export const PANEL_TITLE = 'WebSockets';
const FIXED_UUID = '5c0a1d7e-7e57-4a11-9e00-000000000001';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * How much slower than a developer's machine the one running the suite may be: every wait's timeout is multiplied
 * by it. CI's machines have run the suite three times slower than ours (1,840 s against 615 s for the same commit),
 * and a wait that takes 4 s here timed out at 10 s there. It only lengthens how long a wait may take: a condition
 * that never holds still fails.
 */
export const SLOWDOWN = Number(process.env.WS_LENS_E2E_SLOWDOWN || (process.env.CI ? 3 : 1));

/** Poll `fn` until it returns something truthy; on timeout say what was last seen. */
export async function waitFor(fn, { timeout = 10000, interval = 100, message = 'condition' } = {}) {
  timeout *= SLOWDOWN;
  const end = Date.now() + timeout;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > end)
      throw new Error(`timed out after ${timeout} ms waiting for ${message}; last value ${JSON.stringify(last)}${lastError ? `; last error ${lastError.message}` : ''}`);
    await sleep(interval);
  }
}

const CHROME_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--window-size=1280,900'];

/** The files a session's browser saved, once complete (no .crdownload / .part beside them). */
function downloadsIn(dir) {
  return async function waitForDownload(suffix, { timeout = 15000 } = {}) {
    return waitFor(
      () => {
        const names = fs.readdirSync(dir);
        if (names.some((n) => n.endsWith('.crdownload') || n.endsWith('.part'))) return undefined;
        const name = names.find((n) => n.endsWith(suffix));
        return name && { name, path: path.join(dir, name), text: fs.readFileSync(path.join(dir, name), 'utf8') };
      },
      { timeout, message: `a downloaded *${suffix} file in ${dir}` },
    );
  };
}

function withWaiters(session) {
  // a function's source is what crosses into the page or the panel: callers may pass the function itself
  for (const name of ['pageEval', 'panelEval']) {
    const evaluate = session[name];
    session[name] = (src, ...args) => evaluate.call(session, String(src), ...args);
  }
  session.waitForPage = (src, opts = {}) => waitFor(() => session.pageEval(src), { message: `page: ${src}`, ...opts });
  session.waitForPanel = (src, opts = {}) => waitFor(() => session.panelEval(src), { message: `panel: ${src}`, ...opts });
  return session;
}

/**
 * What a panel function returns, as plain data: the log's rows are handles whose fields are accessors (panel/store/
 * rows.ts), which neither CDP's by-value results nor JSON see, so rows go as their toJSON, inside arrays and plain
 * objects too. Runs in the panel (its source is inlined).
 */
function plainResult(v, depth = 0) {
  if (!v || typeof v !== 'object' || depth > 40) return v;
  if (Array.isArray(v)) return v.map((x) => plainResult(x, depth + 1));
  const proto = Object.getPrototypeOf(v);
  if (typeof v.toJSON === 'function' && proto !== Date.prototype) return v.toJSON();
  if (proto !== Object.prototype && proto !== null) return v;
  const out = {};
  for (const k of Object.keys(v)) out[k] = plainResult(v[k], depth + 1);
  return out;
}

// ----------------------------------------------------------------------------------------------------- Chromium
// theme: 'dark' makes the system dark (--force-dark-mode): DevTools follows it by default, and so does
// devtools.panels.themeName, which the panel reads when it loads
export async function launchChromium({ extDir, devtools = !!extDir, headless = true, extraArgs = [], theme } = {}) {
  const executablePath = chromiumPath();
  if (theme === 'dark') extraArgs = [...extraArgs, '--force-dark-mode'];
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wslens-chr-'));
  const downloadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wslens-dl-'));
  const browser = await puppeteer.launch({
    executablePath,
    headless, // true is --headless=new: it loads extensions and opens DevTools
    devtools, // --auto-open-devtools-for-tabs
    userDataDir,
    // puppeteer adds --disable-extensions by default
    ignoreDefaultArgs: extDir ? ['--disable-extensions'] : [],
    args: [...CHROME_FLAGS, ...extraArgs, ...(extDir ? [`--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`] : [])],
    protocolTimeout: 60000,
  });
  let extId;
  if (extDir) {
    const sw = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'), { timeout: 15000 });
    extId = new URL(sw.url()).host;
  }
  const page = (await browser.pages()).find((p) => !p.url().startsWith('devtools://')) ?? (await browser.newPage());
  // files the panel saves (exports) land here, without a dialog
  const browserCdp = await browser.target().createCDPSession();
  await browserCdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloadDir });
  let panelFrame;
  let devtoolsPage;

  const session = {
    browserName: 'chromium',
    version: await browser.version(),
    extId,
    browser,
    page,
    /** the DevTools frontend itself (after openPanel): its Network panel is what HAR files are checked against */
    get devtoolsPage() {
      return devtoolsPage;
    },
    async goto(url) {
      await page.goto(url, { waitUntil: 'load', timeout: 20000 });
    },
    pageEval(src, ...args) {
      return page.evaluate(`(${src})(...${JSON.stringify(args)})`);
    },
    /** a second tab (a page of its own, no DevTools): `eval(src)` runs `src` (a function's text) there */
    async openTab(url) {
      const other = await browser.newPage();
      await other.goto(url, { waitUntil: 'load', timeout: 20000 });
      return { eval: (src) => other.evaluate(`(${src})()`), close: () => other.close() };
    },
    async openPanel() {
      // DevTools auto-opens for the tab; its frontend is ES modules with no UI global: import the legacy UI
      // module inside the DevTools page, and poll, because InspectorView.instance() throws until it has booted.
      const dtTarget = await browser.waitForTarget((t) => t.url().startsWith('devtools://devtools/bundled/devtools_app.html'), { timeout: 15000 });
      devtoolsPage = await dtTarget.asPage();
      const tabId = await waitFor(
        () =>
          devtoolsPage.evaluate(async (extId) => {
            const { InspectorView } = await import('./ui/legacy/legacy.js');
            return InspectorView.InspectorView.instance().tabbedPane.tabIds().find((id) => id.startsWith(`chrome-extension://${extId}`));
          }, extId),
        { timeout: 15000, message: 'the WebSockets panel tab in DevTools' },
      );
      await devtoolsPage.evaluate(async (id) => {
        const { InspectorView } = await import('./ui/legacy/legacy.js');
        await InspectorView.InspectorView.instance().showPanel(id);
      }, tabId);
      panelFrame = await waitFor(() => devtoolsPage.frames().find((f) => f.url().startsWith(`chrome-extension://${extId}/panel/index.html`)), {
        timeout: 15000,
        message: 'the panel frame',
      });
      await waitFor(() => panelFrame.evaluate(() => !!document.querySelector('.app')), { message: 'the panel to render' });
    },
    panelEval(src, ...args) {
      if (!panelFrame) throw new Error('panel not open');
      return panelFrame.evaluate(`(async () => (${plainResult})(await (${src})(window, ...${JSON.stringify(args)})))()`);
    },
    /** Dock DevTools to the bottom of a wide window, as a developer usually has it, for screenshots. */
    async screenshotPanel(file, { width = 1280, height = 720 } = {}) {
      if (process.env.DISPLAY === undefined) await devtoolsPage.setViewport({ width, height });
      await devtoolsPage.evaluate(async () => {
        const { DockController } = await import('./ui/legacy/legacy.js');
        DockController.DockController.instance().setDockSide('undocked');
      });
      await sleep(400);
      await devtoolsPage.screenshot({ path: file });
    },
    async setTheme(theme) {
      // DevTools' own theme setting, switched while DevTools is open: 'light' (its 'default'), 'dark' or
      // 'systemPreferred'
      await devtoolsPage.evaluate(async (theme) => {
        const Common = await import('./core/common/common.js');
        Common.Settings.Settings.instance().moduleSetting('ui-theme').set(theme);
      }, theme === 'light' ? 'default' : theme);
    },
    /** A fresh panel document, as after closing and reopening DevTools (headless cannot reopen DevTools itself). */
    async reopenPanel() {
      await panelFrame.evaluate(() => location.reload());
      await sleep(300);
      panelFrame = await waitFor(() => devtoolsPage.frames().find((f) => f.url().startsWith(`chrome-extension://${extId}/panel/index.html`) && !f.detached), {
        message: 'the panel frame after reload',
      });
      await waitFor(() => panelFrame.evaluate(() => !!document.querySelector('.app')), { message: 'the panel to render' });
    },
    /** Stop the extension's MV3 service worker, as Chrome does after 30 s idle; verify it really went. */
    async stopBackground() {
      const cdp = await page.createCDPSession();
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      await cdp.detach();
      await waitFor(async () => !browser.targets().some((t) => t.type() === 'service_worker' && t.url().includes(extId)), {
        timeout: 10000,
        message: 'the service worker to stop',
      });
    },
    waitForDownload: downloadsIn(downloadDir),
    async close() {
      await browser.close().catch(() => browser.process()?.kill('SIGKILL'));
      fs.rmSync(userDataDir, { recursive: true, force: true });
      fs.rmSync(downloadDir, { recursive: true, force: true });
    },
  };
  return withWaiters(session);
}

// ----------------------------------------------------------------------------------------------------- Firefox
// theme: DevTools' own theme preference (devtools.theme), which the panel reads as devtools.panels.themeName
// prefs: more preferences for the profile (the bench's), over the ones below
export async function launchFirefox({ extDir, headless = true, theme, prefs: extraPrefs = {} } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wslens-ff-'));
  const port = 28000 + Math.floor(Math.random() * 2000);
  const downloadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wslens-dl-'));
  const prefs = {
    'marionette.port': port,
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    'app.update.disabledForTesting': true,
    'browser.aboutwelcome.enabled': false,
    'devtools.toolbox.host': 'bottom',
    'devtools.toolbox.footer.height': 600,
    // files the panel saves (exports) land in downloadDir, without a dialog
    'browser.download.folderList': 2,
    'browser.download.dir': downloadDir,
    'browser.download.useDownloadDir': true,
    'browser.download.always_ask_before_handling_new_types': false,
    'browser.download.start_downloads_in_tmp_dir': false,
    // a fixed moz-extension:// UUID so panel URLs are predictable
    'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIXED_UUID }),
    ...(theme ? { 'devtools.theme': theme } : {}),
    ...extraPrefs,
  };
  fs.writeFileSync(path.join(profile, 'user.js'), Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n'));
  const ff = spawn(firefoxPath(), [...(headless ? ['--headless'] : []), '--marionette', '--remote-allow-system-access', '--no-remote', '--profile', profile, '--width', '1280', '--height', '900', 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  ff.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20000)));
  const exited = new Promise((r) => ff.once('exit', r));
  let m;
  try {
    m = await connectMarionette(port);
  } catch (e) {
    ff.kill('SIGKILL');
    throw new Error(`Firefox did not start Marionette: ${e.message}\n${stderr.slice(-2000)}`);
  }
  // the timer is cleared when the command answers: a pending one would keep the test process alive after the test
  const send = (cmd, params = {}, timeoutMs = 30000) => {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Marionette ${cmd} timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([m.send(cmd, params), late]).finally(() => clearTimeout(timer));
  };
  const sess = await send('WebDriver:NewSession', { capabilities: { alwaysMatch: { acceptInsecureCerts: true } } });
  if (extDir) await send('Addon:Install', { path: extDir, temporary: true });
  let context = 'content';
  const setContext = async (value) => {
    if (context !== value) await send('Marionette:SetContext', { value });
    context = value;
  };
  // Run an async function in the chrome (browser UI) context. Marionette's content and chrome contexts are
  // separate; every call states which one it needs.
  const chromeEval = async (body, args = []) => {
    await setContext('chrome');
    return (await send('WebDriver:ExecuteAsyncScript', { script: body, args }, 60000)).value;
  };

  // Marionette cannot switch into the extension panel's remote <browser>; a message-manager frame script can run
  // code there. The panel's CSP forbids eval in the panel: the function's source is inlined into the frame script
  // (privileged) or evaluated in a sandbox of the panel's principal, which the panel's CSP does not govern.
  const frameScriptEval = async (src, args, privileged) => {
    const r = await chromeEval(
        `const [src, args, plain, privileged, resolve] = arguments;
        const win = Services.wm.getMostRecentWindow('navigator:browser');
        const tb = [...win.document.querySelectorAll('browser')].find((b) => b.currentURI && b.currentURI.spec === 'about:devtools-toolbox');
        const iframe = tb && tb.contentDocument.querySelector('iframe[id^="toolbox-panel-iframe-webext-devtools-panel-"]');
        const ext = iframe && iframe.contentDocument.getElementById('webext-panels-browser');
        if (!ext) { resolve({ error: 'panel not open' }); return; }
        const mm = ext.messageManager;
        const tag = 'wslens:' + Math.random();
        mm.addMessageListener(tag, function l(msg) { mm.removeMessageListener(tag, l); resolve(msg.data); });
        // The function runs in a sandbox of the panel's own principal without Xrays: from the frame script, content
        // is an Xray view of the panel window, which hides its expandos (window.__wsLens), and a waiver does not
        // reach the objects the panel's code hands to the function's callbacks (an Array's find gets Xrays of the
        // log's rows, whose fields are accessors on their class: invisible through an Xray). The result is made
        // JSON in the sandbox, where a row's toJSON runs.
        const inner = '(async () => { try { return JSON.stringify({ value: (' + plain + ')(await (' + src + ')(window, ...' + JSON.stringify(args) + ')) }); } catch (e) { return JSON.stringify({ error: String(e) }); } })()';
        const code = privileged
          ? '(async () => { let r; try { r = { value: await (' + src + ')(content.wrappedJSObject, ...' + JSON.stringify(args) + ') }; } catch (e) { r = { error: String(e) }; } sendAsyncMessage(' + JSON.stringify(tag) + ', JSON.parse(JSON.stringify(r === undefined ? {} : r))); })()'
          : '(async () => { let r; try { const sb = Components.utils.Sandbox(content, { sandboxPrototype: content, wantXrays: false }); r = JSON.parse(await Components.utils.evalInSandbox(' + JSON.stringify(inner) + ', sb)); } catch (e) { r = { error: String(e) }; } sendAsyncMessage(' + JSON.stringify(tag) + ', r); })()';
        // the data: URL is read as Latin-1, so anything beyond ASCII goes in as \\u escapes (valid in strings, regexes and names)
        const ascii = code.replace(/[\\u0080-\\uffff]/g, (c) => '\\\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
        mm.loadFrameScript('data:,' + encodeURIComponent(ascii), false);`,
      [src, args, String(plainResult), privileged],
    );
    if (r.error) throw new Error(`panelEval: ${r.error}`);
    return r.value;
  };

  const session = {
    browserName: 'firefox',
    version: sess.capabilities.browserVersion,
    /** the browser's (parent) process id: its child processes are its descendants */
    pid: ff.pid,
    /**
     * Run a function (its source text; may be async) in the chrome (browser UI, parent process) context with `args`,
     * for what only the browser itself can see (memory reports, the toolbox): its value, JSON-cloned.
     */
    async chromeEval(src, ...args) {
      // the source goes into the script's text: the chrome context allows no eval (system principal)
      const r = await chromeEval(
        `const [args, resolve] = arguments;
        Promise.resolve().then(() => (${src})(...args)).then((v) => resolve({ v }), (e) => resolve({ e: String(e && e.stack || e) }));`,
        [args],
      );
      if (r.e) throw new Error(`chromeEval: ${r.e}`);
      return r.v;
    },
    async goto(url) {
      await setContext('content');
      await send('WebDriver:Navigate', { url });
    },
    async pageEval(src, ...args) {
      await setContext('content');
      const r = await send('WebDriver:ExecuteAsyncScript', {
        script: `const done = arguments[arguments.length - 1];
          Promise.resolve().then(() => (${src})(...${JSON.stringify(args)})).then((v) => done({ v }), (e) => done({ e: String(e && e.stack || e) }));`,
        args: [],
      });
      if (r.value.e) throw new Error(r.value.e);
      return r.value.v;
    },
    /**
     * A second tab, opened in the background (the toolbox's tab stays the selected one): `eval(src)` runs `src` (a
     * function's text, may return a promise) there, with Marionette switched to it only for that call.
     */
    async openTab(url) {
      await setContext('content');
      // Marionette answers some commands with `{ value }`, others with the object itself
      const unwrap = (r) => (r && typeof r === 'object' && 'value' in r ? r.value : r);
      const home = unwrap(await send('WebDriver:GetWindowHandle'));
      const { handle } = unwrap(await send('WebDriver:NewWindow', { type: 'tab', focus: false }));
      const inOther = async (fn) => {
        await setContext('content');
        await send('WebDriver:SwitchToWindow', { handle, focus: false });
        try {
          return await fn();
        } finally {
          await send('WebDriver:SwitchToWindow', { handle: home, focus: false });
        }
      };
      await inOther(() => send('WebDriver:Navigate', { url }));
      return {
        eval: (src) =>
          inOther(async () => {
            const r = await send('WebDriver:ExecuteAsyncScript', {
              script: `const done = arguments[arguments.length - 1];
                Promise.resolve().then(() => (${src})()).then((v) => done({ v }), (e) => done({ e: String(e && e.stack || e) }));`,
              args: [],
            });
            if (r.value.e) throw new Error(r.value.e);
            return r.value.v;
          }),
        close: () => inOther(() => send('WebDriver:CloseWindow')),
      };
    },
    async openPanel() {
      const r = await chromeEval(
        `const [title, resolve] = arguments;
        (async () => {
          const { require } = ChromeUtils.importESModule('resource://devtools/shared/loader/Loader.sys.mjs');
          const { gDevTools } = require('devtools/client/framework/devtools');
          const win = Services.wm.getMostRecentWindow('navigator:browser');
          const toolbox = await gDevTools.showToolboxForTab(win.gBrowser.selectedTab, { toolId: 'webconsole' });
          let tool;
          for (let i = 0; i < 150 && !tool; i++) {
            tool = toolbox.getAdditionalTools().find((t) => t.label === title);
            if (!tool) await new Promise((r) => win.setTimeout(r, 100));
          }
          if (!tool) return resolve({ error: 'no ' + title + ' panel among ' + toolbox.getAdditionalTools().map((t) => t.label) });
          await toolbox.selectTool(tool.id);
          // wait until the panel's extension <browser> has loaded the panel page
          for (let i = 0; i < 150; i++) {
            const f = toolbox.doc.querySelector('iframe[id^="toolbox-panel-iframe-webext-devtools-panel-"]');
            const b = f && f.contentDocument && f.contentDocument.getElementById('webext-panels-browser');
            if (b && b.currentURI && b.currentURI.spec.endsWith('/panel/index.html')) return resolve({ ok: true });
            await new Promise((r) => win.setTimeout(r, 100));
          }
          resolve({ error: 'panel page did not load' });
        })().catch((e) => resolve({ error: String(e) + ' ' + e.stack }));`,
        [PANEL_TITLE],
      );
      if (r.error) throw new Error(`Firefox openPanel: ${r.error}`);
      await waitFor(() => session.panelEval(`(w) => !!w.document.querySelector('.app')`), { message: 'the panel to render' });
    },
    panelEval(src, ...args) {
      return frameScriptEval(src, args, false);
    },
    /**
     * Firefox only: `src` runs in the panel's frame script itself, with its privileges (Components, Services,
     * ChromeUtils: a GC, the memory reporters, the debugger), and gets the panel window through a waiver.
     */
    panelEvalPrivileged(src, ...args) {
      return frameScriptEval(String(src), args, true);
    },
    /**
     * Trusted keys for the panel, typed as the user's keyboard would: nsITextInputProcessor in the browser (parent)
     * process, on the window that holds the toolbox, with the panel's <browser> focused, so each key goes the way a
     * real one does (widget → focused remote browser → the panel's process) and gets every default action (a button's
     * Enter and Space, Tab, typing). A TIP in the panel's own process dispatches trusted events too, but Firefox ESR
     * 153 runs no activation behaviour for them (measured: Enter on a button fires keydown/keypress, no click).
     * `steps`: chords ('Tab', 'Shift+Tab', 'Control+Enter', 'Space', '?') or { text }.
     */
    async panelKeys(steps) {
      const r = await chromeEval(
        `const [steps, resolve] = arguments;
        try {
          const win = Services.wm.getMostRecentWindow('navigator:browser');
          const tb = [...win.document.querySelectorAll('browser')].find((b) => b.currentURI && b.currentURI.spec === 'about:devtools-toolbox');
          const iframe = tb && tb.contentDocument.querySelector('iframe[id^="toolbox-panel-iframe-webext-devtools-panel-"]');
          const ext = iframe && iframe.contentDocument.getElementById('webext-panels-browser');
          if (!ext) { resolve({ error: 'panel not open' }); return; }
          if (Services.focus.focusedElement !== ext) Services.focus.setFocus(ext, Services.focus.FLAG_BYKEY);
          const tip = Cc['@mozilla.org/text-input-processor;1'].createInstance(Ci.nsITextInputProcessor);
          if (!tip.beginInputTransactionForTests(win)) { resolve({ error: 'no input transaction' }); return; }
          const NAMED = { Tab: 9, Enter: 13, Escape: 27, Backspace: 8, ArrowLeft: 37, ArrowUp: 38, ArrowRight: 39, ArrowDown: 40, Home: 36, End: 35, PageUp: 33, PageDown: 34, Control: 17, Shift: 16, Alt: 18 };
          const CODES = { Control: 'ControlLeft', Shift: 'ShiftLeft', Alt: 'AltLeft' };
          const event = (name) => {
            if (name === 'Space' || name === ' ') return new win.KeyboardEvent('', { key: ' ', code: 'Space', keyCode: 32 });
            if (NAMED[name]) return new win.KeyboardEvent('', { key: name, code: CODES[name] || name, keyCode: NAMED[name] });
            const upper = name.toUpperCase();
            const code = /[A-Z]/.test(upper) ? 'Key' + upper : /[0-9]/.test(name) ? 'Digit' + name : name === '/' || name === '?' ? 'Slash' : name === '-' ? 'Minus' : '';
            const keyCode = /[A-Z0-9]/.test(upper) ? upper.charCodeAt(0) : name === '/' || name === '?' ? 191 : 0;
            return new win.KeyboardEvent('', { key: name, code, keyCode });
          };
          const press = (name) => { const e = event(name); tip.keydown(e); tip.keyup(e); };
          for (const step of steps) {
            if (typeof step === 'object') { for (const c of step.text) press(c); continue; }
            const parts = step.length > 1 ? step.split('+') : [step];
            const key = parts.pop();
            for (const m of parts) tip.keydown(event(m));
            press(key);
            for (const m of parts.reverse()) tip.keyup(event(m));
          }
          resolve({ ok: true });
        } catch (e) { resolve({ error: String(e) }); }`,
        [steps],
      );
      if (r.error) throw new Error(`panelKeys: ${r.error}`);
    },
    /** Close the toolbox and open it again: a fresh panel document. */
    async reopenPanel() {
      await chromeEval(
        `const resolve = arguments[arguments.length - 1];
        const { require } = ChromeUtils.importESModule('resource://devtools/shared/loader/Loader.sys.mjs');
        const { gDevTools } = require('devtools/client/framework/devtools');
        const win = Services.wm.getMostRecentWindow('navigator:browser');
        gDevTools.closeToolboxForTab(win.gBrowser.selectedTab).then(() => resolve(true), (e) => resolve(String(e)));`,
      );
      await session.openPanel();
    },
    /**
     * Terminate the extension's event page, as Firefox does when it idles (about:debugging's "Terminate background
     * script" does the same); verify it went before anything wakes it again.
     */
    async stopBackground() {
      const r = await chromeEval(
        `const [id, resolve] = arguments;
        (async () => {
          const ext = WebExtensionPolicy.getByID(id)?.extension;
          if (!ext) return resolve({ error: 'extension not found' });
          const before = ext.backgroundState;
          await ext.terminateBackground({ disableResetIdleForTest: true });
          resolve({ before, after: ext.backgroundState });
        })().catch((e) => resolve({ error: String(e) }));`,
        [GECKO_ID],
      );
      if (r.error) throw new Error(`Firefox stopBackground: ${r.error}`);
      if (r.after !== 'stopped') throw new Error(`the event page did not stop: ${r.before} -> ${r.after}`);
    },
    /** DevTools' theme preference ('light' or 'dark'), switched while the toolbox is open */
    async setTheme(theme) {
      await chromeEval(`const [theme, resolve] = arguments; Services.prefs.setCharPref('devtools.theme', theme); resolve(true);`, [theme]);
    },
    waitForDownload: downloadsIn(downloadDir),
    async screenshotPanel(file) {
      await setContext('chrome');
      const r = await send('WebDriver:TakeScreenshot', { full: false, hash: false });
      fs.writeFileSync(file, Buffer.from(r.value, 'base64'));
    },
    async close() {
      try {
        await send('Marionette:Quit', { flags: ['eForceQuit'] }, 5000);
      } catch {
        // fall through to kill
      }
      m.close();
      const timer = setTimeout(() => ff.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(profile, { recursive: true, force: true });
      fs.rmSync(downloadDir, { recursive: true, force: true });
    },
  };
  return withWaiters(session);
}

export function launchSession(browserName, opts) {
  return browserName === 'firefox' ? launchFirefox(opts) : launchChromium(opts);
}
