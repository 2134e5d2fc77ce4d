// Sockets in workers. Chromium: the debugger, attached while the panel is open, hooks each dedicated and service
// worker before its first script (src/background/workers.ts), a SharedWorker late. Firefox: webRequest.filterResponseData writes the hook
// in front of each dedicated worker's script, and its traffic goes over BroadcastChannels only the extension knows
// (src/background/workers-firefox.ts). Each worker's socket is listed with where it lives, captured both ways, and
// driven from the panel like a window's; and a worker sees itself as it does without the extension.
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { waitFor } from './lib/sessions.mjs';
import { scenario } from './lib/suite.mjs';

/** Chromium's worker capture waits for the user's yes (its Workers switch is off until turned on): turn it on. */
async function workersOn(panel) {
  await panel.waitFor((w) => !!w.document.querySelector('[data-testid=capture-workers]'));
  if (!(await panel.eval((w) => w.document.querySelector('[data-testid=capture-workers]').checked))) await panel.click('capture-workers');
  await panel.waitFor((w) => w.__wsLens.store.workerCapture?.state === 'on');
}

// Firefox's webRequest never sees a blob: or data: worker's script: the document hook re-makes those workers with the
// hook in front (src/page/worker-wrap-firefox.ts); the http(s) ones get it from the background's filter
const KINDS = ['classic', 'module', 'blob', 'data', 'nested'];

scenario('workers: dedicated workers of every kind are captured and driven from the panel', async (s, panel, { origin, server }) => {
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
  await workersOn(panel);
  await s.goto(`${origin}/workers.html?kinds=${KINDS.join(',')}`);
  // every worker's socket works as without the extension: the echo of its hello reached it
  await s.waitForPage(`() => ${JSON.stringify(KINDS)}.every((k) => (window.__reports[k] || []).includes('hello-from-' + k))`, { timeout: 20000 });
  let listed = [];
  const conns = await waitFor(
    async () => {
      listed = await panel.conns();
      const c = listed.filter((x) => x.context === 'worker' && x.state === 'open');
      return c.length >= KINDS.length && c;
    },
    { timeout: 15000, message: 'an open connection per worker, marked as a worker' },
  ).catch((e) => assert.fail(`${e.message}: listed ${JSON.stringify(listed.map((c) => [c.context, c.state, c.url]))}`));
  for (const k of KINDS) {
    const c = conns.find((x) => x.url.endsWith(`/echo?from=${k}`));
    assert.ok(c, `the ${k} worker's socket is listed: ${JSON.stringify(conns.map((x) => x.url))}`);
    assert.equal(c.kind, 'websocket');
    assert.match(c.text, /worker/);
  }
  // where it lives: the worker's script under a "Worker" heading
  const headings = await panel.eval((w) => [...w.document.querySelectorAll('.doc-marker')].map((d) => d.textContent));
  for (const script of ['/workers/classic.js', '/workers/module.mjs', '/workers/child.js'])
    assert.ok(headings.some((h) => h.startsWith('Worker') && h.includes(script)), `a heading for ${script}: ${JSON.stringify(headings)}`);
  if (KINDS.includes('blob')) assert.ok(headings.some((h) => h.startsWith('Worker') && h.includes('blob:')), `a heading for the blob: worker: ${JSON.stringify(headings)}`);
  if (KINDS.includes('data')) assert.ok(headings.some((h) => h.startsWith('Worker') && h.includes('data:')), `a heading for the data: worker: ${JSON.stringify(headings)}`);

  for (const k of KINDS) {
    await panel.showSocket(`/echo?from=${k}`);
    await panel.waitRow(`hello-from-${k}`, 'sent');
    await panel.waitRow(`hello-from-${k}`, 'received');
    // the worker's own send later: captured as it happens
    await s.pageEval(`() => { window.__send(${JSON.stringify(k)}, 'later-from-${k}'); return true; }`);
    await panel.waitRow(`later-from-${k}`, 'received');
    // the panel sends on the worker's socket: the server gets it, its echo reaches the worker's handler
    await panel.composeAndSend(`panel-to-${k}`);
    await s.waitForPage(`() => (window.__reports[${JSON.stringify(k)}] || []).includes('panel-to-${k}')`);
    await panel.waitRow(`panel-to-${k}`, 'sent');
    assert.ok(server.received('/echo').includes(`panel-to-${k}`), `the server got the panel's frame on the ${k} worker's socket`);
  }

  await injectAndClose(s, panel, server, 'classic', { text: 'injected-into-worker', code: 4003, reason: 'closed in the worker' });
});

/**
 * A frame injected into worker `kind`'s socket as if the server sent it (only the worker's handler sees it), then the
 * socket closed from the panel with a code and reason (the worker's socket sees that close).
 */
async function injectAndClose(s, panel, server, kind, { text, code, reason }) {
  const reported = (what) => s.waitForPage(`() => (window.__reports[${JSON.stringify(kind)}] || []).includes(${JSON.stringify(what)})`);
  await panel.showSocket(`/echo?from=${kind}`);
  await panel.type('composer-mode', 'text', 'change');
  await panel.type('composer-input', text);
  await panel.click('composer-inject');
  await reported(text);
  assert.ok(!server.received('/echo').includes(text), 'an injected frame never goes out');
  await panel.type('close-code', String(code));
  await panel.type('close-reason', reason);
  await panel.click('composer-close');
  await reported(`closed:${code}`);
  await panel.waitRow(`close ${code} "${reason}"`, 'event');
}

scenario('workers: a service worker that opens a socket on a message', async (s, panel, { origin, server }) => {
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
  await workersOn(panel);
  await s.goto(`${origin}/workers.html?kinds=sw`);
  await s.waitForPage(`() => (window.__reports.sw || []).includes('hello-from-sw')`, { timeout: 20000 });
  const c = await waitFor(async () => (await panel.conns()).find((x) => x.url.endsWith('/echo?from=sw') && x.state === 'open'), {
    timeout: 15000,
    message: "the service worker's socket",
  });
  assert.equal(c.context, 'service_worker');
  assert.match(c.text, /service worker/);
  const headings = await panel.eval((w) => [...w.document.querySelectorAll('.doc-marker')].map((d) => d.textContent));
  assert.ok(headings.some((h) => /^Service worker \(it may outlive this tab\)/.test(h) && h.includes('/workers/sw.js')), JSON.stringify(headings));
  await panel.showSocket('/echo?from=sw');
  await panel.waitRow('hello-from-sw', 'received');
  await panel.composeAndSend('panel-to-sw');
  await s.waitForPage(`() => (window.__reports.sw || []).includes('panel-to-sw')`);
  assert.ok(server.received('/echo').includes('panel-to-sw'));
  // a rule applies in the service worker: its own send rewritten before it goes out
  await panel.addRule({ direction: 'sent', 'match-type': 'text', match: 'sw-secret', action: 'rewrite', find: 'secret', replace: 'public' });
  await s.pageEval(`() => { window.__send('sw', 'sw-secret-1'); return true; }`);
  await s.waitForPage(`() => (window.__reports.sw || []).includes('sw-public-1')`);
  assert.ok(server.received('/echo').includes('sw-public-1') && !server.received('/echo').includes('sw-secret-1'), 'the rewritten frame went out, not the original');
  await panel.waitRowRule('sw-public-1', 'sent', 'rewritten');
  await injectAndClose(s, panel, server, 'sw', { text: 'injected-into-sw', code: 4004, reason: 'closed in the service worker' });
});

// Firefox stops an idle service worker about 30 s after its last event, open sockets or not (measured: the same with
// and without WS Lens), and the hook dies with it: the bridge's pings go unanswered and the panel says it is gone
scenario('workers: a service worker Firefox stopped when idle is shown as gone, and the panel says a send cannot reach it', async (s, panel, { origin, server, browserName, t }) => {
  if (browserName !== 'firefox') return t.skip('Chromium does not stop a service worker while the debugger is attached to it (Known limits)');
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
  await s.goto(`${origin}/workers.html?kinds=sw`);
  await s.waitForPage(`() => (window.__reports.sw || []).includes('hello-from-sw')`, { timeout: 20000 });
  const conn = server.connections('/echo').at(-1);
  await waitFor(() => conn.close, { timeout: 90000, interval: 500, message: 'the browser to stop the idle service worker (its socket closes)' });
  assert.equal(conn.close.code, 1001, 'closed by the browser, going away');
  const heading = await waitFor(
    async () => (await panel.eval((w) => [...w.document.querySelectorAll('.doc-marker')].map((d) => d.textContent))).find((h) => h.startsWith('Service worker') && h.endsWith('(gone)')),
    { timeout: 40000, interval: 500, message: "the service worker's heading to say it is gone" },
  );
  assert.match(heading, /\/workers\/sw\.js \(gone\)$/);
  await panel.showSocket('/echo?from=sw');
  await panel.composeAndSend('to-a-stopped-worker');
  await waitFor(async () => (await panel.notices()).some((n) => /worker has ended/.test(n)), { timeout: 10000, message: 'the panel to say the worker has ended' });
  assert.ok(!server.received('/echo').includes('to-a-stopped-worker'));
});

// A module service worker's static imports are evaluated before it: in Firefox each module carries the hook (their
// requests say Sec-Fetch-Dest: worker, with no tab, and name the importing module), so a socket an import opens while
// the graph loads is captured
scenario('workers: a module service worker, and a socket its static import opens', async (s, panel, { origin, server, plain, t }) => {
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
  await workersOn(panel);
  await s.goto(`${origin}/workers.html?kinds=swmodule`);
  const registered = await s.waitForPage(`() => window.__swModule`, { timeout: 20000 });
  // Firefox ESR 140 has no module service workers (measured: its registration throws during evaluation, with or
  // without the extension); 153 has them. Only the same refusal without the extension skips.
  if (registered !== 'registered') {
    const without = await plain(`${origin}/workers.html?kinds=swmodule`, `() => window.__swModule`);
    if (without === registered) return t.skip(`this browser refuses a module service worker without WS Lens too: ${without}`);
  }
  assert.equal(registered, 'registered');
  await s
    .waitForPage(`() => (window.__reports.swmodule || []).includes('hello-from-swmodule') && (window.__reports['swmodule-dep'] || []).includes('hello-from-swmodule-dep')`, { timeout: 20000 })
    .catch(async (e) => assert.fail(`${e.message}; reports ${JSON.stringify(await s.pageEval('() => window.__reports'))}`));
  for (const from of ['swmodule', 'swmodule-dep']) {
    const c = await waitFor(async () => (await panel.conns()).find((x) => x.url.endsWith(`/echo?from=${from}`)), { timeout: 15000, message: `the ${from} socket` });
    assert.equal(c.context, 'service_worker', from);
    await panel.showSocket(`/echo?from=${from}`);
    await panel.waitRow(`hello-from-${from}`, 'sent');
    await panel.waitRow(`hello-from-${from}`, 'received');
  }
  await panel.composeAndSend('panel-to-swmodule-dep');
  await s.waitForPage(`() => (window.__reports['swmodule-dep'] || []).includes('panel-to-swmodule-dep')`);
  assert.ok(server.received('/echo').includes('panel-to-swmodule-dep'));
  // the hook once in the realm, not once per module: each socket listed once
  assert.equal((await panel.conns()).filter((x) => x.url.endsWith('/echo?from=swmodule-dep')).length, 1);
});

scenario('workers: the Workers switch off leaves new workers alone', async (s, panel, { origin }) => {
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
  await workersOn(panel);
  await panel.waitFor((w) => !!w.document.querySelector('[data-testid=capture-workers]'));
  // on (the helper), then off
  await panel.click('capture-workers');
  await panel.waitFor((w) => w.__wsLens.store.workerCapture?.state !== 'on');
  await s.goto(`${origin}/workers.html?kinds=classic`);
  await s.waitForPage(`() => (window.__reports.classic || []).includes('hello-from-classic')`, { timeout: 20000 });
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual((await panel.conns()).filter((c) => c.context === 'worker'), [], 'no worker captured while switched off');
  // on again: the next document's workers are captured
  await panel.click('capture-workers');
  await s.goto(`${origin}/workers.html?kinds=classic`);
  await waitFor(async () => (await panel.conns()).some((c) => c.context === 'worker' && c.url.endsWith('/echo?from=classic')), {
    timeout: 15000,
    message: 'the worker captured once switched on again',
  });
});

// What a worker can see of its world is the same with and without WS Lens: location, globals, WebSocket's look and
// errors, relative fetch, a socket; on a plain page, under a strict CSP with Trusted Types, and cross-origin isolated.
for (const [label, query] of [
  ['a plain page', ''],
  ["a strict CSP (worker-src 'self', Trusted Types)", '?csp=strict'],
  ['a cross-origin isolated page', '?coep=1'],
]) {
  scenario(`workers: what a worker sees is unchanged, on ${label}`, async (s, panel, { origin, plain, browserName }) => {
    await s.goto(`${origin}/blank.html`);
    await s.openPanel();
    await workersOn(panel);
    await s.goto(`${origin}/workers-conformance.html${query}`);
    const withExt = await s.waitForPage(`() => window.__conformance`, { timeout: 20000 });
    const native = await plain(`${origin}/workers-conformance.html${query}`);
    // Firefox (a known limit, README): an error the browser throws through the hook's WebSocket wrapper has one more
    // frame, the wrapper's, at line 1 of the worker's own script, where the filter (or, for the data: worker, the
    // document hook) wrote the hook (SpiderMonkey cannot leave a frame out without giving the error an own `stack`).
    // Exactly one, then the rest must be the same. (The blob: worker's frames name a blob: URL: none is counted.)
    if (browserName === 'firefox')
      for (const k of ['classic', 'module', 'data'])
        if (typeof withExt[k] === 'object' && typeof native[k] === 'object') {
          assert.equal(withExt[k].stackDepth, native[k].stackDepth + 1, `${k}: the wrapper's one frame`);
          withExt[k].stackDepth = native[k].stackDepth;
        }
    assert.deepEqual(withExt, native);
    if (query === '?coep=1') assert.equal(withExt.page.isolated, true, 'the page is cross-origin isolated');
    for (const k of ['classic', 'module', 'blob', 'data']) if (typeof withExt[k] === 'object') assert.equal(withExt[k].hrefIsUrl, true, `${k}: self.location is the URL the page gave`);
    // and the workers that could run were captured (under worker-src 'self' the blob: and data: ones are refused,
    // natively too)
    const hooked = ['classic', 'module', 'blob', 'data'].filter((k) => typeof withExt[k] === 'object').length;
    await waitFor(async () => (await panel.conns()).filter((c) => c.context === 'worker' && /conformance-/.test(c.url)).length === hooked, {
      timeout: 15000,
      message: `${hooked} conformance sockets captured`,
    });
  });
}

scenario('workers: a flood of 50,000 frames from a worker is captured whole', async (s, panel, { origin }) => {
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
  await workersOn(panel);
  await s.goto(`${origin}/workers.html?kinds=flood`);
  await s.waitForPage(`() => (window.__reports.flood || []).includes('all 50000')`, { timeout: 60000 });
  // every frame, in order, none lost: the panel's count for the socket, and the first and last frames' text
  const got = await waitFor(
    () =>
      panel.eval((w) => {
        const st = w.__wsLens.store;
        const sock = [...st.log.sockets.values()].find((x) => x.url.endsWith('/burst?from=flood'));
        if (!sock || sock.framesIn < 50000) return false;
        const rows = st.log.frames.filter((f) => f.socketKey === sock.key && f.direction === 'received');
        return { framesIn: sock.framesIn, rows: rows.length, first: rows[0].preview, last: rows[rows.length - 1].preview, dropped: st.log.droppedInPage, context: sock.context };
      }),
    { timeout: 60000, message: 'the panel to have the whole flood' },
  );
  assert.deepEqual(got, { framesIn: 50000, rows: 50000, first: 'm0', last: 'm49999', dropped: 0, context: 'worker' });
});

scenario("workers: a cross-site frame's worker is captured too", async (s, panel, { origin }) => {
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
  await workersOn(panel);
  await s.goto(`${origin}/workers-frame.html`);
  const c = await waitFor(async () => (await panel.conns()).find((x) => x.context === 'worker' && x.url.endsWith('/echo?from=classic') && x.state === 'open'), {
    timeout: 20000,
    message: "the frame's worker socket",
  });
  assert.match(c.url, /^ws:\/\/localhost:/);
  await panel.showSocket('/echo?from=classic');
  await panel.waitRow('hello-from-classic', 'received');
});

// Chromium attaches to a SharedWorker late (through the debugger's target list); Firefox filters its script
// (Sec-Fetch-Dest: sharedworker) and every bridge of its origin listens on its channel
scenario('workers: a SharedWorker used by two tabs is one socket, captured from when the panel attached to it', async (s, panel, { origin, server }) => {
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
  await workersOn(panel);
  await s.goto(`${origin}/workers.html?kinds=shared`);
  // attached late (Chromium lists a SharedWorker a moment after it starts): wait for the panel to know it
  await panel.waitFor((w) => [...w.__wsLens.store.log.docs.values()].some((d) => d.context === 'shared_worker' && d.url.endsWith('/workers/shared.js')), { timeout: 15000 });
  await s.pageEval(`() => { window.__send('shared', 'open'); return true; }`);
  await s.waitForPage(`() => (window.__reports.shared || []).includes('hello-from-shared')`);
  const c = await waitFor(async () => (await panel.conns()).find((x) => x.url.endsWith('/echo?from=shared') && x.state === 'open'), { timeout: 15000, message: "the SharedWorker's socket" });
  assert.equal(c.context, 'shared_worker');
  assert.match(c.text, /shared worker/);
  // a second tab of the origin gets the same instance: its socket is already open, and what it sends goes on it
  const other = await s.openTab(`${origin}/workers.html?kinds=shared`);
  // the second tab's worker reports reach its page: wait there for `text` (at most 10 s)
  const reported = (text) => `async () => {
    const t0 = Date.now();
    while (!(window.__reports.shared || []).includes(${JSON.stringify(text)})) {
      if (Date.now() - t0 > 10000) throw new Error(${JSON.stringify('the second tab never heard ' + text)});
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }`;
  try {
    await other.eval(`() => { window.__send('shared', 'open'); return true; }`);
    await other.eval(reported('already-open'));
    await other.eval(`() => { window.__send('shared', 'from-the-second-tab'); return true; }`);
    await other.eval(reported('from-the-second-tab'));
  } finally {
    await other.close();
  }
  await panel.showSocket('/echo?from=shared');
  await panel.waitRow('from-the-second-tab', 'sent');
  await panel.waitRow('from-the-second-tab', 'received');
  assert.equal((await panel.conns()).filter((x) => x.url.endsWith('/echo?from=shared')).length, 1, 'one socket, not one per tab');
  // and driven from the panel like any other
  await panel.composeAndSend('panel-to-shared');
  await s.waitForPage(`() => (window.__reports.shared || []).includes('panel-to-shared')`);
  assert.ok(server.received('/echo').includes('panel-to-shared'));
});

scenario('workers: a worker running before the panel opened is shown (Firefox) or named, with the reload that shows it (Chromium)', async (s, panel, { origin, browserName }) => {
  await s.goto(`${origin}/workers.html?kinds=classic`);
  await s.waitForPage(`() => (window.__reports.classic || []).includes('hello-from-classic')`, { timeout: 20000 });
  await s.openPanel();
  await workersOn(panel);
  if (browserName === 'firefox') {
    // Firefox hooks every worker from its start, panel or not: its socket is there at once, its frames replayed
    await waitFor(async () => (await panel.conns()).some((c) => c.context === 'worker' && c.url.endsWith('/echo?from=classic')), { timeout: 15000, message: 'the worker that ran before the panel' });
    await panel.showSocket('/echo?from=classic');
    await panel.waitRow('hello-from-classic', 'received');
    assert.equal((await panel.notices()).find((n) => /already running/.test(n)), undefined, 'no reload asked for');
    return;
  }
  const said = await waitFor(async () => (await panel.notices()).find((n) => /already running/.test(n)), { timeout: 10000, message: 'the notice' });
  assert.match(said, /1 worker was already running when capture began: reload the page to see its sockets/);
  await s.goto(`${origin}/workers.html?kinds=classic`);
  await waitFor(async () => (await panel.conns()).some((c) => c.context === 'worker' && c.url.endsWith('/echo?from=classic')), { timeout: 15000, message: 'the worker after the reload' });
});

scenario('workers: a worker sees itself, its location, its imports and WebSocket as without the extension', async (s, panel, { origin, plain }) => {
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
  await workersOn(panel);
  await s.goto(`${origin}/worker-self-view.html`);
  const withExt = await s.waitForPage(`() => window.__conformance`, { timeout: 15000 });
  // the hook was in the worker (not a comparison of two unhooked runs): its socket is listed
  await waitFor(async () => (await panel.conns()).some((c) => c.context === 'worker' && c.url.endsWith('/echo?from=self-view')), {
    timeout: 15000,
    message: "the self-view worker's socket, listed as a worker's",
  });
  const native = await plain(`${origin}/worker-self-view.html`);
  const differ = [];
  for (const part of Object.keys({ ...withExt, ...native }))
    for (const k of Object.keys({ ...(withExt[part] ?? {}), ...(native[part] ?? {}) }))
      if (!isDeepStrictEqual(withExt[part]?.[k], native[part]?.[k])) differ.push(`${part}.${k}: ${JSON.stringify(withExt[part]?.[k])} vs ${JSON.stringify(native[part]?.[k])}`);
  assert.deepEqual(differ, [], `differs with the extension: ${differ.join('; ')}`);
  assert.equal(withExt.classic.strict, true, "the worker's 'use strict' directive still applies");
  assert.equal(withExt.classic.importScripts?.loaded, true);
  assert.equal(withExt.classic.echo?.[0], 'hi');
});

// A service worker that controls the page, over four loads: installed once and never again (the extension's filter
// writes the same bytes at every update check: register(), the page's update(), the navigation's), and its view of
// itself and the page's own messages with it are as without the extension
scenario('workers: a service worker is not updated by the extension on reloads, and sees itself as without it', async (s, panel, { origin, plain, browserName }) => {
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
  await workersOn(panel);
  await s.goto(`${origin}/service-worker.html`);
  const withExt = await s.waitForPage(`() => window.__conformance`, { timeout: 20000 });
  // the hook was in the worker (not a comparison of two unhooked runs): its socket is listed as a service worker's
  await waitFor(async () => (await panel.conns()).some((c) => c.context === 'service_worker' && c.url.endsWith('/echo?from=sw-view')), {
    timeout: 15000,
    message: "the service worker's socket, listed as a service worker's",
  });
  const native = await plain(`${origin}/service-worker.html`);
  const differ = [];
  for (const part of Object.keys({ ...withExt, ...native }))
    if (!isDeepStrictEqual(withExt[part], native[part]))
      if (part !== 'view') differ.push(`${part}: ${JSON.stringify(withExt[part])} vs ${JSON.stringify(native[part])}`);
      else
        for (const k of Object.keys({ ...withExt.view, ...native.view }))
          if (!isDeepStrictEqual(withExt.view[k], native.view[k])) differ.push(`view.${k}: ${JSON.stringify(withExt.view[k])} vs ${JSON.stringify(native.view[k])}`);
  assert.deepEqual(differ, [], `differs with the extension: ${differ.join('; ')}`);
  // and what both say: one install, on the first load only; controlled from the second
  assert.deepEqual(withExt.events, ['1:activate', '1:install', '1:installing', '1:uncontrolled', '1:updatefound', '2:controlled', '3:controlled', '4:controlled']);
  assert.equal(withExt.view.strict, true, "the worker's 'use strict' directive still applies");
  assert.equal(withExt.view.importScripts?.loaded, true);
  assert.equal(withExt.view.echo?.[0], 'hi');
  assert.ok(withExt.scriptText.startsWith("'use strict';") && withExt.view.ownText === withExt.scriptText, 'the script as fetched is the server\'s text');

  // the extension's background stopped (Firefox stops an idle event page; Chromium its service worker) and started
  // again by the next load: the worker's script is checked again, still the same bytes (the names are kept)
  await s.stopBackground();
  await s.goto(`${origin}/service-worker.html?loads=6`);
  const after = await s.waitForPage(`() => window.__conformance`, { timeout: 20000 });
  assert.deepEqual(after.events, [...withExt.events, '5:controlled', '6:controlled'], 'not installed again after the background restarted');
  // and still captured (Firefox): the socket it opened for this load's report. Chromium's debugger sessions end with
  // the extension's service worker, and a worker running when capture begins again is not hooked (Known limits)
  if (browserName !== 'firefox') return;
  const listed = await waitFor(async () => {
    const c = (await panel.conns()).filter((x) => x.context === 'service_worker' && x.url.endsWith('/echo?from=sw-view'));
    return c.length >= 2 && c;
  }, { timeout: 15000, message: "the service worker's second socket" });
  assert.ok(listed);
});
