// The newer protocol decoders on real client libraries' traffic, in the real panel: SignalR (JSON and MessagePack),
// Action Cable, Phoenix Channels, SockJS (and STOMP inside it), WAMP (JSON and MessagePack), MessagePack and CBOR.
import assert from 'node:assert/strict';
import { waitFor } from './lib/sessions.mjs';
import { scenario } from './lib/suite.mjs';

/** what each protocol's keep-alive frames are summarised as (the decoders mark exactly these as heartbeats) */
const HEARTBEAT = /^(ping|heartbeat\b.*|reply ok · heartbeat\b.*|\[1\] STOMP heart-beat)$/;

/**
 * Eight sockets of real client libraries: each socket's protocol is recognised (from its handshake or its content), its frames get summaries, a response
 * leads to its request, the filter finds frames by decoded fields their raw text lacks, a binary MessagePack frame
 * is a tree in the detail, and "Hide heartbeats" hides every protocol's keep-alives and shows them again.
 */
scenario('protocol decoders on real SignalR, Action Cable, Phoenix, SockJS, MessagePack and CBOR traffic', async (s, panel, { origin }) => {
  await s.goto(`${origin}/more-protocols.html`);
  await s.openPanel();
  const keys = ['signalr', 'signalrMp', 'cable', 'cableRejected', 'phoenix', 'sockjs', 'stompSockjs', 'msgpack', 'cbor', 'wamp', 'wampMp'];
  const results = await s
    .waitForPage(`() => { const r = window.__results; return (${JSON.stringify(keys)}.every((k) => k in r) || 'pageError' in r) && r; }`, { timeout: 30000 })
    .catch(async (e) => {
      const got = await s.pageEval(`() => window.__results`);
      throw new Error(`${e.message}\nmissing: ${keys.filter((k) => !(k in got)).join(', ')}; results: ${JSON.stringify(got)}`);
    });
  assert.deepEqual(results, {
    signalr: ['hello from signalr', [0, 1, 2], 'ada: hi all'],
    signalrMp: [{ n: 1, text: 'hello msgpack hub' }, [0, 1, 2], 'ada: hi all'],
    cable: { user: 'ann', text: 'hi cable' },
    cableRejected: true,
    phoenix: [['bob', 'carol'], 'ok', 'hi phoenix'],
    sockjs: ['hello sockjs', '{"type":"chat","text":"hi sockjs"}'],
    stompSockjs: 'echo: hi stomp over sockjs',
    msgpack: ['echo', 'hello msgpack'],
    cbor: ['echo', 'hello cbor'],
    wamp: [5, 'hello wamp'],
    wampMp: [5, 'hello wamp'],
  });

  // the socket's path (SockJS's carries a server id and a session id: its prefix is enough) → the protocol detected
  const expected = {
    '/hubs/chat': 'signalr',
    '/hubs/chatmp': 'signalr',
    '/cable': 'actioncable',
    '/socket/websocket': 'phoenix',
    '/sockjs/': 'sockjs',
    '/stomp-sockjs/': 'sockjs',
    '/msgpack': 'msgpack',
    '/cbor': 'cbor',
    '/wamp': 'wamp',
    '/wamp-mp': 'wamp',
  };
  const detectedSrc = `(w) => [...w.document.querySelectorAll('[data-testid=connection]')].map((c) => [new URL(c.dataset.url).pathname, c.querySelector('[data-testid=decode-as]').dataset.protocol, c.querySelector('[data-testid=decode-as]').dataset.how])`;
  const keyOf = (pathname) => (pathname.includes('/websocket') && !pathname.startsWith('/socket/') ? pathname.replace(/\d{3}\/[^/]+\/websocket$/, '') : pathname);
  const detected = await waitFor(
    async () => {
      const d = Object.fromEntries((await panel.eval(detectedSrc)).map(([p, protocol]) => [keyOf(p), protocol]));
      return Object.keys(expected).every((k) => d[k] && d[k] !== 'none') && d;
    },
    { message: 'every socket in the panel, its protocol detected' },
  );
  assert.deepEqual(detected, expected);
  // how: SockJS's session url, Phoenix's /websocket?vsn= and Action Cable's subprotocol say it at the handshake; a
  // SignalR hub reached without negotiation (no ?id=) and the binary formats are known by their first frames
  const how = Object.fromEntries((await panel.eval(detectedSrc)).map(([p, , h]) => [keyOf(p), h]));
  assert.deepEqual(how, {
    '/hubs/chat': 'content',
    '/hubs/chatmp': 'content',
    '/cable': 'handshake',
    '/socket/websocket': 'handshake',
    '/sockjs/': 'handshake',
    '/stomp-sockjs/': 'handshake',
    '/msgpack': 'content',
    '/cbor': 'content',
    // the subprotocol autobahn negotiates, wamp.2.json or wamp.2.msgpack
    '/wamp': 'handshake',
    '/wamp-mp': 'handshake',
  });
  /** the url suffix showSocket picks a socket by: its path (a SockJS session's has its ids) and query (Phoenix's) */
  const socketUrls = await panel.socketUrls();
  const suffix = (key) => {
    const u = new URL(socketUrls.find((x) => keyOf(new URL(x).pathname) === key));
    return u.pathname + u.search;
  };

  // Hide heartbeats. Each beating socket's keep-alive (its own kind, so that one socket is not taken for another),
  // and a row of its conversation, to know it by when the beats are hidden
  const BEATS = {
    '/hubs/chat': { beat: /^ping$/, mark: /^handshake json v1/ },
    '/cable': { beat: /^ping$/, mark: /^welcome$/ },
    '/socket/websocket': { beat: /^(heartbeat|reply ok · heartbeat) · /, mark: /^join room:lobby/ },
    '/sockjs/': { beat: /^heartbeat$/, mark: /"hello sockjs"/ },
    '/stomp-sockjs/': { beat: /^\[1\] STOMP heart-beat$/, mark: /STOMP CONNECT\b/ },
  };
  /** the rows rendered for one socket (once they are all its protocol's), and the toolbar's count of heartbeats hidden */
  const view = async (key) => {
    await panel.showSocket(suffix(key));
    const rows = await panel.shownFrames();
    const hidden = (await panel.text('hidden-heartbeats')) ?? '';
    const n = Number(/· ([\d,]+) heartbeats? hidden/.exec(hidden)?.[1].replace(/,/g, '') ?? 0);
    return { ours: rows.every((r) => r.dir === 'event' || r.protocol === expected[key]), summaries: rows.map((r) => r.summary), hidden, n };
  };
  const explained = (key) => async (e) => {
    throw new Error(`${e.message}\nshown: ${JSON.stringify(await view(key))}`);
  };
  // first the beats are there: a socket's latest rows, with the table following the log
  for (const [key, { beat }] of Object.entries(BEATS)) {
    await waitFor(
      async () => {
        const x = await view(key);
        return x.ours && x.hidden === '' && x.summaries.some((t) => beat.test(t));
      },
      { message: `a heartbeat row on ${key}`, timeout: 10000 },
    ).catch(explained(key));
  }
  // switched on, no socket shows one, and the toolbar counts those it hides
  await panel.click('hide-heartbeats');
  for (const [key, { mark }] of Object.entries(BEATS)) {
    await waitFor(
      async () => {
        const x = await view(key);
        return x.ours && x.n > 0 && x.summaries.some((t) => mark.test(t)) && !x.summaries.some((t) => HEARTBEAT.test(t));
      },
      { message: `no heartbeat rows on ${key}, and a count of those hidden`, timeout: 10000 },
    ).catch(explained(key));
  }

  // with the beats hidden (they would push the conversation out of the rows the table renders), what is left:
  /**
   * The rows of one socket that the filter keeps, once they are all its protocol's, all of `want` are among them,
   * none is a heartbeat, and every one passes `every` (in a filtered view: also what shows the filter took effect).
   */
  const summaries = async (key, filter, want, every = () => true) => {
    await panel.showSocket(suffix(key));
    await panel.type('filter-input', filter);
    return waitFor(
      async () => {
        const shown = await panel.shownFrames();
        const ours = shown.every((r) => r.dir === 'event' || r.protocol === expected[key]);
        return ours && want.every((re) => shown.some((r) => re.test(r.summary))) && !shown.some((r) => HEARTBEAT.test(r.summary)) && shown.every(every) && shown;
      },
      { message: `${key} rows for "${filter}" with ${want.join(', ')}, no heartbeat, each ${every}`, timeout: 10000 },
    ).catch(async (e) => {
      throw new Error(`${e.message}\nshown: ${JSON.stringify(await panel.shownFrames())}`);
    });
  };

  // SignalR, JSON: the completion is found by its invocation's target, which its raw text lacks
  let shown = await summaries('/hubs/chat', 'Echo', [/^invoke Echo\("hello from signalr"\) #0 · completion in (<1|\d+) ms$/, /^completion #0 Echo · result "hello from signalr" · (<1|\d+) ms$/], (r) =>
    / Echo\b/.test(r.summary),
  );
  assert.ok(shown.some((r) => r.dir === 'received' && /^completion #0 Echo/.test(r.summary) && !r.text.includes('Echo')), 'the completion row is found by its target');
  await summaries('/hubs/chat', '', [
    /^handshake json v1 · ok in/,
    /^handshake ok · /,
    /^stream Counter\(3\) #1 · completion in/,
    /^stream item #1 Counter · 0$/,
    /^invoke ReceiveMessage\("ada", "hi all"\)$/,
    /^completion #s1 GetName · result "ada"/,
  ]);
  // SignalR, MessagePack: the same conversation read from binary frames
  const binaryRow = (r) => /^Binary, \d+ bytes$/.test(r.text);
  await summaries('/hubs/chatmp', 'Echo', [/^invoke Echo\(\{…\}\) #0 · completion in/, /^completion #0 Echo · result \{…\}/], binaryRow);
  await summaries('/hubs/chatmp', '', [/^handshake messagepack v1 · ok in/, /^handshake ok · .* \(\+1 more\)$/, /^stream item #1 Counter · 1 \(\+2 more\)$/]);

  // Action Cable: confirmed and rejected subscriptions by identifier, the action, the channel's message
  await summaries('/cable', '', [
    /^welcome$/,
    /^subscribe ChatChannel room="lobby" · confirmed · /,
    /^confirm_subscription ChatChannel room="lobby" · (<1|\d+) ms$/,
    /^subscribe SecretChannel · rejected · /,
    /^perform speak · ChatChannel room="lobby"$/,
    /^ChatChannel room="lobby" · user: "ann" · text: "hi cable"$/,
  ]);

  // Phoenix: join ↔ reply, presence, the push with its reply, the broadcast; a heartbeat with its reply
  await summaries('/socket/websocket', '', [
    /^join room:lobby · ok · (<1|\d+) ms$/,
    /^reply ok · join room:lobby · (<1|\d+) ms$/,
    /^presence_state room:lobby · 1 present$/,
    /^presence_diff room:lobby · 2 joined, 1 left$/,
    /^new_msg room:lobby · ok · /,
    /^new_msg room:lobby$/,
  ]);

  // SockJS: open, arrays both ways, the inner JSON read as JSON; STOMP inside SockJS, paired inside
  await summaries('/sockjs/', '', [/^open$/, /^\[1\] "hello sockjs"$/, /^a\[1\] "hello sockjs"$/, /^a\[1\] type: "chat" · text: "hi sockjs"$/]);
  await summaries('/stomp-sockjs/', '', [
    /^\[1\] STOMP CONNECT 1\.2,1\.1,1\.0 · heart-beat 200,0$/,
    /^a\[1\] STOMP CONNECTED 1\.1 · heart-beat 0,200$/,
    /^\[1\] STOMP SUBSCRIBE \/topic\/sjs · sub-0$/,
    /^\[1\] STOMP SEND \/queue\/sjs-echo/,
    /^a\[1\] STOMP MESSAGE \/topic\/sjs · sub-0$/,
  ]);

  // MessagePack and CBOR: binary frames summarised from their value; the filter finds one by a value inside it
  await summaries('/msgpack', 'general', [/^map of 3 · type: "chat" · room, text$/, /^map of 4 · type: "echo" · format, size, got$/], binaryRow);
  // (cborg writes a map's keys in RFC 8949's deterministic order: shortest first)
  await summaries('/cbor', 'general', [/^map of 3 · type: "chat" · room, text$/, /^map of 4 · type: "echo" · got, size, format$/], binaryRow);

  // WAMP, JSON and MessagePack: the call and its result paired by request id, the invocation named from the
  // registration, the event named from the subscription (its raw frame carries only the subscription's id)
  const wampRows = [
    /^CALL com\.example\.wamp(Mp)?\.add #\d+ \(2, 3\) · RESULT in /,
    /^INVOCATION com\.example\.wamp(Mp)?\.add #\d+ \(2, 3\) · YIELD in /,
    /^RESULT #\d+ · com\.example\.wamp(Mp)?\.add \(5\) · /,
    /^EVENT com\.example\.chat \("hello wamp"\)/,
  ];
  await summaries('/wamp', '', wampRows);
  await summaries('/wamp-mp', '', wampRows);
  shown = await summaries('/wamp', 'com.example.chat', [/^EVENT com\.example\.chat/]);
  assert.ok(shown.some((r) => /^EVENT/.test(r.summary) && !r.text.includes('com.example.chat')), 'the event is found by its topic, which its frame lacks');

  // the detail: the SignalR completion with its round trip, leading to its invocation
  await summaries('/hubs/chat', 'Echo', [/^completion #0 Echo/], (r) => / Echo\b/.test(r.summary));
  await panel.clickRow('"result":"hello from signalr"', 'received');
  await panel.waitFor(`(w) => { const d = w.document.querySelector('[data-testid=detail-decoded]'); return d && d.dataset.protocol === 'signalr' && /^completion #0 Echo/.test(w.document.querySelector('[data-testid=detail-summary]').textContent) && w.document.querySelector('[data-testid=detail-rtt]'); }`);
  assert.match(await panel.text('detail-rtt'), /^round trip (<1|\d+) ms$/);
  await panel.click('related-frame');
  await panel.waitFor(`(w) => /^invoke Echo\\("hello from signalr"\\) #0/.test(w.document.querySelector('[data-testid=detail-summary]').textContent)`);

  // a binary MessagePack frame as a tree: its keys and values, not bytes
  await summaries('/msgpack', 'general', [/^map of 3 · type: "chat"/], binaryRow);
  await panel.eval(`(w) => { const row = [...w.document.querySelectorAll('[data-testid=frame]')].find((r) => r.dataset.direction === 'sent' && /^map of 3/.test(r.querySelector('[data-testid=frame-summary]').textContent)); row.click(); return true; }`);
  const tree = await panel.waitFor(
    `(w) => { const d = w.document.querySelector('[data-testid=detail-decoded]'); return d && d.dataset.protocol === 'msgpack' && [...d.querySelectorAll('.json-row')].map((r) => r.textContent); }`,
  );
  for (const want of [/^"type": "chat"/, /^"room": "general"/, /^"text": "hello msgpack"/]) assert.ok(tree.some((t) => want.test(t)), `${want} in the tree: ${JSON.stringify(tree)}`);

  // switched off, the beats are back
  await panel.type('filter-input', '');
  await panel.click('hide-heartbeats');
  for (const [key, { beat }] of Object.entries(BEATS)) {
    await waitFor(
      async () => {
        const x = await view(key);
        return x.ours && x.hidden === '' && x.summaries.some((t) => beat.test(t));
      },
      { message: `the heartbeat rows back on ${key}`, timeout: 10000 },
    ).catch(explained(key));
  }
});
