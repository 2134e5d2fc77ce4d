// The real other end: an HTTP server for the test pages and a `ws` WebSocket server, both on 127.0.0.1.
//   /echo   echoes every frame exactly (text as text, binary as binary)
//   /burst  "go:N" -> N small text frames m0..m{N-1}; "sink:N" -> the next N frames counted, then "got:N"; "big:BYTES" -> one text frame; "bin:COUNT:BYTES" -> binary frames;
//           "sio:N" -> an Engine.IO open packet, then N Socket.IO events; "phx:N" -> a Phoenix join reply, then N broadcasts
//   /close  "close:CODE:REASON" -> the server closes with that code and reason
//   /fuzz   echoes like /echo, and keeps every frame's content (binary as hex) and the close, per connection's query
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { attachLibraryServers, serveVendor } from './libservers.mjs';

const pagesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'pages');

export async function startServer({ port = 0, host = '127.0.0.1' } = {}) {
  /** every frame the server received, by path: lets tests prove what did (or did not) go out */
  const received = new Map();
  /** /fuzz connections by query string: each frame as { binary, text | hex }, then { close, reason } */
  const fuzzWire = new Map();
  /** every connection the WebSocket server accepted, by path: when, its query, and how it closed (chaos tests) */
  const conns = new Map();
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    if (serveVendor(u.pathname, res)) return;
    if (libs.request(u.pathname, req, res)) return;
    if (u.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    // the workers page's scripts: classic and module workers, a nested one, a service worker (pages/workers/)
    const script = /^\/workers\/([\w-]+\.m?js)$/.exec(u.pathname);
    if (script && fs.existsSync(path.join(pagesDir, 'workers', script[1]))) {
      const coep = u.searchParams.get('coep') === '1' ? { 'cross-origin-embedder-policy': 'require-corp' } : {};
      // service-worker-allowed: a service worker of /workers/ may control the pages at / (service-worker.html)
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store', 'service-worker-allowed': '/', ...coep });
      res.end(fs.readFileSync(path.join(pagesDir, 'workers', script[1])));
      return;
    }
    const name = u.pathname === '/' ? 'demo.html' : u.pathname.slice(1);
    const file = path.join(pagesDir, path.basename(name));
    if (!/^[\w-]+\.html$/.test(path.basename(name)) || !fs.existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    // ?csp=strict and ?coep=1: the strict pages of the workers conformance test (worker-src 'self' without blob:,
    // Trusted Types required; a cross-origin isolated page)
    const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
    if (u.searchParams.get('csp') === 'strict') headers['content-security-policy'] = "worker-src 'self'; require-trusted-types-for 'script'; trusted-types default";
    if (u.searchParams.get('coep') === '1') Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    res.writeHead(200, headers);
    res.end(fs.readFileSync(file));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  // (the request handler above runs only once the server listens, after this)
  const libs = await attachLibraryServers(server);
  server.on('upgrade', (req, socket, head) => {
    const pathname = new URL(req.url, 'http://x').pathname;
    if (libs.upgrade(pathname, req, socket, head)) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const where = new URL(req.url, 'http://x').pathname;
      if (!received.has(where)) received.set(where, []);
      const log = received.get(where);
      if (!conns.has(where)) conns.set(where, []);
      const conn = { at: Date.now(), query: new URL(req.url, 'http://x').search, close: null };
      conns.get(where).push(conn);
      ws.on('close', (code, reason) => (conn.close = { code, reason: reason.toString(), at: Date.now() }));
      if (where === '/fuzz') {
        const query = new URL(req.url, 'http://x').search;
        if (!fuzzWire.has(query)) fuzzWire.set(query, []);
        const wire = fuzzWire.get(query);
        ws.on('message', (data, isBinary) => wire.push(isBinary ? { binary: true, hex: data.toString('hex') } : { binary: false, text: data.toString() }));
        ws.on('close', (code, reason) => wire.push({ close: code, reason: reason.toString() }));
      }
      ws.on('message', (data, isBinary) => {
        const textData = isBinary ? null : data.toString();
        log.push(isBinary ? `<binary ${data.length}>` : textData);
        if (where === '/burst') {
          let m;
          if (ws.sink) {
            if (++ws.sink.got === ws.sink.want) {
              ws.send(`got:${ws.sink.want}`);
              ws.sink = undefined;
            }
          } else if ((m = /^sink:(\d+)$/.exec(textData ?? ''))) ws.sink = { want: Number(m[1]), got: 0 };
          else if ((m = /^go:(\d+)$/.exec(textData ?? ''))) for (let i = 0; i < Number(m[1]); i++) ws.send('m' + i);
          else if ((m = /^big:(\d+)$/.exec(textData ?? ''))) ws.send('x'.repeat(Number(m[1])));
          else if ((m = /^sio:(\d+)$/.exec(textData ?? ''))) socketIoBurst(ws, Number(m[1]));
          else if ((m = /^phx:(\d+)$/.exec(textData ?? ''))) phoenixBurst(ws, Number(m[1]));
          else if ((m = /^bin:(\d+):(\d+)$/.exec(textData ?? ''))) for (let i = 0; i < Number(m[1]); i++) ws.send(Buffer.alloc(Number(m[2]), i & 0xff));
          else if ((m = /^rate:(\d+):(\d+)$/.exec(textData ?? ''))) sustained(ws, Number(m[1]), Number(m[2]));
        } else if (where === '/close') {
          const m = /^close:(\d+):(.*)$/.exec(textData ?? '');
          if (m) ws.close(Number(m[1]), m[2]);
        } else ws.send(data, { binary: isBinary });
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      resolve({
        port: p,
        origin: `http://${host}:${p}`,
        wsOrigin: `ws://${host}:${p}`,
        received: (where) => received.get(where) ?? [],
        /** what one /fuzz connection carried to the server, by its query string ('?run=…&k=…') */
        fuzzWire: (query) => fuzzWire.get(query) ?? [],
        /** the connections accepted on a path: [{ at, query, close: { code, reason, at } | null }] */
        connections: (where) => conns.get(where) ?? [],
        close: () =>
          new Promise((r) => {
            void libs.close();
            for (const c of wss.clients) c.terminate();
            wss.close();
            server.close(() => r());
            server.closeAllConnections?.();
          }),
      });
    });
  });
}

/**
 * Socket.IO-shaped traffic for the decoder's share of the bench: Engine.IO's open packet (what makes the panel
 * recognise the protocol), then `n` events with a JSON argument, as a busy Socket.IO server sends them.
 */
function socketIoBurst(ws, n) {
  ws.send('0{"sid":"bench","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
  for (let i = 0; i < n; i++) ws.send(`42["tick",{"n":${i},"price":${(100 + (i % 50) / 10).toFixed(1)}}]`);
}

/**
 * Phoenix-shaped traffic (serializer v2), for a decoder that pairs and names: a join's reply (what makes the panel
 * recognise Phoenix from content), then `n` broadcasts on the joined topic.
 */
function phoenixBurst(ws, n) {
  ws.send('["1","1","room:bench","phx_reply",{"status":"ok","response":{}}]');
  for (let i = 0; i < n; i++) ws.send(`[null,null,"room:bench","tick",{"n":${i},"price":${(100 + (i % 50) / 10).toFixed(1)}}]`);
}

/** `perSecond` frames a second for `seconds`, each stamped with the server's send time (for latency). */
function sustained(ws, perSecond, seconds) {
  const tickMs = 10;
  const perTick = Math.max(1, Math.round((perSecond * tickMs) / 1000));
  const end = Date.now() + seconds * 1000;
  let n = 0;
  const timer = setInterval(() => {
    if (Date.now() >= end || ws.readyState !== 1) {
      clearInterval(timer);
      if (ws.readyState === 1) ws.send('rate-done:' + n);
      return;
    }
    for (let i = 0; i < perTick; i++) ws.send(`r${n++}@${Date.now()}`);
  }, tickMs);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await startServer({ port: Number(process.argv[2] || 0) });
  console.log('listening', s.origin);
}
