/**
 * The Socket.IO decoder on what socket.io-client 4 and a socket.io 4 server really put on the wire (Engine.IO v4,
 * Socket.IO protocol v5), recorded through a proxy on 127.0.0.1; plus a few hand-written edge cases.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { socketIo } from '../../../panel/decoders/socketio';
import type { Decoded, DecodeOutput, FrameInput } from '../../../panel/decoders/types';
import { TRUNCATED } from '../../../panel/decoders/util';
import { startRecorder, until, type Recorder, type RecordedSocket } from '../lib/recorder';
import { replay } from '../lib/replay';

/** Feed frames in order like the panel store does: each frame's view, replaced by later updates. */

let httpServer: http.Server;
let ioServer: Server;
let rec: Recorder;
const clients: Socket[] = [];
let sock: RecordedSocket;
let view: Map<number, Decoded | null>;
let outputs: Map<number, DecodeOutput>;

/** the recorded frame whose text starts with `prefix` (the first, or the n-th) */
function frame(prefix: string, n = 0): FrameInput {
  const found = sock.frames.filter((f) => f.text?.startsWith(prefix));
  if (!found[n]) throw new Error(`no frame ${prefix} #${n} in ${sock.frames.map((f) => f.text ?? '<binary>').join(' | ')}`);
  return found[n];
}
const at = (f: FrameInput): Decoded => {
  const d = view.get(f.seq);
  if (!d) throw new Error(`frame ${f.seq} (${f.text}) did not decode`);
  return d;
};

beforeAll(async () => {
  httpServer = http.createServer();
  // a short ping interval so the recording has Engine.IO's heartbeat in it
  ioServer = new Server(httpServer, { pingInterval: 50, pingTimeout: 2000 });
  ioServer.on('connection', (s) => {
    s.emit('welcome', { motd: 'hi' }, 7);
    s.on('chat message', (msg: string, ack: (r: unknown) => void) => ack({ ok: true, echo: msg }));
    s.on('upload', (_name: string, buf: Buffer, ack: (n: number) => void) => ack(buf.length));
    s.on('download', (ack: (b: Buffer) => void) => ack(Buffer.from('hello')));
    s.on('ask me', () => s.emit('question', 'ready?', () => undefined));
  });
  ioServer.of('/admin').on('connection', (s) => s.emit('stats', [1, 2]));
  ioServer.of('/locked').use((_s, next) => next(Object.assign(new Error('not authorized'), { data: { reason: 'no token' } })));
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  rec = await startRecorder(`ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}`);

  const opts = { transports: ['websocket'], reconnection: false };
  const c = io(rec.url, opts);
  clients.push(c);
  c.on('question', (_q: string, answer: (a: string) => void) => answer('yes'));
  await new Promise((r) => c.on('welcome', r));
  await c.emitWithAck('chat message', 'hello');
  // same origin: socket.io-client multiplexes the namespaces over the one websocket
  const admin = io(rec.url + '/admin', opts);
  clients.push(admin);
  await new Promise((r) => admin.on('stats', r));
  admin.disconnect();
  await c.emitWithAck('upload', 'file.bin', Buffer.from([1, 2, 3, 250]));
  await c.emitWithAck('download');
  c.emit('ask me');
  const locked = io(rec.url + '/locked', opts);
  clients.push(locked);
  await new Promise((r) => locked.on('connect_error', r));
  sock = rec.sockets[0];
  // the page's ack to the server's question and a heartbeat round may still be in flight
  const has = (text: string) => sock.frames.some((f) => f.text === text);
  await until(() => has('430["yes"]') && has('2') && has('3'));
  ({ view, outputs } = replay(socketIo, sock.frames));
});

afterAll(async () => {
  for (const c of clients) c.close();
  await rec.close();
  await ioServer.close();
});

describe('socket.io: recorded from socket.io 4', () => {
  it('is detected from the handshake url and from the open packet', () => {
    expect(sock.url).toContain('/socket.io/?EIO=4&transport=websocket');
    expect(socketIo.byHandshake(sock.url, sock.protocol)).toBe(true);
    expect(socketIo.byHandshake('ws://example.com/chat?EIO=4&transport=websocket', '')).toBe(true);
    expect(socketIo.byHandshake('ws://example.com/chat', '')).toBe(false);
    expect(socketIo.byHandshake('not a url', '')).toBe(false);
    expect(socketIo.byContent(sock.frames[0])).toBe(true);
    // only the server's open packet is telling: an event could be anything's text
    expect(socketIo.byContent(frame('42["welcome"'))).toBe(false);
    expect(socketIo.byContent({ ...sock.frames[0], direction: 'sent' })).toBe(false);
    expect(socketIo.byContent({ ...sock.frames[0], text: '0{"sid":' })).toBe(false);
  });

  it('decodes every frame, with plain JSON-able results', () => {
    for (const f of sock.frames) {
      const d = view.get(f.seq);
      expect(d, f.text).toBeTruthy();
      expect(d!.error, f.text).toBeUndefined();
      expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    }
  });

  it('decodes the Engine.IO open packet and the heartbeat', () => {
    const open = at(sock.frames[0]);
    const hs = JSON.parse(sock.frames[0].text!.slice(1));
    expect(open.summary).toBe(`open sid=${hs.sid}`);
    expect(open.fields).toMatchObject({ engineIO: 'open', sid: hs.sid, pingInterval: 50, pingTimeout: 2000, maxPayload: 1e6 });
    // Engine.IO v4: the server pings, the client answers
    const ping = sock.frames.find((f) => f.text === '2')!;
    expect(ping.direction).toBe('received');
    expect(at(ping).summary).toBe('ping');
    const pong = sock.frames.find((f) => f.text === '3')!;
    expect(pong.direction).toBe('sent');
    expect(at(pong).summary).toBe('pong');
    expect([at(ping).heartbeat, at(pong).heartbeat, open.heartbeat]).toEqual([true, true, undefined]);
  });

  it('decodes connects: the request and the answer with its sid, paired', () => {
    const req = frame('40', 0);
    expect(req.text).toBe('40');
    const res = frame('40{"sid"');
    const sid = JSON.parse(res.text!.slice(2)).sid;
    expect(at(res).summary).toMatch(new RegExp(`^connect / sid=${sid} · (<1|\\d+) ms$`));
    expect(at(res).related).toEqual([{ seq: req.seq, label: 'connect' }]);
    expect(at(req).summary).toBe('connect /');
    expect(at(req).related).toEqual([{ seq: res.seq, label: 'connected' }]);
    expect(at(frame('40/admin,')).summary).toBe('connect /admin');
    expect(at(frame('40/admin,{')).summary).toMatch(/^connect \/admin sid=\S+ · /);
  });

  it('decodes a server event with its args', () => {
    const d = at(frame('42["welcome"'));
    expect(d.summary).toBe('event: welcome');
    expect(d.fields).toEqual({ type: 'EVENT', namespace: '/', event: 'welcome', args: [{ motd: 'hi' }, 7] });
    expect(d.search).toContain('welcome');
  });

  it('pairs an event with its ack: related both ways, rtt on the ack', () => {
    const ev = frame('420["chat message"');
    const ack = frame('430');
    expect(ev.direction).toBe('sent');
    const out = outputs.get(ack.seq)!;
    expect(out.decoded!.summary).toMatch(/^ack 0 · chat message · (<1|\d+) ms$/);
    expect(out.decoded!.rtt).toBeGreaterThanOrEqual(0);
    expect(out.decoded!.related).toEqual([{ seq: ev.seq, label: 'event' }]);
    expect(out.decoded!.fields).toMatchObject({ type: 'ACK', ackId: 0, event: 'chat message', args: [{ ok: true, echo: 'hello' }] });
    // the event learns its ack
    expect(out.updates?.map((u) => u.seq)).toEqual([ev.seq]);
    expect(at(ev).summary).toBe('event: chat message · ack 0');
    expect(at(ev).fields).toMatchObject({ event: 'chat message', ackId: 0, args: ['hello'] });
    expect(at(ev).related).toEqual([{ seq: ack.seq, label: 'ack' }]);
  });

  it('pairs an ack the page sends for a server event', () => {
    const ev = frame('420["question"');
    expect(ev.direction).toBe('received');
    const ack = sock.frames.find((f) => f.direction === 'sent' && f.text === '430["yes"]')!;
    expect(at(ack).summary).toMatch(/^ack 0 · question · /);
    expect(at(ack).related).toEqual([{ seq: ev.seq, label: 'event' }]);
    expect(at(ev).related).toEqual([{ seq: ack.seq, label: 'ack' }]);
  });

  it('decodes namespaced packets and a namespace disconnect', () => {
    expect(at(frame('42/admin,')).summary).toBe('event: stats · /admin');
    expect(at(frame('42/admin,')).fields).toMatchObject({ namespace: '/admin', event: 'stats', args: [[1, 2]] });
    expect(at(frame('41/admin,')).summary).toBe('disconnect /admin');
  });

  it('fills a binary event’s placeholder once its attachment arrives, and relates them', () => {
    const ev = frame('451-');
    expect(ev.text).toBe('451-1["upload","file.bin",{"_placeholder":true,"num":0}]');
    const att = sock.frames[sock.frames.indexOf(ev) + 1];
    expect(att.bytes).toBeDefined();
    const out = outputs.get(att.seq)!;
    expect(out.decoded!.summary).toBe('attachment 1/1 · upload');
    expect(out.decoded!.related).toEqual([{ seq: ev.seq, label: 'event' }]);
    expect(out.decoded!.fields).toMatchObject({ size: 4, hex: '01 02 03 fa' });
    // what the event showed before, and after its attachment
    expect(outputs.get(ev.seq)!.decoded!.fields.args).toEqual(['file.bin', { _placeholder: true, num: 0 }]);
    expect(out.updates?.[0].seq).toBe(ev.seq);
    const filled = at(ev);
    expect(filled.summary).toBe('event: upload · ack 1 · 1 attachment');
    expect(filled.fields.args).toEqual(['file.bin', { attachment: 1, size: 4, hex: '01 02 03 fa' }]);
    expect(filled.related).toContainEqual({ seq: att.seq, label: 'attachment 1' });
    expect(filled.related).toContainEqual({ seq: frame('431[4]').seq, label: 'ack' });
    expect(at(frame('431[4]')).summary).toMatch(/^ack 1 · upload · /);
  });

  it('decodes a binary ack from the server, with a text attachment', () => {
    const ack = frame('461-2');
    expect(ack.direction).toBe('received');
    const att = sock.frames[sock.frames.indexOf(ack) + 1];
    expect(at(att).summary).toBe('attachment 1/1 · ack 2');
    const d = at(ack);
    expect(d.summary).toMatch(/^ack 2 · download · (<1|\d+) ms · 1 attachment$/);
    expect(d.fields.args).toEqual([{ attachment: 1, size: 5, hex: '68 65 6c 6c 6f', text: 'hello' }]);
    expect(d.related).toEqual([
      { seq: frame('422["download"]').seq, label: 'event' },
      { seq: att.seq, label: 'attachment 1' },
    ]);
  });

  it('decodes a connect error from a namespace middleware', () => {
    const err = frame('44/locked,');
    const d = at(err);
    expect(d.summary).toMatch(/^connect error: not authorized · \/locked · /);
    expect(d.fields).toMatchObject({ type: 'CONNECT_ERROR', namespace: '/locked', message: 'not authorized', data: { reason: 'no token' } });
    expect(d.related).toEqual([{ seq: frame('40/locked,').seq, label: 'connect' }]);
  });

  it('never throws on any cut of the recorded frames, and says when it was cut', () => {
    for (const f of sock.frames) {
      const full = f.text ?? '';
      for (let n = 0; n < full.length; n++) {
        const cut = { ...f, text: full.slice(0, n), truncated: true };
        const d = socketIo.create().decode(cut).decoded;
        if (d?.error) expect([TRUNCATED, 'empty message', 'binary packet without an attachment count']).toContain(d.error);
      }
    }
    const cut = { ...frame('420["chat message"'), text: '420["chat mess', truncated: true };
    const d = socketIo.create().decode(cut).decoded!;
    expect(d.error).toBe(TRUNCATED);
    expect(d.summary).toBe('event: chat mess… · ack 0');
  });
});

describe('socket.io: edge cases', () => {
  const f = (seq: number, direction: 'sent' | 'received', text: string): FrameInput => ({ seq, direction, mono: seq, text, truncated: false });

  it('gives errors for malformed packets and null for what is not Engine.IO', () => {
    const dec = socketIo.create();
    expect(dec.decode(f(1, 'received', 'hello')).decoded).toBeNull();
    expect(dec.decode(f(2, 'received', '')).decoded).toBeNull();
    expect(dec.decode(f(3, 'received', '42["x",')).decoded!.error).toBe('malformed JSON payload');
    expect(dec.decode(f(4, 'received', '49')).decoded!.error).toMatch(/unknown Socket.IO packet type/);
    expect(dec.decode(f(5, 'received', '42{"not":"an array"}')).decoded!.error).toMatch(/array/);
    expect(dec.decode(f(6, 'received', '0{bad')).decoded!.error).toBe('malformed handshake');
    expect(dec.decode(f(7, 'received', '45x')).decoded!.error).toMatch(/attachment count/);
    expect(dec.decode(f(8, 'sent', '2probe')).decoded!.summary).toBe('ping probe');
    expect(dec.decode(f(9, 'received', '3probe')).decoded!.summary).toBe('pong probe');
    expect(dec.decode(f(10, 'received', '4hello')).decoded!.summary).toBe('message: hello');
  });

  it('reads Engine.IO v3 / socket.io 2 text packets and base64 attachments', () => {
    const dec = socketIo.create();
    expect(dec.decode(f(1, 'received', '0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":5000}')).decoded!.summary).toBe('open sid=abc · EIO 3');
    // socket.io 2 sent the connect error as a bare string
    expect(dec.decode(f(2, 'received', '44/locked,"not authorized"')).decoded!.summary).toBe('connect error: not authorized · /locked');
    expect(dec.decode(f(3, 'sent', '451-["up",{"_placeholder":true,"num":0}]')).decoded!.summary).toBe('event: up · 1 attachment');
    const out = dec.decode(f(4, 'sent', 'bAQID'));
    expect(out.decoded!.summary).toBe('attachment 1/1 · up');
    expect(out.updates![0].decoded.fields.args).toEqual([{ attachment: 1, size: 3, hex: '01 02 03' }]);
  });

  it('keeps attachments with their own direction when frames interleave', () => {
    const dec = socketIo.create();
    dec.decode(f(1, 'sent', '452-["two",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]'));
    expect(dec.decode({ seq: 2, direction: 'received', mono: 2, bytes: new Uint8Array([9]), truncated: false }).decoded!.summary).toBe('binary message · 1 B');
    expect(dec.decode({ seq: 3, direction: 'sent', mono: 3, bytes: new Uint8Array([1]), truncated: false }).decoded!.summary).toBe('attachment 1/2 · two');
    const last = dec.decode({ seq: 4, direction: 'sent', mono: 4, bytes: new Uint8Array([2, 0]), truncated: true });
    expect(last.decoded!.summary).toBe('attachment 2/2 · two');
    expect(last.decoded!.error).toBe(TRUNCATED);
    expect(last.updates![0].decoded.fields.args).toEqual([
      { attachment: 1, size: 1, hex: '01' },
      { attachment: 2, size: 2, hex: '02 00', truncated: true },
    ]);
  });
});
