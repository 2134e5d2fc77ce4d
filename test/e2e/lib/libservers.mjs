// Real client libraries' real servers, on the same 127.0.0.1 HTTP server as the test pages:
//   socket.io (engine.io over WebSocket) at /socket.io/, graphql-ws at /graphql.
// Their browser bundles are served from node_modules at /vendor/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { buildSchema } from 'graphql';

// the packages' "exports" hide their browser bundles from resolution: read them from node_modules directly
const modules = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../node_modules');
export const VENDOR = {
  '/vendor/socket.io.min.js': path.join(modules, 'socket.io-client/dist/socket.io.min.js'),
  '/vendor/graphql-ws.min.js': path.join(modules, 'graphql-ws/umd/graphql-ws.min.js'),
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

/** Attach both servers to `httpServer`; returns the paths their upgrades use and a close function. */
export function attachLibraryServers(httpServer) {
  const io = new SocketIoServer(httpServer, { transports: ['websocket'], destroyUpgrade: false });
  io.on('connection', (socket) => {
    socket.on('chat message', (msg, ack) => {
      socket.emit('chat message', `echo: ${msg}`);
      if (typeof ack === 'function') ack({ received: msg });
    });
  });
  const gqlWss = new WebSocketServer({ noServer: true });
  const gql = useServer({ schema, roots }, gqlWss);
  return {
    /** upgrades this module handles itself (socket.io listens on the server directly) */
    handles: (pathname) => pathname.startsWith('/socket.io/'),
    graphql: gqlWss,
    close: async () => {
      await gql.dispose();
      gqlWss.close();
      io.close();
    },
  };
}
