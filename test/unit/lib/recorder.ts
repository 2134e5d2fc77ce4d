/**
 * A recording WebSocket proxy for decoder tests: real client libraries talk to their real servers through it, on
 * 127.0.0.1, and it records every frame both ways exactly as it crossed (text or binary, with the negotiated
 * subprotocol). Decoders are then tested on what the libraries really put on the wire, not on hand-written frames.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { FrameInput } from '../../../panel/decoders/types';

export interface RecordedSocket {
  url: string;
  /** the subprotocol the upstream server chose ('' when none) */
  protocol: string;
  frames: FrameInput[];
}

export interface Recorder {
  /** ws://127.0.0.1:port: point the client here instead of at the server (same paths) */
  url: string;
  /** one per connection, in order; seq numbers are unique across all of them */
  sockets: RecordedSocket[];
  close(): Promise<void>;
}

function toInput(seq: number, direction: 'sent' | 'received', data: RawData, isBinary: boolean): FrameInput {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  const mono = performance.now();
  return isBinary
    ? { seq, direction, mono, bytes: new Uint8Array(buf), truncated: false }
    : { seq, direction, mono, text: buf.toString('utf8'), truncated: false };
}

/**
 * Pass a close on to the other side. 1005 (no status) and 1006 (no close frame) only describe what happened and
 * cannot be sent: the first becomes a plain 1000, the second an abrupt end on the other side too.
 */
function relayClose(other: WebSocket, code: number): void {
  if (code === 1006 || code === 1015) other.terminate();
  else other.close(code === 1005 ? 1000 : code);
}

/** Start a proxy in front of `target` (e.g. ws://127.0.0.1:1234). */
export async function startRecorder(target: string): Promise<Recorder> {
  const sockets: RecordedSocket[] = [];
  let seq = 0;
  // plain HTTP requests pass through unrecorded: some clients ask the server first (SockJS's /info)
  const server = http.createServer((req, res) => {
    const up = http.request(target.replace(/^ws/, 'http') + req.url, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.once('error', () => res.destroy());
    req.pipe(up);
  });
  const servers = new Set<WebSocketServer>();
  const open = new Set<WebSocket>();
  server.on('upgrade', (req, sock, head) => {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const upstream = new WebSocket(target + req.url, offered);
    open.add(upstream);
    upstream.once('error', () => sock.destroy());
    upstream.once('open', () => {
      const rec: RecordedSocket = { url: target + req.url, protocol: upstream.protocol, frames: [] };
      sockets.push(rec);
      // one server per connection: each answers with the subprotocol its own upstream chose
      const wss = new WebSocketServer({ noServer: true, handleProtocols: () => upstream.protocol || false });
      servers.add(wss);
      wss.handleUpgrade(req, sock, head, (client) => {
        open.add(client);
        client.on('message', (data, isBinary) => {
          rec.frames.push(toInput(seq++, 'sent', data, isBinary));
          upstream.send(data, { binary: isBinary });
        });
        upstream.on('message', (data, isBinary) => {
          rec.frames.push(toInput(seq++, 'received', data, isBinary));
          client.send(data, { binary: isBinary });
        });
        client.on('close', (code) => relayClose(upstream, code));
        upstream.on('close', (code) => relayClose(client, code));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    sockets,
    async close() {
      for (const s of open) s.terminate();
      for (const s of servers) s.close();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Wait until `fn` is true (frames still in flight through the proxy). */
export async function until(fn: () => boolean, timeout = 5000): Promise<void> {
  const end = Date.now() + timeout;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out waiting for recorded frames');
    await new Promise((r) => setTimeout(r, 10));
  }
}
