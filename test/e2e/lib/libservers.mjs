// Real client libraries' real servers, on the same 127.0.0.1 HTTP server as the test pages:
//   socket.io (engine.io over WebSocket) at /socket.io/, graphql-ws at /graphql, subscriptions-transport-ws at
//   /graphql-legacy, rpc-websockets (JSON-RPC 2.0) at /rpc, the aedes MQTT broker at /mqtt (3.1.1) and /mqtt5 (aedes
//   2.0 beta, MQTT 5), the stomp-broker-js STOMP broker at /stomp.
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

const require = createRequire(import.meta.url);
const StompServer = require('stomp-broker-js');

// the packages' "exports" hide their browser bundles from resolution: read them from node_modules directly
const modules = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../node_modules');
export const VENDOR = {
  '/vendor/socket.io.min.js': path.join(modules, 'socket.io-client/dist/socket.io.min.js'),
  '/vendor/graphql-ws.min.js': path.join(modules, 'graphql-ws/umd/graphql-ws.min.js'),
  '/vendor/subscriptions-transport-ws.js': path.join(modules, 'subscriptions-transport-ws/browser/client.js'),
  '/vendor/rpc-websockets.js': path.join(modules, 'rpc-websockets/dist/index.browser-bundle.js'),
  '/vendor/mqtt.min.js': path.join(modules, 'mqtt/dist/mqtt.min.js'),
  '/vendor/stomp.umd.min.js': path.join(modules, '@stomp/stompjs/bundles/stomp.umd.min.js'),
};

export function serveVendor(pathname, res) {
  const file = VENDOR[pathname];
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

  const byPath = {
    '/graphql': gqlWss,
    '/graphql-legacy': legacyWss,
    '/rpc': rpc.wss,
    '/mqtt': mqttWss,
    '/mqtt5': mqtt5Wss,
  };
  return {
    upgrade(pathname, req, socket, head) {
      // socket.io listens on the server directly
      if (pathname.startsWith('/socket.io/')) return true;
      if (pathname === '/stomp') {
        stompUpgrades.emit('upgrade', req, socket, head);
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
      for (const wss of Object.values(byPath)) wss.close();
      io.close();
    },
  };
}
