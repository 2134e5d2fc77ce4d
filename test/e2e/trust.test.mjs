// Trust: the page cannot tell the hook is there, break it, steer it or inject into it. The attack pages of the
// trust review each failed on the 0.3.0 build (the attack worked) and pass once shared/DESIGN.md's trust rules hold.
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { waitFor } from './lib/sessions.mjs';
import { pause, wireFrom } from './lib/panel.mjs';
import { scenario } from './lib/suite.mjs';

/**
 * Firefox's one known difference (README, Known limits): an error the browser throws through a wrapper has one more
 * top frame, `name@<anonymous code>:L:C` (no URL), and its fileName / filename / lineNumber / columnNumber point at
 * that frame. Exactly that is taken out of the extension's record, and those four fields out of both; every other
 * field of those errors, and every other key, must still be identical.
 */
function allowFirefoxTrapFrame(withExt, native) {
  for (const [k, v] of Object.entries(withExt)) {
    if (!v || typeof v !== 'object' || typeof v.stack !== 'string' || !/^[^@\n]*@<anonymous code>:\d+:\d+\n/.test(v.stack)) continue;
    v.stack = v.stack.replace(/^[^@\n]*@<anonymous code>:\d+:\d+\n/, '');
    if (v.fileName !== '<anonymous code>' && v.filename !== '<anonymous code>') continue;
    for (const field of ['fileName', 'filename', 'lineNumber', 'columnNumber']) {
      v[field] = null;
      if (native[k] && typeof native[k] === 'object') native[k][field] = null;
    }
  }
}

/**
 * Firefox ESR 140 (measured; 153 does not): a same-origin about:blank frame the page reaches in the same task that
 * inserted it runs no content script yet, so that realm's own Function.prototype.toString, applied to the page's
 * wrapped WebSocket, send, close and toString, answers `function () { [native code] }` without their names (README,
 * Known limits). Exactly that is checked and taken out of both records; the same frame 100 ms later
 * (crossRealmBlankLater) and every other key must still be identical.
 */
function allowFirefox140BlankFrame(withExt, native, version) {
  if (Number(String(version).split('.')[0]) >= 153) return;
  const anonymous = 'function () {\n    [native code]\n}';
  const seen = withExt.crossRealmBlankSync?.theirsOnOurs?.map((x) => x.value);
  if (!seen || !seen.every((t) => t === anonymous)) return;
  assert.deepEqual(native.crossRealmBlankSync.theirsOnOurs.map((x) => x.value.replace(/^function \w+\(/, 'function (')), seen, 'only the names differ');
  delete withExt.crossRealmBlankSync.theirsOnOurs;
  delete native.crossRealmBlankSync.theirsOnOurs;
}

/** Invisibility: the conformance page records identical results with and without the extension. */
scenario('the page cannot tell WebSocket is wrapped', async (s, panel, { origin, plain, browserName }) => {
  await s.goto(`${origin}/conformance.html`);
  const withExt = await s.waitForPage(`() => window.__conformance`, { timeout: 15000 });
  assert.ok(!withExt.failed, withExt.failed);
  const native = await plain(`${origin}/conformance.html`);
  assert.ok(!native.failed, native.failed);
  if (browserName === 'firefox') allowFirefoxTrapFrame(withExt, native);
  if (browserName === 'firefox') allowFirefox140BlankFrame(withExt, native, s.version);
  const differ = Object.keys({ ...withExt, ...native }).filter((k) => !isDeepStrictEqual(withExt[k], native[k]));
  assert.deepEqual(differ, [], `keys that differ with the extension: ${differ.map((k) => `${k}: ${JSON.stringify(withExt[k])?.slice(0, 300)} vs ${JSON.stringify(native[k])?.slice(0, 300)}`).join('; ')}`);
  assert.deepEqual(withExt, native);
});

/** A hostile page: tampered globals after load, forged messages, HTML payloads. */
scenario('a hostile page cannot break, steer or inject into it', async (s, panel, { origin, server }) => {
  await s.goto(`${origin}/hostile.html`);
  await s.openPanel();
  await panel.waitRow('hostile-1', 'received');
  await pause(500);
  const seen = server.received('/echo').filter((m) => m.includes('forged'));
  assert.deepEqual(seen, [], 'forged commands made nothing go out on the socket');
  assert.equal(await s.pageEval(`() => window.__ws.readyState`), 1, 'forged close did nothing');
  assert.equal(await panel.eval(`(w) => w.document.querySelectorAll('img').length`), 0, 'HTML payloads render as text');
  assert.equal(await s.pageEval(`() => !!window.__pwned`), false);
  // the panel still drives the socket on this page
  await panel.composeAndSend('still-works');
  await s.waitForPage(`() => window.__received.includes('still-works')`);
  // an injected frame, and a frame a rule delays, reach the page through events built from prototype-less
  // dictionaries, with the page's own setTimeout, JSON and RegExp replaced
  const reads = await s.pageEval(`() => window.__initReads`);
  await panel.type('composer-input', 'injected-here');
  await panel.click('composer-inject');
  await s.waitForPage(`() => window.__received.includes('injected-here')`);
  await panel.addRule({ direction: 'received', 'match-type': 'regex', match: '/^slow-hostile$/', action: 'delay', ms: 200 });
  await panel.click('tab-detail');
  await panel.composeAndSend('slow-hostile');
  await s.waitForPage(`() => window.__received.includes('slow-hostile')`);
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame]')].some((r) => r.textContent.includes('slow-hostile') && r.dataset.direction === 'received' && /^\\+\\d+ ms$/.test(r.dataset.rule || ''))`);
  assert.equal(await s.pageEval(`() => window.__initReads`), reads, 'no page getter ran while WS Lens built events');
});

/** 1. A synthetic handshake from the first script: the bridge must take only the hook's real (trusted) one. */
scenario('trust: a forged handshake gets no port and shows no socket', async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await s.goto(`${origin}/trust-forged-handshake.html`);
  await s.waitForPage(`() => window.__received.includes('real-hello')`);
  await s.openPanel();
  await panel.waitFor(`(w) => w.document.querySelectorAll('[data-testid=connection]').length > 0`);
  // the page posts its fake socket once more now that the panel watches; give it time to arrive
  await s.pageEval(`() => { window.__fake(); return true; }`);
  await pause(500);
  assert.ok(!(await panel.socketUrls()).includes('wss://fake.example/'), `no socket the page made up: ${JSON.stringify(await panel.socketUrls())}`);
  await panel.waitRow('real-hello', 'received');
  assert.deepEqual(await panel.socketUrls(), [`${origin.replace('http', 'ws')}/echo`]);
  // the panel drives the real socket, and its commands never reach the page's port
  await panel.composeAndSend('from-panel');
  await s.waitForPage(`() => window.__received.includes('from-panel')`);
  await panel.waitRow('from-panel', 'received');
  assert.deepEqual(got(''), ['real-hello', 'from-panel']);
  assert.equal(await s.pageEval(`() => window.__forgedGot`), 0, 'the forged port received no command');
});

/** 2. A page that wraps MessageEvent.prototype.data must not catch the hook's port, nor post events over it. */
scenario('trust: the hook port cannot be stolen through MessageEvent.prototype.data', async (s, panel, { origin }) => {
  await s.goto(`${origin}/trust-stolen-port.html`);
  await s.openPanel();
  // the panel lists a socket once it has subscribed (the command the page would catch) and heard back
  await panel.waitFor(`(w) => w.document.querySelectorAll('[data-testid=connection]').length > 0`);
  const seen = `() => ({ ports: window.__stolen, commands: window.__commands })`;
  assert.deepEqual(await s.pageEval(seen), { ports: 0, commands: [] }, 'the page caught no port and read no command');
  await panel.waitRow('real-hello', 'received');
  await panel.composeAndSend('from-panel');
  await s.waitForPage(`() => window.__received.includes('from-panel')`);
  await panel.waitRow('from-panel', 'received');
  assert.deepEqual(await s.pageEval(seen), { ports: 0, commands: [] }, 'nor the send command');
  // had it caught one, its fake socket and its seq 1e12 would be in the log: neither is, and later frames show
  assert.ok(!(await panel.socketUrls()).includes('wss://stolen.example/'), `no socket the page made up: ${JSON.stringify(await panel.socketUrls())}`);
  await s.pageEval(`() => { window.__ws.send('after-the-attempt'); return true; }`);
  await panel.waitRow('after-the-attempt', 'received');
  const seqs = await panel.eval(`(w) => w.__wsLens.store.log.frames.map((f) => f.seq)`);
  assert.ok(seqs.every((q) => q < 1000), `only the hook's own seqs: ${JSON.stringify(seqs)}`);
});

/** 3. The page says it is another origin (over a forged or a stolen channel): the panel keeps the page's own rules. */
scenario("trust: a page cannot claim another origin's saved rules", async (s, panel, { origin }) => {
  const bank = 'rules:https://bank.example';
  const rule = { id: 'rbank', name: 'bank-secret-rule', enabled: true, url: '', direction: 'sent', matchType: 'text', match: 'iban', matchValue: '', action: 'drop', find: '', replace: '', ms: 500, reply: '', alsoSend: false };
  for (const via of ['forged', 'stolen']) {
    const url = `${origin}/trust-other-origin.html?via=${via}`;
    await s.goto(url);
    if (via === 'forged') {
      await s.openPanel();
      // the bank's rules, saved as the panel saves them (per origin, in extension storage)
      const stored = await panel.eval(
        `async (w, key, text) => { const api = (w.browser || w.chrome).storage.local; await api.set(w.JSON.parse(text)); return w.JSON.stringify(await api.get(key)); }`,
        bank,
        JSON.stringify({ [bank]: { drafts: [rule], on: true, holdTimeoutMs: 30000 } }),
      );
      assert.match(stored, /bank-secret-rule/, 'the bank rule is in storage');
    }
    // the panel knows this document and has subscribed (to the real hook, or, on a broken build, to the page)
    await waitFor(
      async () =>
        (await panel.eval(`(w, url) => [...w.__wsLens.store.log.docs.values()].some((d) => d.url === url && !d.gone) && w.__wsLens.store.rulesOrigin`, url)) &&
        ((await s.pageEval(`() => window.__commands.length > 0`)) ||
          (await panel.eval(`(w) => w.__wsLens.store.log.frames.some((f) => f.preview === 'real-hello' && f.direction === 'received')`))),
      { message: `the panel to follow ${url}` },
    );
    await s.pageEval(`() => { window.__claim(); return true; }`);
    await pause(1000); // what must not happen: the panel switching origin and loading the bank's rules
    assert.equal(await panel.eval(`(w) => w.__wsLens.store.rulesOrigin`), origin, `${via}: the rules origin is the page's own`);
    await panel.click('tab-rules');
    const pane = await panel.text('rules');
    assert.ok(pane.includes(`for ${origin}`) && !pane.includes('bank-secret-rule'), `${via}: the Rules tab shows this origin's rules only: ${pane}`);
    const seen = await s.pageEval(`() => window.__commands.map((c) => c && c.cmd + (JSON.stringify(c).includes('bank-secret-rule') ? ' with the bank rule' : ''))`);
    assert.ok(!seen.some((c) => /^rules/.test(c)), `${via}: the page got no rules command: ${JSON.stringify(seen)}`);
    await panel.click('tab-detail');
  }
});

/** 4. Received ArrayBuffers the page transfers away or rewrites: the log keeps what the socket carried. */
scenario('trust: received buffers the page transfers or rewrites are logged as they came', async (s, panel, { origin }) => {
  await s.goto(`${origin}/trust-transfer.html`);
  await s.waitForPage(`() => window.__got.moved.length === 2 && window.__got.rewritten.length === 2`);
  const received = `(w) => w.__wsLens.store.log.frames.filter((f) => f.direction === 'received' && f.payload).map((f) => w.__wsLens.store.log.sockets.get(f.socketKey).url.split('?')[1] + ' ' + f.payload.type + ' ' + f.payload.data)`;
  const b64 = (...bytes) => Buffer.from(bytes).toString('base64');
  const first = [`moved binary ${b64(1, 2, 3, 4, 5)}`, `moved binary ${b64(6, 7, 8)}`, `rewritten binary ${b64(9, 10, 11, 12)}`, `rewritten binary ${b64(13, 14)}`];
  const more = [`moved binary ${b64(21, 22, 23)}`, `rewritten binary ${b64(31, 32, 33)}`];
  const errors = () => s.pageEval(`() => window.__errors`);
  const allShown = async (n) => {
    try {
      return await panel.waitFor(`(w) => { const r = (${received})(w); return r.length >= ${n} && r; }`);
    } catch (e) {
      throw new Error(`${e.message}\n    shown: ${JSON.stringify(await panel.eval(received))}\n    page errors: ${JSON.stringify(await errors())}`);
    }
  };
  // opened after the traffic: the page ring replays it
  await s.openPanel();
  assert.deepEqual((await allShown(4)).sort(), [...first].sort(), 'the bytes each socket carried, not detached or rewritten ones');
  // and the panel keeps following: frames after the transfers show too
  await s.pageEval(`() => { window.__more(); return true; }`);
  assert.deepEqual((await allShown(6)).sort(), [...first, ...more].sort());
  assert.deepEqual(await s.pageEval(`() => window.__got`), { moved: ['1,2,3,4,5', '6,7,8', '21,22,23'], rewritten: ['9,10,11,12', '13,14', '31,32,33'] }, 'the page got them too');
  assert.deepEqual(await errors(), [], 'no error reached the page');
});

/**
 * 5. A cross-origin frame answers every request id (success, and 'FORGED' for every payload) while the top page is
 * busy: the panel takes only the answer of the document it asked.
 */
scenario("trust: another frame's answers settle nothing", async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await s.goto(`${origin}/trust-answers.html`);
  await s.openPanel();
  await s.waitForPage(`() => window.__echoed`);
  await panel.waitFor(`(w) => w.__wsLens.store.log.frames.some((f) => f.direction === 'received' && f.payload && f.payload.truncated)`);
  await panel.clickRow('xxxxxxxxxx', 'received');
  await panel.waitFor(`(w) => !!w.document.querySelector('[data-testid=load-full]')`);
  // the top page is busy for 3 s from 300 ms on: its hook can answer only after that; the frame answers all along.
  // (3 s, not 2: the scenario failed once in CI with its output not kept; timing is what a loaded machine varies.)
  // (No waitFor can look into a busy page: a pause lets the busy spell begin before the request goes. The spell
  // starts on a timer because Firefox's Marionette answers the pageEval only after a 0 ms timer has run.)
  await s.pageEval(`() => { window.__busyAfter(300, 3000); return true; }`);
  await pause(600);
  await panel.click('load-full');
  const shown = await panel.waitFor(
    `(w) => { const t = w.document.querySelector('[data-testid=detail-text]'); const x = t && t.textContent; return (x === 'FORGED' || (x && x.length >= 40000)) && { length: x.length, tail: x.slice(-6) }; }`,
    { timeout: 15000 },
  );
  assert.deepEqual(shown, { length: 40003, tail: 'xxxEND' }, "the real full payload, not the other frame's");

  // the page closes its socket and stays busy, so the panel has not heard of it when it sends
  await panel.type('composer-input', 'after-close');
  await panel.waitFor(`(w) => !w.document.querySelector('[data-testid=composer-send]').disabled`);
  await s.pageEval(`() => { window.__busyAfter(300, 3000, () => window.__ws.close()); return true; }`);
  await pause(600);
  await panel.click('composer-send');
  const said = await waitFor(async () => (await panel.notices()).find((n) => /not sent|closed|closing/i.test(n)), {
    timeout: 10000,
    message: 'the error notice for a send on a closed socket (a forged success shows none)',
  });
  assert.match(said, /not sent|closed|closing/i);
  assert.deepEqual(got('after-close'), [], 'nothing went out');
});

/** 6. Events the page dispatches on its own socket are the page's: the socket stays open and drivable. */
scenario("trust: page-dispatched close and message events are not the server's", async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await s.goto(`${origin}/trust-page-events.html`);
  await s.openPanel();
  await panel.waitRow('real-hello', 'received');
  await s.pageEval(`() => { window.__forge(); return true; }`);
  await panel.waitRow('page-made');
  const [c] = await panel.conns();
  assert.equal(c.state, 'open', 'a close the page dispatched does not close the socket');
  const row = await panel.eval(`(w) => { const r = [...w.document.querySelectorAll('[data-testid=frame]')].find((r) => r.textContent.includes('page-made')); return { kind: r.dataset.kind, origin: r.dataset.origin || null, direction: r.dataset.direction }; }`);
  assert.deepEqual({ kind: row.kind, origin: row.origin }, { kind: 'page', origin: 'page' }, `the page-made message is marked as the page's: ${JSON.stringify(row)}`);
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame][data-direction=event]')].some((r) => r.textContent.includes('dispatched by the page') && r.textContent.includes('close'))`);
  // the socket is still the panel's to drive
  await panel.composeAndSend('still-open');
  await s.waitForPage(`() => window.__received.includes('still-open')`);
  await panel.waitRow('still-open', 'received');
  assert.deepEqual(got(''), ['real-hello', 'still-open']);
  assert.equal(await panel.eval(`(w) => w.document.querySelector('[data-testid=connection]').dataset.state`), 'open');
});

/** 7. Accessors on Object.prototype and Array.prototype: WS Lens never runs them, and the page's lie changes nothing. */
scenario('trust: prototype accessors the page plants never run', async (s, panel, { origin }) => {
  await s.goto(`${origin}/trust-proto-accessors.html`);
  await s.openPanel();
  await s.pageEval(`() => window.__plant()`);
  await s.pageEval(`() => window.__run()`);
  await s.waitForPage(`() => window.__got().includes('bytes 7,7,7')`);
  // the hook posts within a few ms: the frames reach the panel, or the page's counters say why they cannot
  await waitFor(
    async () =>
      (await s.pageEval(`() => window.__hits() !== ''`)) ||
      (await panel.eval(`(w) => w.__wsLens.store.log.frames.some((f) => f.direction === 'received' && f.preview === 'p7-text')`)),
    { message: 'the echo in the panel, or a count in the page' },
  );
  assert.equal(await s.pageEval(`() => window.__hits()`), '', 'no accessor of the page ran while the page used its socket');
  await panel.waitRow('p7-text', 'received');
  await panel.composeAndSend('from-panel');
  await s.waitForPage(`() => window.__got().includes('from-panel')`);
  await panel.type('composer-input', 'injected-here');
  await panel.click('composer-inject');
  await s.waitForPage(`() => window.__got().includes('injected-here')`);
  await s.pageEval(`() => { window.__ws.close(); return true; }`);
  await s.waitForPage(`() => window.__got().includes('close')`);
  await panel.waitRow('close 1005', 'event');
  const frames = await panel.eval(`(w) => w.__wsLens.store.log.frames.filter((f) => f.payload).map((f) => f.direction + ' ' + (f.payload.type === 'text' ? f.payload.data : f.payload.type + ' ' + f.payload.data) + (f.origin ? ' (' + f.origin + ')' : ''))`);
  assert.deepEqual(frames, ['sent p7-text', 'sent binary BwcH', 'received p7-text', 'received binary BwcH', 'sent from-panel (panel)', 'received from-panel', 'received injected-here (injected)']);
  assert.deepEqual(await panel.socketUrls(), [`${origin.replace('http', 'ws')}/echo`], "the real url, not the page's lie");
  assert.equal(await s.pageEval(`() => window.__snapshot()`), `hits:  ; errors:  ; got: p7-text | bytes 7,7,7 | from-panel | injected-here | close 1005`);
});

/** 8. The creation stack the panel shows starts at the page's own function: no frame of the hook's. */
scenario("trust: the creation stack starts at the page's code", async (s, panel, { origin }) => {
  await s.goto(`${origin}/trust-stack.html`);
  await s.openPanel();
  await panel.waitFor(`(w) => w.__wsLens.store.log.sockets.size === 1`);
  const stack = await panel.eval(`(w) => [...w.__wsLens.store.log.sockets.values()][0].stack`);
  // (the store has the socket a render before the list shows it)
  const title = (await panel.waitFor(`(w) => w.document.querySelector('[data-testid=connection]')?.title`)).split('\n');
  const lines = stack.split('\n');
  assert.ok(!/extension:\/\/|<anonymous code>|hook\.js/.test(stack), `no hook frame:\n${stack}`);
  assert.match(lines[0], /openTheSocket.*trust-stack\.html/, `the first frame is the page's own function:\n${stack}`);
  assert.match(lines[1], /pageStartsUp.*trust-stack\.html/, `then its caller:\n${stack}`);
  assert.deepEqual(title.slice(2, 4), lines.slice(0, 2), 'the connection row shows the same');
});

/** 9. send(obj) converts obj once: the page's toString runs once, and the panel shows what the server got. */
scenario('trust: send(object) converts it once', async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await s.goto(`${origin}/trust-send-once.html`);
  await s.openPanel();
  await panel.waitFor(`(w) => w.document.querySelector('[data-testid=connection]')?.dataset.state === 'open'`);
  assert.equal(await s.pageEval(`() => window.__sendObject()`), 1, "the page's toString ran once");
  await s.waitForPage(`() => window.__received.includes('v1')`);
  assert.deepEqual(got('v'), ['v1'], 'the server got v1');
  await panel.waitRow('v1', 'received');
  const sent = await panel.eval(`(w) => w.__wsLens.store.log.frames.filter((f) => f.direction === 'sent').map((f) => f.payload.data)`);
  assert.deepEqual(sent, ['v1'], 'the panel shows the frame that went out');
});

/**
 * 10. A page's capturing listeners on its socket run before any other in Firefox (the DOM standard's order at the
 * target) and stop every event: the hook still records each one, and a frame a rule drops never reaches them.
 */
scenario("trust: a page's capturing listener neither blinds the hook nor gets a dropped frame", async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await s.goto(`${origin}/trust-capture-listener.html`);
  await s.openPanel();
  await panel.waitRow('blind-me', 'received');
  await panel.waitRow('open', 'event');
  await panel.addRule({ direction: 'received', 'match-type': 'text', match: 'dropped-here', action: 'drop' });
  await s.pageEval(`() => { window.__ws.send('dropped-here'); window.__ws.send('after-drop'); return true; }`);
  await s.waitForPage(`() => window.__seen.includes('message after-drop')`);
  await panel.waitRowRule('dropped-here', 'received', 'dropped');
  await panel.waitRow('after-drop', 'received');
  await s.pageEval(`() => { window.__ws.close(4001, 'bye'); return true; }`);
  await s.waitForPage(`() => window.__seen.includes('close 4001')`);
  await panel.waitRow('close 4001', 'event');
  assert.deepEqual(got(''), ['blind-me', 'dropped-here', 'after-drop']);
  assert.deepEqual(await s.pageEval(`() => window.__seen`), ['open', 'message blind-me', 'message after-drop', 'close 4001'], 'the page saw every event but the dropped frame');
});
