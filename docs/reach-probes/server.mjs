// Probe server for the Reach investigation: HTTP pages + worker scripts + a ws echo/burst server + a /log sink.
// Every worker script starts (line 1) with `const __probeErr = new Error();` so its first stack frame tells the line offset.
import http from 'node:http';
import { WebSocketServer } from 'ws';

export const logs = [];

// the body shared by every worker script kind; `name` says who reports
export function workerBody(name, port, extra = '') {
  return `const __probeErr = new Error();
const R = { who: ${JSON.stringify(name)}, hooked: self.__wsl || null, loc: String(self.location), origin: self.origin,
  firstFrame: String(__probeErr.stack || '').split('\\n').filter(Boolean).slice(0, 2).join(' | '),
  scope: self.constructor && self.constructor.name, hasWSS: typeof self.WebSocketStream };
const __ports = [];
function report(r) {
  if (typeof DedicatedWorkerGlobalScope !== 'undefined' && self instanceof DedicatedWorkerGlobalScope) postMessage(r);
  else if (typeof SharedWorkerGlobalScope !== 'undefined' && self instanceof SharedWorkerGlobalScope) { __ports.forEach((p) => p.postMessage(r)); self.__pending = r; }
  else self.clients.matchAll({ includeUncontrolled: true }).then((cs) => cs.forEach((c) => c.postMessage(r)));
}
self.addEventListener('connect', (e) => { __ports.push(e.ports[0]); if (self.__pending) e.ports[0].postMessage(self.__pending); });
${extra}
try {
  const ws = new WebSocket('ws://127.0.0.1:${port}/echo?from=' + encodeURIComponent(R.who));
  ws.onopen = () => ws.send('hi-' + R.who);
  ws.onmessage = (e) => { R.echo = e.data; R.wsCount = self.__wslCount || 0; R.chan = self.__wslChan; R.resEntries = self.performance.getEntriesByType('resource').map((x) => x.name.split('/').pop()).join(' '); report(R); ws.close(1000, 'done'); };
  ws.onerror = () => { R.echo = 'ERROR'; report(R); };
} catch (e) { R.echo = 'THROW ' + e; report(R); }
`;
}

export function startServer() {
  let port;
  const opts = { cacheable: false };
  const pages = new Map(); // path -> {type, body, headers}
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    if (u.pathname === '/log' && req.method === 'POST') {
      let b = ''; req.on('data', (d) => (b += d)); req.on('end', () => { try { logs.push(JSON.parse(b)); } catch { logs.push(b); } res.writeHead(204, { 'access-control-allow-origin': '*' }); res.end(); });
      return;
    }
    if (u.pathname === '/log') { res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'POST' }); res.end(); return; }
    const p = pages.get(u.pathname);
    const headers = { 'cache-control': 'no-store' };
    logs.push({ srv: req.url, dest: req.headers['sec-fetch-dest'] });
    if (!p) {
      const m = /^\/w\/([\w.-]+?)\.(js|mjs)$/.exec(u.pathname);
      if (m) {
        const name = m[1];
        let extra = '';
        if (name === 'nested') extra = `const child = new Worker('child.js'); child.onmessage = (e) => report(e.data);`;
        if (name === 'nested-module') extra = `const child = new Worker('child-module.mjs', { type: 'module' }); child.onmessage = (e) => report(e.data);`;
        if (name === 'imp') extra = `importScripts('dep.js'); R.dep = self.__dep;`;
        if (name === 'mod') extra = `import { dep } from './dep-module.mjs'; R.dep = dep;`;
        if (name === 'child-module') extra = ``;
        let body = workerBody(name, port, extra);
        if (name === 'dep') body = `self.__dep = { hookedSeen: self.__wsl || null, stack: String(new Error().stack).split('\\n')[0] };`;
        if (name === 'dep-module') body = `export const dep = { hookedSeen: self.__wsl || null, stack: String(new Error().stack).split('\\n')[0] };`;
        // module syntax with a static import must come first in a module; keep `import` at top for mod
        res.writeHead(200, { ...headers, ...(opts.cacheable ? { 'cache-control': 'max-age=3600' } : {}), 'content-type': 'text/javascript' });
        res.end(body);
        return;
      }
      res.writeHead(404); res.end(); return;
    }
    if (u.searchParams.get('csp')) headers['content-security-policy'] = u.searchParams.get('csp');
    res.writeHead(200, { ...headers, 'content-type': p.type, ...(p.headers || {}) });
    res.end(typeof p.body === 'function' ? p.body(u) : p.body);
  });
  const wss = new WebSocketServer({ noServer: true });
  const conns = [];
  server.on('upgrade', (req, sock, head) => wss.handleUpgrade(req, sock, head, (ws) => {
    const path = new URL(req.url, 'http://x').pathname;
    const c = { url: req.url, ws, consumedAt: null };
    conns.push(c);
    logs.push({ ws: req.url });
    ws.on('message', (data, isBinary) => {
      const s = data.toString();
      const m = /^burst:(\d+):(\d+)$/.exec(s);
      if (m) {
        const n = Number(m[1]), size = Number(m[2]);
        const buf = Buffer.alloc(size, 120);
        for (let i = 0; i < n; i++) ws.send(buf);
        c.burstTotal = n * size;
        return;
      }
      ws.send(isBinary ? data : 'echo:' + s, { binary: isBinary });
    });
  }));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    port = server.address().port;
    resolve({ opts, port, origin: `http://127.0.0.1:${port}`, pages, conns, logs,
      close: () => new Promise((r) => { for (const c of wss.clients) c.terminate(); wss.close(); server.closeAllConnections?.(); server.close(() => r()); }) });
  }));
}
