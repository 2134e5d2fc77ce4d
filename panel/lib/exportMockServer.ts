/**
 * A capture as a standalone mock server: a Node script (ES module) on the `ws` package that replays the server side
 * to any client that connects, with the same exchange and matching as the Playwright export (captureScript.ts has the
 * rule; exportPlaywright.ts the same replay written for page.routeWebSocket). For developers who do not use
 * Playwright: point the page at it. Pure: the panel saves the text, the unit tests run it.
 */
import { blockComment, describeScript, socketsLiteral, str, type CaptureScript } from './captureScript';

export function exportMockServer(script: CaptureScript, { appVersion = 'dev', now = new Date() }: { appVersion?: string; now?: Date } = {}): string {
  const o = script.options;
  const header = blockComment([
    'A WebSocket mock server exported from WS Lens: it replays the server side of a capture to any client.',
    '',
    ...describeScript(script, appVersion, now),
    '',
    'Each connection plays a recorded socket with its path: the Nth connection the Nth one, and after the last the',
    'first again (a path the capture does not have plays all of them in turn). It logs what it matched and what it',
    'did not to stderr; when the process ends (Ctrl+C, SIGTERM, or --once after the first connection closes) it exits',
    'with 1 if a client sent a frame the capture does not have or did not send a recorded one, else 0.',
    '',
    'Run it (Node 18 or later):',
    '  npm i ws',
    '  node <this file> [--port 8080] [--host 127.0.0.1] [--fast] [--pass-through] [--upstream ws://…] [--once]',
    'then open the page with its socket pointed at ws://127.0.0.1:8080<path>. --fast sends every answer at once,',
    '--pass-through sends frames the capture does not have on to the real server (the recorded URL, or --upstream).',
  ]);
  return `#!/usr/bin/env node
${header}
import { WebSocket, WebSocketServer } from 'ws';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const PORT = Number(option('--port', process.env.PORT ?? 8080));
const HOST = option('--host', '127.0.0.1');
/** 'recorded': each answer after its recorded delay; 'fast': every answer at once, in the same order */
const TIMING = args.includes('--fast') ? 'fast' : ${str(o.timing)};
/** 'fail': a frame the capture does not have is an error; 'pass': it goes on to the real server */
const UNMATCHED = args.includes('--pass-through') ? 'pass' : ${str(o.unmatched)};
const UPSTREAM = option('--upstream', undefined);
const ONCE = args.includes('--once');
/** JSON matching leaves these out: keys (anywhere) or paths from $ */
const IGNORE = [${o.ignore.map(str).join(', ')}];

const SOCKETS = ${socketsLiteral(script.sockets)};

// ------------------------------------------------------------------------------------------ the replay itself

let failed = false;
let connectionCount = 0;
/** what each open connection says when it ends */
const reports = new Set();
const plays = new Map();
const wss = new WebSocketServer({ host: HOST, port: PORT });
wss.on('listening', () => console.error(\`WS Lens mock server listening on ws://\${HOST}:\${wss.address().port}\`));

wss.on('connection', (ws, req) => {
  const number = ++connectionCount;
  const path = new URL(req.url, 'ws://x').pathname;
  const samePath = SOCKETS.filter((s) => new URL(s.url).pathname === path);
  const candidates = samePath.length ? samePath : SOCKETS;
  const key = samePath.length ? path : '*';
  const n = plays.get(key) ?? 0;
  plays.set(key, n + 1);
  const recorded = candidates[n % candidates.length];
  const label = \`connection \${number} (\${path}, recorded \${recorded.url})\`;
  console.error(\`\${label}: open\`);
  const left = [...recorded.expects];
  let unexpected = 0;
  const upstream = UNMATCHED === 'pass' ? connectUpstream(UPSTREAM ?? recorded.url, recorded.protocols, ws, label) : undefined;
  // one queue per connection: an answer never overtakes an earlier one
  let queue = Promise.resolve();
  const answer = (replies, from, echoed) => {
    for (const r of replies)
      queue = queue.then(async () => {
        const wait = TIMING === 'recorded' ? from + r.after - Date.now() : 0;
        if (wait > 0) await new Promise((done) => setTimeout(done, wait));
        if (ws.readyState === WebSocket.OPEN) ws.send(payloadOf(r, echoed), { binary: r.binary !== undefined });
      });
  };
  answer(recorded.onConnect, Date.now());
  ws.on('message', (data, isBinary) => {
    const at = Date.now();
    const message = isBinary ? data : data.toString('utf8');
    const i = left.findIndex((e) => matches(e, message));
    if (i < 0) {
      if (upstream) {
        console.error(\`\${label}: passed through \${show(message)}\`);
        upstream.send(message);
      } else {
        unexpected++;
        failed = true;
        console.error(\`\${label}: UNEXPECTED frame, the capture does not have it: \${show(message)}\`);
      }
      return;
    }
    const [e] = left.splice(i, 1);
    console.error(\`\${label}: matched \${show(message)}\`);
    answer(e.replies, at, typeof message === 'string' ? parse(message) : undefined);
  });
  const report = (how) => {
    reports.delete(report);
    if (left.length) failed = true;
    console.error(\`\${label}: \${how}; \${recorded.expects.length - left.length} of \${recorded.expects.length} recorded frames matched, \${left.length} not sent, \${unexpected} unexpected\`);
    for (const e of left) console.error(\`  not sent: \${show(e.text ?? Buffer.from(e.binary, 'base64'))}\`);
  };
  reports.add(report);
  ws.on('close', () => {
    upstream?.close();
    report('closed');
    if (ONCE) finish();
  });
});

/** --pass-through: the real server, for the frames the capture does not have; its own frames go to the client. */
function connectUpstream(url, protocols, client, label) {
  const server = new WebSocket(url, protocols);
  const pending = [];
  server.on('open', () => pending.splice(0).forEach((m) => server.send(m)));
  server.on('message', (data, isBinary) => {
    if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
  });
  server.on('error', (e) => console.error(\`\${label}: upstream \${url}: \${e.message}\`));
  return {
    send: (m) => (server.readyState === WebSocket.OPEN ? server.send(m) : pending.push(m)),
    close: () => server.close(),
  };
}

function finish() {
  for (const report of [...reports]) report('still open at exit');
  wss.close();
  for (const c of wss.clients) c.terminate();
  // exit once stderr has taken the lines above (a pipe may be asynchronous)
  process.stderr.write('', () => process.exit(failed ? 1 : 0));
}
process.on('SIGINT', finish);
process.on('SIGTERM', finish);

function matches(e, message) {
  if (e.binary !== undefined) return typeof message !== 'string' && message.toString('base64') === e.binary;
  if (typeof message !== 'string') return false;
  if (e.match instanceof RegExp) return new RegExp(e.match.source, e.match.flags).test(message);
  if (e.match === 'json') {
    const want = parse(e.text);
    const got = parse(message);
    if (want !== undefined && got !== undefined) return JSON.stringify(strip(want, '$')) === JSON.stringify(strip(got, '$'));
  }
  return message === e.text;
}

/** A JSON value without its IGNORE fields, keys sorted: two frames match when these are equal. */
function strip(value, path) {
  if (Array.isArray(value)) return value.map((v, i) => strip(v, \`\${path}[\${i}]\`));
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const key of Object.keys(value).sort()) {
    const at = \`\${path}.\${key}\`;
    if (!IGNORE.includes(key) && !IGNORE.includes(at)) out[key] = strip(value[key], at);
  }
  return out;
}

function payloadOf(r, echoed) {
  if (r.binary !== undefined) return Buffer.from(r.binary, 'base64');
  if (!r.echo || echoed === undefined) return r.text;
  const out = parse(r.text);
  for (const [to, from] of Object.entries(r.echo)) {
    const value = get(echoed, from);
    if (value !== undefined) set(out, to, value);
  }
  return JSON.stringify(out);
}

function keysOf(path) {
  return (path.slice(1).match(/\\.[^.[\\]]+|\\[\\d+\\]/g) ?? []).map((k) => (k[0] === '[' ? Number(k.slice(1, -1)) : k.slice(1)));
}

function get(value, path) {
  let v = value;
  for (const k of keysOf(path)) v = v !== null && typeof v === 'object' ? v[k] : undefined;
  return v;
}

function set(value, path, to) {
  const keys = keysOf(path);
  const last = keys.pop();
  const parent = get(value, keys.reduce((p, k) => p + (typeof k === 'number' ? \`[\${k}]\` : \`.\${k}\`), '$'));
  if (parent !== null && typeof parent === 'object') parent[last] = to;
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function show(message) {
  const s = typeof message === 'string' ? JSON.stringify(message) : \`<\${message.length} bytes> \${message.toString('base64')}\`;
  return s.length > 200 ? s.slice(0, 200) + '…' : s;
}
`;
}
