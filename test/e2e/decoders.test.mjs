// Real client libraries against their real servers: they work unchanged, and their protocols are decoded.
import assert from 'node:assert/strict';
import { waitFor } from './lib/sessions.mjs';
import { scenario } from './lib/suite.mjs';

/** Real client libraries, unchanged, against their real servers: they work and their frames are shown. */
scenario('socket.io-client and graphql-ws work unchanged and are captured', async (s, panel, { origin }) => {
  await s.goto(`${origin}/libraries.html`);
  await s.openPanel();
  const results = await s.waitForPage(
    `() => { const r = window.__results; return r.socketio.length >= 2 && r.graphql.includes('complete') && r.graphql.includes('Hello, WS Lens!') && r; }`,
    { timeout: 15000 },
  );
  assert.deepEqual([...results.socketio].sort(), ['ack:hi from socket.io', 'echo: hi from socket.io']);
  assert.deepEqual(results.graphql.filter((x) => x.startsWith('countdown')), ['countdown:3', 'countdown:2', 'countdown:1', 'countdown:0']);
  // Engine.IO packets ("42[...]" event, "43" ack) and graphql-ws messages, both directions
  await panel.waitRow('420["chat message","hi from socket.io"]', 'sent'); // event with ack id 0
  await panel.waitRow('42["chat message","echo: hi from socket.io"]', 'received');
  await panel.waitRow('430[{"received":"hi from socket.io"}]', 'received'); // the ack
  await panel.waitRow('"type":"connection_init"', 'sent');
  await panel.waitRow('"type":"complete"', 'received');
  const urls = (await panel.conns()).map((c) => c.url);
  assert.ok(urls.some((u) => u.includes('/socket.io/?EIO=4&transport=websocket')), urls.join(' '));
  assert.ok(urls.some((u) => u.endsWith('/graphql')), urls.join(' '));
  const gql = (await panel.conns()).find((c) => c.url.endsWith('/graphql'));
  assert.match(gql.text, /graphql-transport-ws/, 'negotiated subprotocol shown');
});

/**
 * Six real client libraries against their real servers: each socket's protocol is recognised, its frames get
 * summaries, the filter finds frames by decoded fields their raw text lacks, a response leads to its request, and
 * "decode as" switches a socket to raw and back.
 */
scenario('protocol decoders on real Socket.IO, GraphQL, JSON-RPC, MQTT and STOMP traffic', async (s, panel, { origin }) => {
  await s.goto(`${origin}/protocols.html`);
  await s.openPanel();
  const results = await s.waitForPage(`() => { const r = window.__results; return ['socketio', 'graphql', 'legacy', 'rpc', 'mqtt', 'mqtt5', 'stomp'].every((k) => k in r) && r; }`, { timeout: 20000 });
  assert.deepEqual(results, {
    socketio: ['hi from socket.io', 4],
    graphql: true,
    legacy: true,
    rpc: [6, 'Method not found'],
    mqtt: 'lens/room1',
    mqtt5: ['lens5/room', 'text/plain'],
    stomp: 'echo: hi stomp',
  });
  const expected = {
    '/socket.io/?EIO=4&transport=websocket': 'socketio',
    '/graphql': 'graphql-ws',
    '/graphql-legacy': 'subscriptions-transport-ws',
    '/rpc': 'json-rpc',
    '/mqtt': 'mqtt',
    '/mqtt5': 'mqtt',
    '/stomp': 'stomp',
  };
  // the page can be done before the panel has every socket: wait for all of them
  const detectedSrc = `(w) => Object.fromEntries([...w.document.querySelectorAll('[data-testid=connection]')].map((c) => [new URL(c.dataset.url).pathname + new URL(c.dataset.url).search, c.querySelector('[data-testid=decode-as]').dataset.protocol]))`;
  const detected = await waitFor(
    async () => {
      const d = await panel.eval(detectedSrc);
      return Object.keys(d).length >= Object.keys(expected).length && d;
    },
    { message: 'every socket in the panel' },
  );
  assert.deepEqual(detected, expected);

  /** the summaries of one socket's frames that the filter keeps */
  const summaries = async (suffix, filter, want) => {
    await panel.selectSocket(suffix);
    await panel.type('filter-input', filter);
    return waitFor(
      async () => {
        const shown = await panel.shownFrames();
        return want.every((re) => shown.some((r) => re.test(r.summary))) && shown;
      },
      { message: `${suffix} rows for "${filter}" with ${want.join(', ')}`, timeout: 10000 },
    ).catch(async (e) => {
      throw new Error(`${e.message}\nshown: ${JSON.stringify(await panel.shownFrames())}`);
    });
  };
  // the ack is found by its event's name, which only the decoder knows
  let shown = await summaries('/socket.io/?EIO=4&transport=websocket', 'chat message', [/^event: chat message · ack 0/, /^ack 0 · chat message/]);
  assert.ok(shown.some((r) => r.dir === 'received' && /^ack 0/.test(r.summary) && !r.text.includes('chat message')));
  // a binary attachment is its own frame on the wire, joined to its event
  shown = await summaries('/socket.io/?EIO=4&transport=websocket', 'upload', [/^event: upload · ack 1 · 1 attachment/, /^attachment 1\/1 · upload/, /^ack 1 · upload/]);
  assert.ok(shown.some((r) => /^attachment/.test(r.summary) && r.text === 'Binary, 4 bytes'));
  await summaries('/graphql', 'Countdown', [/^subscribe #\S+ Countdown/, /^next #\S+ Countdown/, /^complete #\S+ Countdown/]);
  await summaries('/graphql-legacy', 'LegacyCountdown', [/^start #\S+ LegacyCountdown/, /^data #\S+ LegacyCountdown/]);
  shown = await summaries('/rpc', 'sum', [/^call sum #\d+/, /^result #\d+ · sum/]);
  assert.ok(shown.some((r) => /^result/.test(r.summary) && !r.text.includes('sum')), 'the result row is found by its method');
  await summaries('/rpc', 'Method not found', [/^error -32601 Method not found #\d+ · nope/]);
  shown = await summaries('/mqtt', 'lens/', [/^SUBSCRIBE #\d+ lens\/# QoS 1/, /^PUBLISH lens\/room1 · QoS 1/]);
  assert.ok(shown.some((r) => r.dir === 'received' && /^PUBLISH lens\/room1/.test(r.summary)), 'the broker delivered it back');
  // MQTT 5: the version from CONNECT, and the publish's properties decoded (the filter finds a user property)
  // (binary frames: the raw column says only "Binary, N bytes", so these rows are found by what was decoded)
  await summaries('/mqtt5', 'ws-lens', [/^CONNECT v5 ws-lens-e2e-5/, /^PUBLISH lens5\/room · QoS 1/]);
  await summaries('/mqtt5', 'text/plain', [/^PUBLISH lens5\/room/]);
  await summaries('/stomp', 'topic/echo', [/^SUBSCRIBE \/topic\/echo/, /^MESSAGE \/topic\/echo/]);

  // the detail: a result beside its raw frame, with its round trip, leading to its call
  await summaries('/rpc', 'sum', [/^result #\d+ · sum/]);
  await panel.clickRow('"result":6', 'received');
  await panel.waitFor(`(w) => { const d = w.document.querySelector('[data-testid=detail-decoded]'); return d && d.dataset.protocol === 'json-rpc' && w.document.querySelector('[data-testid=detail-rtt]'); }`);
  const raw = await panel.eval(`(w) => w.document.querySelector('[data-testid=detail] .raw').textContent`);
  assert.match(raw, /result.*6/, 'the raw frame beside it');
  await panel.click('related-frame');
  await panel.waitFor(`(w) => /^call sum/.test(w.document.querySelector('[data-testid=detail-summary]').textContent)`);

  // decode as: raw, then automatic again
  await panel.type('filter-input', '');
  await panel.decodeAs('/rpc', 'none');
  await panel.waitFor(`(w) => { const rows = [...w.document.querySelectorAll('[data-testid=frame-summary]')]; return rows.length > 2 && rows.every((r) => r.textContent === ''); }`);
  await panel.decodeAs('/rpc', 'auto');
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame-summary]')].some((r) => /^call sum/.test(r.textContent))`);
});
