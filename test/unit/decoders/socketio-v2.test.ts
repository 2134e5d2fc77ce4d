/**
 * The Socket.IO decoder on Engine.IO 3 / Socket.IO protocol 4, as socket.io-client 2 and a socket.io 2 server really
 * put them on the wire (the `socket.io-client-v2` and `socket.io-v2` aliases), recorded through a proxy on
 * 127.0.0.1: binary events and acks whose attachments are binary frames led by the 0x04 message type byte, the
 * client's ping and the server's pong.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOLS } from '../../../panel/decoders';
import { socketIo } from '../../../panel/decoders/socketio';
import type { Decoded, FrameInput } from '../../../panel/decoders/types';
import { startRecorder, until, type Recorder, type RecordedSocket } from '../lib/recorder';
import { replayInOrder } from '../lib/replay';

// socket.io 2 and its client are CommonJS; these are the parts used here
interface ServerSocket {
  emit(event: string, ...args: unknown[]): void;
  on(event: string, fn: (...args: never[]) => void): void;
}
interface IoServer {
  on(event: 'connection', fn: (s: ServerSocket) => void): void;
  of(nsp: string): IoServer;
  close(): void;
}
interface ClientSocket {
  on(event: string, fn: (...args: never[]) => void): void;
  emit(event: string, ...args: unknown[]): void;
  close(): void;
}
const require = createRequire(import.meta.url);
const createServer = require('socket.io-v2') as (s: http.Server, o: object) => IoServer;
const io = require('socket.io-client-v2') as (url: string, o: object) => ClientSocket;

let httpServer: http.Server;
let ioServer: IoServer;
let rec: Recorder;
let sock: RecordedSocket;
const clients: ClientSocket[] = [];
let views: Map<number, Decoded>;

beforeAll(async () => {
  httpServer = http.createServer();
  ioServer = createServer(httpServer, { pingInterval: 50, pingTimeout: 2000 });
  ioServer.on('connection', (s) => {
    s.emit('welcome', { motd: 'hi' });
    s.emit('two', Buffer.from([1, 2]), { nested: Buffer.from([3]) });
    s.on('upload', (_name: string, buf: Buffer, ack: (n: number) => void) => ack(buf.length));
    s.on('download', (ack: (b: Buffer) => void) => ack(Buffer.from('hello')));
  });
  ioServer.of('/admin').on('connection', (s) => s.emit('stats', Buffer.from([9])));
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  rec = await startRecorder(`ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}`);
  const opts = { transports: ['websocket'], reconnection: false };
  const c = io(rec.url, opts);
  clients.push(c);
  const two = new Promise((r) => c.on('two', r));
  await new Promise((r) => c.on('welcome', r));
  await two;
  expect(await new Promise((r) => c.emit('upload', 'f.bin', Buffer.from([1, 2, 3, 250]), r))).toBe(4);
  const hello = await new Promise<Buffer>((r) => c.emit('download', r));
  expect(Buffer.from(hello).toString()).toBe('hello');
  const admin = io(rec.url + '/admin', opts);
  clients.push(admin);
  await new Promise((r) => admin.on('stats', r));
  sock = rec.sockets[0];
  await until(() => sock.frames.some((f) => f.text === '2') && sock.frames.some((f) => f.text === '3'));
  ({ views } = replayInOrder(socketIo, sock.frames, { url: sock.url, subprotocol: sock.protocol }));
});

afterAll(async () => {
  for (const c of clients) c.close();
  await rec?.close();
  ioServer?.close();
});

function frame(prefix: string, n = 0): FrameInput {
  const found = sock.frames.filter((f) => f.text?.startsWith(prefix))[n];
  if (!found) throw new Error(`no ${prefix} #${n} in ${sock.frames.map((f) => f.text ?? '<binary>').join(' | ')}`);
  return found;
}
const after = (f: FrameInput, k = 1) => sock.frames[sock.frames.indexOf(f) + k];
const at = (f: FrameInput) => views.get(f.seq)!;

describe('socket.io 2 (Engine.IO 3): recorded', () => {
  it('is detected from the url and the open packet', () => {
    expect(sock.url).toContain('/socket.io/?EIO=3&transport=websocket');
    expect(PROTOCOLS.find((p) => p.byHandshake(sock.url, sock.protocol))?.id).toBe('socketio');
    expect(socketIo.byContent(sock.frames[0])).toBe(true);
  });

  it('decodes every frame without error; the attachments lose their 0x04 type byte', () => {
    for (const f of sock.frames) {
      expect(at(f), f.text).toBeTruthy();
      expect(at(f).error, f.text).toBeUndefined();
      if (f.bytes) expect(f.bytes[0]).toBe(4);
    }
    expect(at(sock.frames[0]).summary).toMatch(/^open sid=\S+ · EIO 3$/);
    expect(at(sock.frames[0]).fields).toMatchObject({ engineIO: 'open', eio: 3, pingInterval: 50 });
  });

  it('pairs a server event with its two attachments, one nested', () => {
    const ev = frame('452-["two"');
    const [a1, a2] = [after(ev), after(ev, 2)];
    expect(at(a1)).toMatchObject({ summary: 'attachment 1/2 · two', related: [{ seq: ev.seq, label: 'event' }], fields: { size: 2, hex: '01 02' } });
    expect(at(a2)).toMatchObject({ summary: 'attachment 2/2 · two', fields: { size: 1, hex: '03' } });
    const d = at(ev);
    expect(d.summary).toBe('event: two · 2 attachments');
    expect(d.fields.args).toEqual([{ attachment: 1, size: 2, hex: '01 02' }, { nested: { attachment: 2, size: 1, hex: '03' } }]);
    expect(d.related).toEqual([
      { seq: a1.seq, label: 'attachment 1' },
      { seq: a2.seq, label: 'attachment 2' },
    ]);
  });

  it('pairs a client binary event with its attachment and its ack', () => {
    const ev = frame('451-0["upload"');
    expect(ev.direction).toBe('sent');
    const att = after(ev);
    expect(att.direction).toBe('sent');
    expect(at(att).fields).toMatchObject({ size: 4, hex: '01 02 03 fa' });
    const ack = frame('430[4]');
    expect(at(ack)).toMatchObject({ summary: expect.stringMatching(/^ack 0 · upload · /), related: [{ seq: ev.seq, label: 'event' }] });
    expect(at(ev).summary).toBe('event: upload · ack 0 · 1 attachment');
    expect(at(ev).fields.args).toEqual(['f.bin', { attachment: 1, size: 4, hex: '01 02 03 fa' }]);
    expect(at(ev).related).toEqual([
      { seq: att.seq, label: 'attachment 1' },
      { seq: ack.seq, label: 'ack' },
    ]);
  });

  it('decodes a binary ack from the server with a text attachment', () => {
    const ack = frame('461-1');
    const att = after(ack);
    expect(at(att).summary).toBe('attachment 1/1 · ack 1');
    expect(at(ack).summary).toMatch(/^ack 1 · download · (<1|\d+) ms · 1 attachment$/);
    expect(at(ack).fields.args).toEqual([{ attachment: 1, size: 5, hex: '68 65 6c 6c 6f', text: 'hello' }]);
  });

  it('decodes a namespaced binary event', () => {
    const ev = frame('451-/admin,');
    expect(at(ev).summary).toBe('event: stats · /admin · 1 attachment');
    expect(at(after(ev)).summary).toBe('attachment 1/1 · stats');
  });

  it('marks the client ping and the server pong as heartbeats (v3 turned the direction round)', () => {
    const ping = frame('2');
    expect(ping.direction).toBe('sent');
    expect(at(ping)).toMatchObject({ summary: 'ping', heartbeat: true });
    expect(at(frame('3'))).toMatchObject({ summary: 'pong', heartbeat: true });
    expect(at(frame('42["welcome"')).heartbeat).toBeUndefined();
  });

  it('tells v3 from the open packet when the url is not known (decode as), and reads `b4` base64 attachments', () => {
    const { views: v } = replayInOrder(socketIo, sock.frames);
    const ev = frame('452-["two"');
    expect(v.get(after(ev).seq)!.fields).toMatchObject({ hex: '01 02' });
    const dec = socketIo.create({ url: 'ws://h/socket.io/?EIO=3&transport=websocket', subprotocol: '' });
    const f = (seq: number, text: string): FrameInput => ({ seq, direction: 'sent', mono: seq, text, truncated: false });
    dec.decode(f(1, '451-["up",{"_placeholder":true,"num":0}]'));
    const out = dec.decode(f(2, 'b4AQID'));
    expect(out.decoded!.summary).toBe('attachment 1/1 · up');
    expect(out.updates![0].decoded.fields.args).toEqual([{ attachment: 1, size: 3, hex: '01 02 03' }]);
    // a v3 binary frame that is not a message packet says so
    const odd = dec.decode({ seq: 3, direction: 'received', mono: 3, bytes: new Uint8Array([2, 1]), truncated: false }).decoded!;
    expect(odd.error).toMatch(/packet type ping, not message/);
    // and v4 frames keep their first byte
    const v4 = socketIo.create({ url: 'ws://h/socket.io/?EIO=4&transport=websocket', subprotocol: '' });
    v4.decode(f(1, '451-["up",{"_placeholder":true,"num":0}]'));
    expect(v4.decode({ seq: 2, direction: 'sent', mono: 2, bytes: new Uint8Array([4, 1]), truncated: false }).updates![0].decoded.fields.args).toEqual([{ attachment: 1, size: 2, hex: '04 01' }]);
  });
});
