/**
 * A WAMP v2 router written to the basic profile, shared by the decoder's unit test (test/unit/decoders/wamp.test.ts)
 * and the end-to-end server (test/e2e/lib/libservers.mjs).
 *
 * WAMP's router is normally Crossbar.io (Python), which this machine does not have: this is a small one written to
 * the WAMP v2 basic profile (subprotocols wamp.2.json / wamp.2.msgpack / wamp.2.cbor, message type numbers per the
 * spec), a broker and a dealer for one realm, `realm1`. The real autobahn 22 client accepting it (its session opens,
 * calls return, events arrive, errors reject, GOODBYE closes and ABORT refuses) is what shows it speaks the
 * protocol.
 */
import { decode as decodeMsgpack, encode as encodeMsgpack } from '@msgpack/msgpack';
import { decode as decodeCbor, encode as encodeCbor } from 'cborg';
import { WebSocketServer } from 'ws';

/** the session id WELCOME hands out: above 2^52, so a decoder that reads it as a float would show it wrong */
export const BIG_SESSION = 2 ** 52 + 7;

/** the subprotocols the router speaks, in its order of preference */
export const WAMP_SUBPROTOCOLS = ['wamp.2.json', 'wamp.2.msgpack', 'wamp.2.cbor'];

/** @typedef {unknown[]} Msg */

/**
 * The router on a `ws` server's connections: a broker and a dealer for one realm, `realm1`. The server must have
 * been made with `handleProtocols` choosing one of WAMP_SUBPROTOCOLS (wampServer does so).
 * @param {WebSocketServer} wss
 */
export function router(wss) {
  /** @type {Map<number, { topic: string; ws: import('ws').WebSocket }>} */
  const subs = new Map();
  /** @type {Map<number, { procedure: string; ws: import('ws').WebSocket }>} */
  const regs = new Map();
  /** @type {Map<number, { ws: import('ws').WebSocket; request: number }>} */
  const invocations = new Map();
  /** @type {Map<import('ws').WebSocket, string>} */
  const codec = new Map();
  /** @param {import('ws').WebSocket} ws @param {Msg} m */
  const send = (ws, m) => {
    const p = codec.get(ws);
    ws.send(p === 'wamp.2.json' ? JSON.stringify(m) : p === 'wamp.2.msgpack' ? encodeMsgpack(m) : encodeCbor(m));
  };
  wss.on('connection', (ws) => {
    // ids the router hands out, per session here so that every serialization's recording reads the same
    let next = 1000;
    codec.set(ws, ws.protocol);
    ws.on('message', (data, isBinary) => {
      route(/** @type {Buffer} */ (data), isBinary);
    });
    // a session's subscriptions and registrations end with it
    ws.on('close', () => {
      for (const [id, s] of subs) if (s.ws === ws) subs.delete(id);
      for (const [id, r] of regs) if (r.ws === ws) regs.delete(id);
      codec.delete(ws);
    });
    /** @param {Buffer} b @param {boolean} isBinary */
    const route = (b, isBinary) => {
      const m = /** @type {Msg} */ (isBinary ? (ws.protocol === 'wamp.2.msgpack' ? decodeMsgpack(b) : decodeCbor(b)) : JSON.parse(String(b)));
      const type = /** @type {number} */ (m[0]);
      const request = /** @type {number} */ (m[1]);
      switch (type) {
        case 1:
          if (m[1] !== 'realm1') send(ws, [3, { message: `no realm ${String(m[1])}` }, 'wamp.error.no_such_realm']);
          else send(ws, [2, BIG_SESSION, { roles: { broker: {}, dealer: {} }, authid: 'anonymous' }]);
          break;
        case 6:
          send(ws, [6, {}, 'wamp.close.goodbye_and_out']);
          break;
        case 32: {
          const id = next++;
          subs.set(id, { topic: /** @type {string} */ (m[3]), ws });
          send(ws, [33, request, id]);
          break;
        }
        case 34:
          subs.delete(/** @type {number} */ (m[2]));
          send(ws, [35, request]);
          break;
        case 16: {
          const pub = next++;
          const options = /** @type {{ acknowledge?: boolean; exclude_me?: boolean }} */ (m[2]);
          for (const [id, s] of subs) {
            if (s.topic === m[3] && (s.ws !== ws || options.exclude_me === false)) send(s.ws, [36, id, pub, {}, ...m.slice(4)]);
          }
          if (options.acknowledge) send(ws, [17, request, pub]);
          break;
        }
        case 64: {
          const id = next++;
          regs.set(id, { procedure: /** @type {string} */ (m[3]), ws });
          send(ws, [65, request, id]);
          break;
        }
        case 48: {
          const reg = [...regs].find(([, r]) => r.procedure === m[3]);
          if (!reg) {
            send(ws, [8, 48, request, {}, 'wamp.error.no_such_procedure', [`no callee registered for procedure <${String(m[3])}>`]]);
            break;
          }
          const inv = next++;
          invocations.set(inv, { ws, request });
          send(reg[1].ws, [68, inv, reg[0], {}, ...m.slice(4)]);
          break;
        }
        case 70: {
          const inv = invocations.get(request);
          invocations.delete(request);
          if (inv) send(inv.ws, [50, inv.request, {}, ...m.slice(3)]);
          break;
        }
        case 8: {
          const inv = invocations.get(/** @type {number} */ (m[2]));
          if (inv) send(inv.ws, [8, 48, inv.request, ...m.slice(3)]);
          break;
        }
      }
    };
  });
}

/**
 * A `ws` server that negotiates a WAMP subprotocol and routes: `{ port, host }` to listen on its own,
 * `{ noServer: true }` to be handed upgrades.
 * @param {import('ws').ServerOptions} options
 * @returns {WebSocketServer}
 */
export function wampServer(options) {
  const wss = new WebSocketServer({ ...options, handleProtocols: (offered) => WAMP_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false });
  router(wss);
  return wss;
}
