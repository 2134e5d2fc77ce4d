// Chaos rules (issue 19): jitter, loss, duplicate, disconnect, server down and offline, each proven at the page (its
// own handlers see the loss, the close code, the failed reconnects) and at the server where it applies.
import assert from 'node:assert/strict';
import net from 'node:net';
import { waitFor } from './lib/sessions.mjs';
import { pause, wireFrom } from './lib/panel.mjs';
import { scenario } from './lib/suite.mjs';

async function openChaosPage(s, panel, origin) {
  await s.goto(`${origin}/chaos.html`);
  await s.openPanel();
  await panel.waitFor((w) => w.document.querySelector('[data-testid=connection]')?.dataset.state === 'open');
}

const acks = (panel) => panel.eval((w) => Number(w.document.querySelector('[data-testid=rules]')?.dataset.acks ?? 0));
/** what the page's handlers saw of socket `name` */
const pageLog = (s, name) => s.pageEval(`(name) => window.__log.filter((e) => e.name === name)`, name);
const received = (s, name) => s.pageEval(`(name) => window.__received(name)`, name);

/** A port on 127.0.0.1 that nothing listens on: connecting to it is a real refused connection. */
function closedPort() {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** An attempt as the page saw it, without its times: what a refused connection must look like. */
const shape = (attempt) => ({ stateAfterNew: attempt.stateAfterNew, events: attempt.events.map(({ type, state, trusted, ctor, bubbles, cancelable, code, reason, wasClean, isCloseEvent }) => ({ type, state, trusted, ctor, bubbles, cancelable, code, reason, wasClean, isCloseEvent })) });

scenario('chaos: loss drops a seeded share of frames, the same ones in every run', async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await openChaosPage(s, panel, origin);
  await panel.addRule({ direction: 'received', 'match-type': 'text', match: 'L-', action: 'loss', percent: 50, seed: 4242 });
  const frames = (run) => Array.from({ length: 20 }, (_, i) => `L-${run}${i};`);
  const lostIn = async (run) => {
    await s.pageEval(`(f) => window.__send('main', ...f, 'end-${run}')`, frames(run));
    await s.waitForPage(`() => window.__received('main').includes('end-${run}')`);
    const seen = (await received(s, 'main')).filter((m) => m.startsWith(`L-${run}`));
    return frames(run).flatMap((f, i) => (seen.includes(f) ? [] : [i]));
  };
  const first = await lostIn('a');
  assert.ok(first.length > 2 && first.length < 18, `about half lost: ${first.length} of 20 (${first})`);
  assert.equal(got('L-a').length, 20, 'the server sent every frame: the loss was on the way to the page');
  // the page's own handler saw the browser's events for the frames that came through
  assert.ok((await pageLog(s, 'main')).filter((e) => e.type === 'message').every((e) => e.trusted));
  await panel.waitRowRule(`L-a${first[0]};`, 'received', 'lost');

  // the same seed, a new run (a reload): the same frames are lost
  const before = await acks(panel);
  await s.goto(`${origin}/chaos.html`);
  await panel.waitFor(`(w) => Number(w.document.querySelector('[data-testid=rules]')?.dataset.acks) > ${before}`);
  await s.waitForPage(`() => window.__log.some((e) => e.name === 'main' && e.type === 'open')`);
  assert.deepEqual(await lostIn('b'), first, 'the same seed loses the same frames');

  // sent frames: the server never gets the lost ones, and the page's echoes are exactly what it got
  await panel.addRule({ direction: 'sent', 'match-type': 'text', match: 'S-', action: 'loss', percent: 30, seed: 7 });
  const sent = Array.from({ length: 20 }, (_, i) => `S-${i};`);
  await s.pageEval(`(f) => window.__send('main', ...f, 'end-s')`, sent);
  await s.waitForPage(`() => window.__received('main').includes('end-s')`);
  const wire = got('S-');
  assert.ok(wire.length > 5 && wire.length < 20, `some sent frames lost: ${20 - wire.length} of 20`);
  assert.deepEqual((await received(s, 'main')).filter((m) => m.startsWith('S-')), wire);
  const lostSent = sent.find((f) => !wire.includes(f));
  // (the table draws only the rows in view: the filter brings the frame into it)
  await panel.type('filter-input', lostSent);
  await panel.waitRowRule(lostSent, 'sent', 'lost');
  await panel.type('filter-input', '');
});

scenario('chaos: duplicate and jitter, in order, proven at the server and the page', async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await openChaosPage(s, panel, origin);
  await panel.addRule({ direction: 'sent', 'match-type': 'text', match: 'D-', action: 'duplicate', percent: 100 });
  await panel.addRule({ direction: 'received', 'match-type': 'text', match: 'E-', action: 'duplicate', percent: 100 });
  await panel.addRule({ direction: 'received', 'match-type': 'text', match: 'J-', action: 'jitter', 'min-ms': 150, ms: 400, seed: 99 });
  const jitter = Array.from({ length: 6 }, (_, i) => `J-${i};`);
  const sentAt = await s.pageEval(`(j) => { const t = performance.now(); window.__send('main', 'D-1;', 'E-1;', ...j, 'end'); return t; }`, jitter);
  await s.waitForPage(`() => window.__received('main').includes('end')`);
  assert.deepEqual(got('D-'), ['D-1;', 'D-1;'], 'a duplicated sent frame reaches the server twice');
  assert.deepEqual(got('E-'), ['E-1;'], 'a received frame duplicated reached the server once');
  const log = (await pageLog(s, 'main')).filter((e) => e.type === 'message');
  assert.deepEqual(
    log.map((e) => e.data),
    ['D-1;', 'D-1;', 'E-1;', 'E-1;', ...jitter, 'end'],
    'the page got both copies, and the jittered frames in order, with the frame behind them after them',
  );
  const e1 = log.filter((e) => e.data === 'E-1;');
  assert.equal(e1[0].trusted, true, "the original is the browser's own event; the copy follows it");
  for (const e of log.filter((e) => e.data.startsWith('J-'))) assert.ok(e.at - sentAt >= 140, `${e.data} delayed ${Math.round(e.at - sentAt)} ms (at least 150 from its arrival)`);
  await panel.waitRowRule('D-1;', 'sent', 'duplicated');
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame]')].filter((r) => r.textContent.includes('D-1;') && r.dataset.direction === 'sent').map((r) => r.dataset.rule).join() === 'duplicated,duplicate'`);
  await panel.waitRowRule('E-1;', 'received', 'duplicated');
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame]')].filter((r) => r.textContent.includes('J-') && r.dataset.direction === 'received').every((r) => /^\\+\\d+ ms$/.test(r.dataset.rule || '') && Number(r.dataset.rule.slice(1, -3)) >= 150)`);
});

scenario('chaos: disconnect after N frames closes as the network would (1006, not clean), the server sees it close', async (s, panel, { origin, server }) => {
  await openChaosPage(s, panel, origin);
  await s.pageEval(`() => { window.__reconnect = false; }`);
  await panel.addRule({ direction: 'received', 'match-type': 'text', match: 'N-', action: 'disconnect', after: 'frames', count: 3, code: 1006 });
  await s.pageEval(`() => window.__send('main', 'N-1;', 'N-2;', 'N-3;', 'N-4;', 'N-5;')`);
  await s.waitForPage(`() => window.__log.some((e) => e.name === 'main' && e.type === 'close')`);
  const log = await pageLog(s, 'main');
  assert.deepEqual(await received(s, 'main'), ['N-1;', 'N-2;', 'N-3;'], 'the page got three frames, then nothing');
  assert.equal(log.filter((e) => e.type === 'error').length, 0, 'a dropped connection fires no error (as measured in both browsers)');
  const close = log.find((e) => e.type === 'close');
  assert.deepEqual(
    { code: close.code, reason: close.reason, wasClean: close.wasClean, state: close.state, isCloseEvent: close.isCloseEvent, ctor: close.ctor, bubbles: close.bubbles, cancelable: close.cancelable },
    { code: 1006, reason: '', wasClean: false, state: 3, isCloseEvent: true, ctor: 'CloseEvent', bubbles: false, cancelable: false },
  );
  assert.equal(await s.pageEval(`() => window.__sockets.main.readyState`), 3);
  await waitFor(() => server.connections('/echo').filter((c) => c.query === '?main').at(-1).close, { message: 'the server to see the real socket close' });
  assert.equal(server.connections('/echo').filter((c) => c.query === '?main').at(-1).close.code, 1005, 'closed for real, with no code (a browser cannot send 1006)');
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame]')].some((r) => r.dataset.direction === 'event' && r.textContent.includes('close 1006') && r.dataset.rule === 'disconnect 1006')`);
  await panel.waitRowRule('N-3;', 'received', 'then disconnect');
  await panel.waitFor((w) => w.document.querySelector('[data-testid=connection][data-chaos=closed]'));
});

scenario("chaos: disconnect after T seconds with a server's code and reason", async (s, panel, { origin, server }) => {
  await openChaosPage(s, panel, origin);
  await s.pageEval(`() => { window.__reconnect = false; }`);
  await panel.addRule({ url: '?timed', action: 'disconnect', after: 'seconds', seconds: 1, code: 4001, reason: 'chaos-timed' });
  await s.pageEval(`() => window.__open('timed', '/echo?timed')`);
  await s.waitForPage(`() => window.__log.some((e) => e.name === 'timed' && e.type === 'close')`, { timeout: 5000 });
  const log = await pageLog(s, 'timed');
  const open = log.find((e) => e.type === 'open');
  const close = log.find((e) => e.type === 'close');
  assert.ok(close.at - open.at >= 950, `closed ${Math.round(close.at - open.at)} ms after open`);
  assert.deepEqual({ code: close.code, reason: close.reason, wasClean: close.wasClean, state: close.state }, { code: 4001, reason: 'chaos-timed', wasClean: true, state: 3 });
  await waitFor(() => server.connections('/echo').find((c) => c.query === '?timed')?.close, { message: 'the server to see the close' });
  assert.deepEqual(
    (({ code, reason }) => ({ code, reason }))(server.connections('/echo').find((c) => c.query === '?timed').close),
    { code: 4001, reason: 'chaos-timed' },
    'a code the page could send reaches the server',
  );
  assert.equal(await s.pageEval(`() => window.__sockets.main.readyState`), 1, 'a socket the rule does not name stays open');
});

scenario('chaos: server down refuses new sockets as a refused connection fails; the reconnects show', async (s, panel, { origin, server, browserName }) => {
  const port = await closedPort();
  await openChaosPage(s, panel, origin);
  // the reference: a real refused connection in this browser, as the page sees it
  await s.pageEval(`(p) => window.__watch('ws://127.0.0.1:' + p + '/x', 'real')`, port);
  await s.waitForPage(`() => window.__log.some((e) => e.name === 'real' && e.type === 'close')`);
  const real = (await s.pageEval(`() => window.__attempts.find((a) => a.name === 'real')`));

  const savedFrom = Date.now();
  await panel.addRule({ url: '/echo?main', action: 'server-down', seconds: 3 });
  await pause(200);
  assert.equal(await s.pageEval(`() => window.__sockets.main.readyState`), 1, 'an open socket stays open: only new ones fail');
  const downFrom = Date.now();
  await s.pageEval(`() => window.__sockets.main.close()`);
  // the client reconnects every 300 ms; the first that opens is after the 3 s
  await s.waitForPage(`() => window.__log.filter((e) => e.name === 'main' && e.type === 'open').length === 2`, { timeout: 15000 });
  const attempts = (await s.pageEval(`() => window.__attempts.filter((a) => a.name === 'main')`)).slice(1);
  const refused = attempts.slice(0, -1);
  assert.ok(refused.length >= 2, `${refused.length} refused attempts before the server came back`);
  const url = `${origin.replace('http', 'ws')}/echo?main`;
  for (const a of refused) {
    assert.equal(a.url, url, "a refused socket's url is the page's own");
    assert.deepEqual(shape(a), shape(real), `a refused attempt looks as a real refused connection does in ${browserName}`);
    // Firefox delays a failed socket's reconnects to the same host and port (400 ms, then more, as for a real refused
    // port: measured); Chromium fails each at once
    const limit = a === refused[0] || browserName === 'chromium' ? 1000 : 5000;
    assert.ok(a.events[0].since < limit, `it failed ${Math.round(a.events[0].since)} ms after it was made (the real one: ${Math.round(real.events[0].since)} ms)`);
  }
  const times = attempts.map((a) => a.wall - savedFrom);
  assert.ok(times.at(-1) >= 2950 && refused.at(-1).wall - savedFrom < 3600, `down for the rule's 3 s from its saving: attempts at ${times} ms`);
  const conns = server.connections('/echo').filter((c) => c.query === '?main' && c.at >= downFrom);
  assert.equal(conns.length, 1, 'the server saw no connection while it was down, only the one after');

  await panel.click('tab-rules');
  await panel.waitFor(`(w) => Number(w.document.querySelector('[data-testid=rule-attempts]')?.dataset.refused) === ${refused.length}`);
  const line = await panel.text('rule-attempts');
  assert.match(line, new RegExp(`^${refused.length} refused at 0\\.0, `), line);
  await panel.waitFor(`(w) => w.document.querySelectorAll('[data-testid=connection][data-chaos=refused]').length === ${refused.length}`);
  // one of them: its created, error and close rows each carry the mark
  await panel.eval((w) => (w.document.querySelector('[data-testid=connection][data-chaos=refused]').click(), true));
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame]')].map((r) => r.dataset.direction + ':' + r.dataset.rule).join() === 'event:refused,event:refused,event:refused'`);
  await panel.waitFor((w) => w.document.querySelector('[data-testid=rule-down-status]')?.dataset.down === 'false');
  // the page's view of its sockets: url still reads natively for the others, and the getter looks native
  const looks = await s.pageEval(`() => ({ now: window.__urlGetterNow(), before: window.__urlGetter, mainUrl: window.__sockets.main.url })`);
  assert.deepEqual(looks.now, looks.before, 'the url getter reads as the native one did (text, name, error on the prototype)');
  assert.equal(looks.mainUrl, url);
});

scenario('chaos: offline drops every open socket, refuses new ones, until switched back', async (s, panel, { origin, server }) => {
  await openChaosPage(s, panel, origin);
  await s.pageEval(`() => window.__open('second', '/echo?second')`);
  await s.waitForPage(`() => window.__log.some((e) => e.name === 'second' && e.type === 'open')`);
  const from = Date.now();
  await panel.click('tab-rules');
  await panel.click('offline');
  for (const name of ['main', 'second']) {
    await s.waitForPage(`() => window.__log.some((e) => e.name === '${name}' && e.type === 'close')`);
    const close = (await pageLog(s, name)).find((e) => e.type === 'close');
    assert.deepEqual({ code: close.code, reason: close.reason, wasClean: close.wasClean, state: close.state }, { code: 1006, reason: '', wasClean: false, state: 3 }, `${name} dropped`);
    await waitFor(() => server.connections('/echo').find((c) => c.query === `?${name}`)?.close, { message: `the server to see ${name} close` });
  }
  // the reconnects fail while offline, and reach nothing
  await s.waitForPage(`() => window.__attempts.filter((a) => a.name === 'main').length >= 3`, { timeout: 10000 });
  await pause(300);
  assert.equal(server.connections('/echo').filter((c) => c.at >= from).length, 0, 'no connection reached the server while offline');
  const failed = (await s.pageEval(`() => window.__attempts.filter((a) => a.name === 'main')`)).slice(1, -1);
  for (const a of failed) assert.deepEqual(a.events.map((e) => `${e.type}:${e.code ?? ''}:${e.state}`), ['error::3', 'close:1006:3']);
  await panel.waitFor(`(w) => Number(w.document.querySelector('[data-testid=offline-status]')?.dataset.closed) === 2 && Number(w.document.querySelector('[data-testid=offline-status]').dataset.refused) >= 2`);

  // back online: the client's next attempts connect
  await panel.click('offline');
  for (const name of ['main', 'second']) await s.waitForPage(`() => window.__log.filter((e) => e.name === '${name}' && e.type === 'open').length === 2`, { timeout: 10000 });
  assert.deepEqual(server.connections('/echo').filter((c) => c.at >= from).map((c) => c.query).sort(), ['?main', '?second']);
});

scenario('chaos: everything chaos does is released when the panel closes', async (s, panel, { origin, server }) => {
  const got = wireFrom(server);
  await openChaosPage(s, panel, origin);
  // a jittered frame waiting its 20-30 s goes on as it was when the panel closes
  await panel.addRule({ direction: 'sent', 'match-type': 'text', match: 'slow-', action: 'jitter', 'min-ms': 20000, ms: 30000 });
  await s.pageEval(`() => window.__send('main', 'slow-1;')`);
  await pause(300);
  assert.deepEqual(got('slow-'), []);
  await s.reopenPanel();
  await waitFor(() => got('slow-').length === 1, { message: 'the jittered frame to go out when the panel closed' });
  await panel.waitRowRule('slow-1;', 'sent', 'released');

  // offline ends with the panel (the switch is never kept), and the client's next attempt connects
  await panel.click('tab-rules');
  await panel.click('offline');
  await s.waitForPage(`() => window.__attempts.filter((a) => a.name === 'main').length >= 3`, { timeout: 10000 });
  const from = Date.now();
  await s.reopenPanel();
  await s.waitForPage(`() => window.__log.filter((e) => e.name === 'main' && e.type === 'open').length === 2`, { timeout: 10000 });
  assert.ok(server.connections('/echo').some((c) => c.at >= from && c.query === '?main'), 'the server saw the client connect again');
  await panel.waitFor((w) => w.document.querySelector('[data-testid=tab-rules]') && (w.document.querySelector('[data-testid=tab-rules]').click(), true));
  await panel.waitFor((w) => w.document.querySelector('[data-testid=offline]')?.checked === false);
});
