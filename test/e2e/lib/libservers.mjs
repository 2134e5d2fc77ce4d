// Real client libraries' real servers, on the same 127.0.0.1 HTTP server as the test pages:
//   socket.io (engine.io over WebSocket) at /socket.io/, graphql-ws at /graphql, subscriptions-transport-ws at
//   /graphql-legacy, rpc-websockets (JSON-RPC 2.0) at /rpc, the aedes MQTT broker at /mqtt (3.1.1) and /mqtt5 (aedes
//   2.0 beta, MQTT 5), the stomp-broker-js STOMP broker at /stomp.
// And for the decoders of SockJS, SignalR, WAMP, Action Cable, Phoenix, MessagePack and CBOR:
//   a real sockjs 0.3 echo server at /sockjs and stomp-broker-js on its sockjs adapter at /stomp-sockjs (STOMP over
//   SockJS); the spec servers of test/servers/ (the ones the decoders' unit tests record against): the SignalR hub
//   at /hubs/chat (JSON) and /hubs/chatmp (MessagePack; the hub takes the format from the handshake), the WAMP
//   router at /wamp, Action Cable at /cable and Phoenix at /socket/websocket; and /msgpack and /cbor, plain `ws`
//   endpoints that answer each binary frame with a MessagePack (or CBOR) map holding what arrived.
// Heartbeats are short where the protocol has them (Action Cable ping 300 ms, SockJS `h` after 300 ms idle, the
// STOMP-over-SockJS broker's heart-beat 200 ms; the Phoenix and SignalR clients set theirs in the page) so that a
// scenario sees several.
// Their browser bundles are served from node_modules at /vendor/.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { buildSchema, execute, subscribe } from 'graphql';
import { SubscriptionServer } from 'subscriptions-transport-ws';
import { Server as RpcServer } from 'rpc-websockets';
import { Aedes } from 'aedes';
import { Aedes as Aedes5 } from 'aedes-v5';
import { decode as decodeMsgpack, encode as encodeMsgpack } from '@msgpack/msgpack';
import { decode as decodeCbor, encode as encodeCbor } from 'cborg';
import { signalrServer } from '../../servers/signalr.mjs';
import { wampServer } from '../../servers/wamp.mjs';
import { cableServer } from '../../servers/actioncable.mjs';
import { phoenixServer } from '../../servers/phoenix.mjs';

const require = createRequire(import.meta.url);
const StompServer = require('stomp-broker-js');
const sockjs = require('sockjs');

// the packages' "exports" hide their browser bundles from resolution: read them from node_modules directly
const modules = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../node_modules');
export const VENDOR = {
  '/vendor/socket.io.min.js': path.join(modules, 'socket.io-client/dist/socket.io.min.js'),
  '/vendor/graphql-ws.min.js': path.join(modules, 'graphql-ws/umd/graphql-ws.min.js'),
  '/vendor/subscriptions-transport-ws.js': path.join(modules, 'subscriptions-transport-ws/browser/client.js'),
  '/vendor/rpc-websockets.js': path.join(modules, 'rpc-websockets/dist/index.browser-bundle.js'),
  '/vendor/mqtt.min.js': path.join(modules, 'mqtt/dist/mqtt.min.js'),
  '/vendor/stomp.umd.min.js': path.join(modules, '@stomp/stompjs/bundles/stomp.umd.min.js'),
  '/vendor/sockjs.min.js': path.join(modules, 'sockjs-client/dist/sockjs.min.js'),
  '/vendor/signalr.min.js': path.join(modules, '@microsoft/signalr/dist/browser/signalr.min.js'),
  // after signalr.min.js: it adds signalR.protocols.msgpack
  '/vendor/signalr-protocol-msgpack.min.js': path.join(modules, '@microsoft/signalr-protocol-msgpack/dist/browser/signalr-protocol-msgpack.min.js'),
  '/vendor/actioncable.js': path.join(modules, '@rails/actioncable/app/assets/javascripts/actioncable.js'),
  '/vendor/phoenix.min.js': path.join(modules, 'phoenix/priv/static/phoenix.min.js'),
  '/vendor/msgpack.min.js': path.join(modules, '@msgpack/msgpack/dist.umd/msgpack.min.js'),
  // autobahn itself is CommonJS for Node and bundlers; its project publishes the browser build as autobahn-browser
  '/vendor/autobahn.min.js': path.join(modules, 'autobahn-browser/autobahn.min.js'),
};
/** ES-module packages served whole (their own relative imports resolve in the browser): cborg has no other build */
export const VENDOR_DIRS = {
  '/vendor/cborg/': path.join(modules, 'cborg'),
};

export function serveVendor(pathname, res) {
  let file = VENDOR[pathname];
  const dir = Object.keys(VENDOR_DIRS).find((prefix) => pathname.startsWith(prefix));
  if (!file && dir) {
    const base = VENDOR_DIRS[dir];
    const candidate = path.resolve(base, decodeURIComponent(pathname.slice(dir.length)));
    if (candidate.startsWith(base + path.sep) && candidate.endsWith('.js') && fs.existsSync(candidate)) file = candidate;
  }
  if (!file) return false;
  res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
  res.end(fs.readFileSync(file));
  return true;
}

const schema = buildSchema(`
  type Query { hello(name: String): String }
  type Subscription { countdown(from: Int!): Int }
`);
const roots = {
  query: { hello: ({ name }) => `Hello, ${name ?? 'world'}!` },
  subscription: {
    countdown: async function* ({ from }) {
      for (let i = from; i >= 0; i--) {
        await new Promise((r) => setTimeout(r, 20));
        yield { countdown: i };
      }
    },
  },
};

/** Attach the servers to `httpServer`. `upgrade` routes a WebSocket upgrade to the one for its path (false: none). */
export async function attachLibraryServers(httpServer) {
  const io = new SocketIoServer(httpServer, { transports: ['websocket'], destroyUpgrade: false });
  io.on('connection', (socket) => {
    socket.on('chat message', (msg, ack) => {
      socket.emit('chat message', `echo: ${msg}`);
      if (typeof ack === 'function') ack({ received: msg });
    });
    // a binary attachment: the ack says what arrived
    socket.on('upload', (name, bytes, ack) => ack({ name, size: bytes.length }));
  });
  const gqlWss = new WebSocketServer({ noServer: true });
  const gql = useServer({ schema, roots }, gqlWss);

  // the legacy protocol's server, with graphql's own execute/subscribe and the same root values
  const legacyWss = new WebSocketServer({ noServer: true });
  const legacy = SubscriptionServer.create({ schema, execute, subscribe, rootValue: { ...roots.query, ...roots.subscription } }, legacyWss);

  // rpc-websockets names its namespaces after the upgrade's path
  const rpc = new RpcServer({ noServer: true });
  rpc.register('sum', (params) => params.reduce((a, b) => a + b, 0), '/rpc');
  rpc.register('greet', ({ name }) => `Hello, ${name}!`, '/rpc');

  const aedes = await Aedes.createBroker();
  const mqttWss = new WebSocketServer({ noServer: true });
  mqttWss.on('connection', (ws, req) => aedes.handle(createWebSocketStream(ws), req));
  // aedes 1.x speaks MQTT 3.1/3.1.1 only; its 2.0 beta speaks 5
  const aedes5 = await Aedes5.createBroker();
  const mqtt5Wss = new WebSocketServer({ noServer: true });
  mqtt5Wss.on('connection', (ws, req) => aedes5.handle(createWebSocketStream(ws), req));

  // stomp-broker-js brings its own (old) ws and listens for upgrades on the server it is given: give it one of its
  // own and pass it only the /stomp upgrades, so it never answers anybody else's
  const stompUpgrades = new EventEmitter();
  const stomp = new StompServer({ server: stompUpgrades, path: '/stomp' });
  // the broker never delivers a client's frame back to that client: a server-side subscriber answers instead
  stomp.subscribe('/queue/echo', (body) => stomp.send('/topic/echo', { 'content-type': 'text/plain' }, `echo: ${body}`));

  // sockjs servers take over an http server's request and upgrade listeners (installHandlers overshadows them): give
  // them an emitter of their own and pass it only their prefixes' requests and upgrades
  const sockjsHttp = new EventEmitter();
  const echo = sockjs.createServer({ prefix: '/sockjs', log: () => {}, heartbeat_delay: 300 });
  echo.on('connection', (c) => {
    // sockjs 0.3 keeps a websocket alive with protocol pings where the socket supports them; sockjs-client's other
    // transports, older sockjs servers and Spring's send SockJS's own `h` frame instead. Turning the ping off makes
    // this server take that path, so the page's socket carries real `h` frames (as in the unit test).
    const ws = c._session?.recv?.ws;
    if (ws) ws.ping = () => false;
    c.on('data', (m) => c.write(m));
  });
  echo.installHandlers(sockjsHttp);
  // stomp-broker-js makes its sockjs server with no `log` option, and sockjs would log every request to stdout
  const createSockjs = sockjs.createServer;
  sockjs.createServer = (options) => createSockjs({ ...options, log: () => {} });
  let stompSockjs;
  try {
    stompSockjs = new StompServer({ server: sockjsHttp, path: '/stomp-sockjs', protocol: 'sockjs', heartbeat: [200, 200] });
  } finally {
    sockjs.createServer = createSockjs;
  }
  stompSockjs.subscribe('/queue/sjs-echo', (body) => stompSockjs.send('/topic/sjs', { 'content-type': 'text/plain' }, `echo: ${body}`));
  const sockjsPrefixes = ['/sockjs/', '/stomp-sockjs/'];
  const isSockjs = (pathname) => sockjsPrefixes.some((p) => pathname.startsWith(p));

  const signalr = signalrServer({ noServer: true });
  const wamp = wampServer({ noServer: true });
  // a router per socket the page opens: this router numbers its ids per session, so two sessions on one would clash
  const wampMp = wampServer({ noServer: true });
  const cable = cableServer({ noServer: true, pingMs: 300 });
  const phoenix = phoenixServer({ noServer: true });
  const binaryWss = new WebSocketServer({ noServer: true });
  binaryWss.on('connection', (ws, req) => {
    const format = new URL(req.url, 'http://x').pathname.slice(1);
    const [encode, decode] = format === 'cbor' ? [encodeCbor, decodeCbor] : [encodeMsgpack, decodeMsgpack];
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      // a server app's answer: a status map with what arrived in it
      ws.send(encode({ type: 'echo', format, size: data.length, got: decode(data) }));
    });
  });
  const specServers = [signalr, wamp, wampMp, cable, phoenix, binaryWss];

  const byPath = {
    '/graphql': gqlWss,
    '/graphql-legacy': legacyWss,
    '/rpc': rpc.wss,
    '/mqtt': mqttWss,
    '/mqtt5': mqtt5Wss,
    '/hubs/chat': signalr,
    '/hubs/chatmp': signalr,
    '/wamp': wamp,
    '/wamp-mp': wampMp,
    '/cable': cable,
    '/socket/websocket': phoenix,
    '/msgpack': binaryWss,
    '/cbor': binaryWss,
  };
  return {
    /** an HTTP request for one of the servers (SockJS's /info): answered, true; false, not ours */
    request(pathname, req, res) {
      if (!isSockjs(pathname)) return false;
      sockjsHttp.emit('request', req, res);
      return true;
    },
    upgrade(pathname, req, socket, head) {
      // socket.io listens on the server directly
      if (pathname.startsWith('/socket.io/')) return true;
      if (pathname === '/stomp') {
        stompUpgrades.emit('upgrade', req, socket, head);
        return true;
      }
      if (isSockjs(pathname)) {
        sockjsHttp.emit('upgrade', req, socket, head);
        return true;
      }
      const wss = byPath[pathname];
      if (!wss) return false;
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      return true;
    },
    close: async () => {
      await gql.dispose();
      legacy.close();
      await rpc.close().catch(() => {});
      await new Promise((r) => aedes.close(r));
      await new Promise((r) => aedes5.close(r));
      // the spec servers keep timers per connection (Action Cable's ping): end their connections too
      for (const wss of specServers) for (const c of wss.clients) c.terminate();
      for (const wss of new Set(Object.values(byPath))) wss.close();
      io.close();
    },
  };
}
