/**
 * A SignalR hub written to the published hub protocol spec, shared by the decoder's unit test
 * (test/unit/decoders/signalr.test.ts) and the end-to-end pages (test/e2e/lib/libservers.mjs).
 *
 * SignalR's server is ASP.NET Core (.NET), which this machine cannot run: this is a small hub to the spec (the JSON
 * handshake and its `{}` or `{"error":…}` answer, message types 1–7, 0x1E framing for JSON, VarInt length prefixes
 * for MessagePack). The real @microsoft/signalr client (with @microsoft/signalr-protocol-msgpack for MessagePack)
 * accepting everything it says — invoke resolves, streams complete, client results go back, the close reaches
 * onclose with its error — is what shows it speaks the protocol. It takes no negotiate request: clients connect with
 * skipNegotiation straight to the WebSockets transport.
 *
 * Methods: Echo (returns its argument), Fail (a completion with an error), Broadcast (sends ReceiveMessage back, then
 * asks the client for a result with GetName), Counter (a stream of n items), Ticker (a stream until cancelled),
 * Upload (a client-to-server stream, answered with Uploaded), Leave (the server closes with an error,
 * allowReconnect). A path starting with /refuse refuses the handshake.
 */
import { encode as encodeMsgpack, decode as decodeMsgpack } from '@msgpack/msgpack';
import { WebSocketServer } from 'ws';

const RS = '\x1e';

/** @typedef {Record<string, unknown> & { type: number }} Hub a hub message as the spec's JSON form; the MessagePack form is derived from it */

/** @param {number} n */
function varint(n) {
  /** @type {number[]} */
  const out = [];
  do {
    let b = n & 0x7f;
    n >>= 7;
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/**
 * the spec's MessagePack array for a hub message
 * @param {Hub} m
 * @returns {unknown[]}
 */
function toArray(m) {
  switch (m.type) {
    case 1:
    case 4:
      return [m.type, {}, m.invocationId ?? null, m.target, m.arguments, ...(m.streamIds ? [m.streamIds] : [])];
    case 2:
      return [2, {}, m.invocationId, m.item];
    case 3:
      return 'error' in m ? [3, {}, m.invocationId, 1, m.error] : 'result' in m ? [3, {}, m.invocationId, 3, m.result] : [3, {}, m.invocationId, 2];
    case 7:
      return [7, m.error ?? null, m.allowReconnect ?? false];
    default:
      return [m.type];
  }
}

/**
 * the spec's JSON form of a MessagePack array (what the server reads the client's messages as)
 * @param {unknown[]} a
 * @returns {Hub}
 */
function fromArray(a) {
  const type = /** @type {number} */ (a[0]);
  const invocationId = /** @type {string} */ (a[2]);
  if (type === 1 || type === 4) return { type, invocationId: invocationId ?? undefined, target: a[3], arguments: a[4], streamIds: a[5] };
  if (type === 2) return { type, invocationId, item: a[3] };
  if (type === 3) return { type, invocationId, ...(a[3] === 1 ? { error: a[4] } : a[3] === 3 ? { result: a[4] } : {}) };
  if (type === 5) return { type, invocationId };
  return { type };
}

/**
 * The hub on one connection: Echo, Fail, Broadcast, Counter (a stream), Ticker (a stream to cancel), Upload (a client
 * stream), Leave.
 * @param {import('ws').WebSocket} ws
 * @param {string} path the request's url (a /refuse… path refuses the handshake)
 */
export function hub(ws, path) {
  /** @type {'json' | 'messagepack' | undefined} */
  let format;
  /** @param {Hub[]} ms */
  const encode = (ms) =>
    format === 'json'
      ? ms.map((m) => JSON.stringify(m) + RS).join('')
      : Buffer.concat(
          ms.map((m) => {
            const body = encodeMsgpack(toArray(m));
            return Buffer.from([...varint(body.length), ...body]);
          }),
        );
  /** @param {Hub[]} ms */
  const send = (...ms) => ws.send(encode(ms));
  /** @type {Map<string, NodeJS.Timeout>} */
  const tickers = new Map();
  /** @type {Set<string>} */
  const uploads = new Set();
  /** @param {Hub} m */
  const on = (m) => {
    const id = /** @type {string} */ (m.invocationId);
    const args = /** @type {unknown[]} */ (m.arguments ?? []);
    if (m.type === 1 && m.target === 'Echo') send({ type: 3, invocationId: id, result: args[0] });
    if (m.type === 1 && m.target === 'Fail') send({ type: 3, invocationId: id, error: "An unexpected error occurred invoking 'Fail' on the server." });
    if (m.type === 1 && m.target === 'Broadcast') {
      send({ type: 1, target: 'ReceiveMessage', arguments: args });
      // a client result (SignalR 7+): the server asks the client, which answers with a completion
      send({ type: 1, invocationId: 's1', target: 'GetName', arguments: [] });
    }
    if (m.type === 4 && m.target === 'Counter') {
      const n = /** @type {number} */ (args[0]);
      send({ type: 2, invocationId: id, item: 0 });
      // the rest of the items and the completion in one frame
      send(...Array.from({ length: n - 1 }, (_, i) => ({ type: 2, invocationId: id, item: i + 1 })), { type: 3, invocationId: id });
    }
    if (m.type === 4 && m.target === 'Ticker') {
      let i = 0;
      tickers.set(id, setInterval(() => send({ type: 2, invocationId: id, item: { tick: i++, at: '2024-01-01T00:00:00Z' } }), 10));
    }
    if (m.type === 5) {
      clearInterval(tickers.get(id));
      tickers.delete(id);
    }
    if (m.type === 1 && m.target === 'Upload') uploads.add(/** @type {string[]} */ (m.streamIds)[0]);
    if (m.type === 3 && uploads.delete(id)) send({ type: 1, target: 'Uploaded', arguments: ['done'] });
    if (m.type === 1 && m.target === 'Leave') send({ type: 7, error: 'Server is shutting down.', allowReconnect: true });
  };
  ws.on('close', () => tickers.forEach((t) => clearInterval(t)));
  ws.on('message', (data, isBinary) => {
    const buf = Buffer.from(/** @type {Buffer} */ (data));
    if (!format) {
      const text = buf.toString('utf8');
      const hello = /** @type {{ protocol: string; version: number }} */ (JSON.parse(text.slice(0, text.indexOf(RS))));
      format = hello.protocol === 'json' ? 'json' : 'messagepack';
      if (path.startsWith('/refuse')) {
        ws.send(JSON.stringify({ error: `Requested protocol '${hello.protocol}' is not available.` }) + RS);
        return;
      }
      // a MessagePack server answers the handshake in a binary frame, here with a ping after it
      if (format === 'json') ws.send('{}' + RS);
      else ws.send(Buffer.concat([Buffer.from('{}' + RS), /** @type {Buffer} */ (encode([{ type: 6 }]))]));
      return;
    }
    if (!isBinary) {
      for (const part of buf.toString('utf8').split(RS).filter(Boolean)) on(/** @type {Hub} */ (JSON.parse(part)));
      return;
    }
    for (let at = 0; at < buf.length; ) {
      let len = 0;
      let shift = 0;
      let b;
      do {
        b = buf[at++];
        len |= (b & 0x7f) << shift;
        shift += 7;
      } while (b & 0x80);
      on(fromArray(/** @type {unknown[]} */ (decodeMsgpack(buf.subarray(at, at + len)))));
      at += len;
    }
  });
}

/**
 * A `ws` server whose every connection is the hub: `{ port, host }` to listen on its own, `{ noServer: true }` to be
 * handed upgrades (wss.handleUpgrade, then emit 'connection').
 * @param {import('ws').ServerOptions} options
 * @returns {WebSocketServer}
 */
export function signalrServer(options) {
  const wss = new WebSocketServer(options);
  wss.on('connection', (ws, req) => hub(ws, req.url ?? '/'));
  return wss;
}
