// Sockets in workers. Chromium: the debugger, attached while the panel is open, hooks each dedicated and service
// worker before its first script (src/background/workers.ts). Firefox: webRequest.filterResponseData writes the hook
// in front of each dedicated worker's script, and its traffic goes over BroadcastChannels only the extension knows
// (src/background/workers-firefox.ts). Each worker's socket is listed with where it lives, captured both ways, and
// driven from the panel like a window's; and a worker sees itself as it does without the extension.
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { waitFor } from './lib/sessions.mjs';
import { scenario } from './lib/suite.mjs';

// Firefox's webRequest never sees a blob: or data: worker's script, so nothing can put the hook in front of it
// (docs/reach-findings.md §1; the MAIN-world re-wrap of §2 is not built)
const kindsFor = (browserName) => (browserName === 'firefox' ? ['classic', 'module', 'nested'] : ['classic', 'module', 'blob', 'nested']);

scenario('workers: dedicated workers of every kind are captured and driven from the panel', async (s, panel, { origin, server, browserName, t }) => {
  const KINDS = kindsFor(browserName);
  if (browserName === 'firefox') t.diagnostic('Firefox: blob: workers skipped (webRequest never sees their scripts)');
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
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

  // injected as if the server sent it: only the worker's handler sees it
  await panel.showSocket('/echo?from=classic');
  await panel.type('composer-mode', 'text', 'change');
  await panel.type('composer-input', 'injected-into-worker');
  await panel.click('composer-inject');
  await s.waitForPage(`() => (window.__reports.classic || []).includes('injected-into-worker')`);
  assert.ok(!server.received('/echo').includes('injected-into-worker'), 'an injected frame never goes out');

  // closed from the panel with a code and reason: the worker's socket sees that close
  await panel.type('close-code', '4003');
  await panel.type('close-reason', 'closed in the worker');
  await panel.click('composer-close');
  await s.waitForPage(`() => (window.__reports.classic || []).includes('closed:4003')`);
  await panel.waitRow('close 4003 "closed in the worker"', 'event');
});

scenario('workers: a worker sees itself, its location, its imports and WebSocket as without the extension', async (s, panel, { origin, plain }) => {
  await s.goto(`${origin}/blank.html`);
  await s.openPanel();
  await s.goto(`${origin}/worker-conformance.html`);
  const withExt = await s.waitForPage(`() => window.__conformance`, { timeout: 15000 });
  // the hook was in the worker (not a comparison of two unhooked runs): its socket is listed
  await waitFor(async () => (await panel.conns()).some((c) => c.context === 'worker' && c.url.endsWith('/echo?from=conformance')), {
    timeout: 15000,
    message: "the conformance worker's socket, listed as a worker's",
  });
  const native = await plain(`${origin}/worker-conformance.html`);
  const differ = [];
  for (const part of Object.keys({ ...withExt, ...native }))
    for (const k of Object.keys({ ...(withExt[part] ?? {}), ...(native[part] ?? {}) }))
      if (!isDeepStrictEqual(withExt[part]?.[k], native[part]?.[k])) differ.push(`${part}.${k}: ${JSON.stringify(withExt[part]?.[k])} vs ${JSON.stringify(native[part]?.[k])}`);
  assert.deepEqual(differ, [], `differs with the extension: ${differ.join('; ')}`);
  assert.equal(withExt.classic.strict, true, "the worker's 'use strict' directive still applies");
  assert.equal(withExt.classic.importScripts?.loaded, true);
  assert.equal(withExt.classic.echo?.[0], 'hi');
});
