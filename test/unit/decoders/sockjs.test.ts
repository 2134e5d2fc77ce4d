/**
 * The SockJS decoder on what sockjs-client 1.6 (in Node, its websocket transport) and a sockjs 0.3 server really put
 * on the wire, recorded through a proxy on 127.0.0.1: an echo server (open, heartbeat, arrays, close), and STOMP over
 * SockJS — Spring's usual setup — with @stomp/stompjs over sockjs-client against stomp-broker-js on its own sockjs
 * adapter (`protocol: 'sockjs'`), so the STOMP inside is decoded by the STOMP decoder and paired across frames.
 * sockjs-client asks the server's `/info` over plain HTTP first: the recorder passes that through unrecorded.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client } from '@stomp/stompjs';
import { PROTOCOLS } from '../../../panel/decoders';
import type { Decoded, FrameInput, Protocol } from '../../../panel/decoders/types';
import { TRUNCATED } from '../../../panel/decoders/util';
import { startRecorder, until, type Recorder, type RecordedSocket } from '../lib/recorder';
import { replayInOrder } from '../lib/replay';

// sockjs, sockjs-client and stomp-broker-js are CommonJS without types
const require = createRequire(import.meta.url);
interface Conn {
  on(event: 'data', fn: (m: string) => void): void;
  write(m: string): void;
  close(code: number, reason: string): void;
}
const sockjs = require('sockjs') as {
  createServer(o: object): { on(e: 'connection', fn: (c: Conn) => void): void; installHandlers(s: http.Server): void };
};
interface SockJsSocket {
  onopen: (() => void) | null;
  onclose: ((e: { code: number; reason: string }) => void) | null;
  onmessage: ((e: { data: string }) => void) | null;
  send(m: string): void;
}
const SockJS = require('sockjs-client') as new (url: string, _: null, o: object) => SockJsSocket;
const StompServer = require('stomp-broker-js') as new (config: object) => {
  send(topic: string, headers: Record<string, string>, body: string): void;
};

const sockJs = PROTOCOLS.find((p) => p.id === 'sockjs') as Protocol;

let echoServer: http.Server;
let stompServer: http.Server;
let echoRec: Recorder;
let stompRec: Recorder;
let echo: RecordedSocket;
let st: RecordedSocket;
let closed: { code: number; reason: string };

const portOf = (s: http.Server) => (s.address() as AddressInfo).port;

beforeAll(async () => {
  echoServer = http.createServer();
  const srv = sockjs.createServer({ prefix: '/echo', log: () => undefined, heartbeat_delay: 60 });
  srv.on('connection', (c) => {
    // sockjs 0.3 keeps a websocket alive with protocol pings where the socket supports them; sockjs-client's other
    // transports, older sockjs servers and Spring's send SockJS's own `h` frame instead. Turning the ping off makes
    // this server take that path (its GenericReceiver.heartbeat), so the recording has real `h` frames.
    const ws = (c as unknown as { _session: { recv: { ws: { ping: () => boolean } } } })._session.recv.ws;
    ws.ping = () => false;
    c.on('data', (m) => {
      if (m === 'bye') c.close(3000, 'Go away');
      else c.write(m);
    });
  });
  srv.installHandlers(echoServer);
  await new Promise<void>((r) => echoServer.listen(0, '127.0.0.1', r));
  echoRec = await startRecorder(`ws://127.0.0.1:${portOf(echoServer)}`);
  const s = new SockJS(`http://127.0.0.1:${new URL(echoRec.url).port}/echo`, null, { transports: ['websocket'] });
  await new Promise<void>((r) => (s.onopen = r));
  echo = echoRec.sockets[0];
  s.send('hello "sockjs"');
  s.send(JSON.stringify({ type: 'chat', text: 'hi' }));
  // the server sends `h` after heartbeat_delay without writes
  await until(() => echo.frames.some((f) => f.text === 'h'));
  s.send('bye');
  closed = await new Promise((r) => (s.onclose = r));

  stompServer = http.createServer();
  // stomp-broker-js gives its sockjs server no `log` option: sockjs would log every request to the console
  const quiet = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  // the broker's heart-beats need a `readyState` its sockjs adapter lacks: only the client's show here
  const broker = new StompServer({ server: stompServer, path: '/stomp', protocol: 'sockjs', heartbeat: [50, 50] });
  await new Promise<void>((r) => stompServer.listen(0, '127.0.0.1', r));
  stompRec = await startRecorder(`ws://127.0.0.1:${portOf(stompServer)}`);
  const got: string[] = [];
  const client = new Client({
    webSocketFactory: () => new SockJS(`http://127.0.0.1:${new URL(stompRec.url).port}/stomp`, null, { transports: ['websocket'] }),
    heartbeatOutgoing: 50,
    heartbeatIncoming: 0,
    reconnectDelay: 0,
  });
  await new Promise<void>((r) => {
    client.onConnect = () => r();
    client.activate();
  });
  st = stompRec.sockets[0];
  client.subscribe('/topic/x', (m) => got.push(m.body), { id: 'sub-0' });
  await until(() => st.frames.some((f) => f.text?.includes('SUBSCRIBE')));
  // the broker delivers a client's SEND to every session but the sender's: these two go nowhere, and the broker's
  // own publishing API delivers the MESSAGEs
  client.publish({ destination: '/topic/x', body: 'hello' });
  client.publish({ destination: '/topic/x', body: JSON.stringify({ n: 1 }), headers: { 'content-type': 'application/json' } });
  await until(() => st.frames.filter((f) => f.text?.startsWith('["SEND')).length === 2);
  broker.send('/topic/x', {}, 'hello');
  broker.send('/topic/x', { 'content-type': 'application/json' }, JSON.stringify({ n: 1 }));
  await until(() => got.length === 2);
  await until(() => st.frames.filter((f) => f.text === '["\\n"]').length >= 2);
  await client.deactivate();
  await until(() => st.frames.some((f) => f.text?.includes('RECEIPT')));
  quiet.mockRestore();
});

afterAll(async () => {
  await echoRec?.close();
  await stompRec?.close();
  for (const s of [echoServer, stompServer]) {
    s?.closeAllConnections();
    await new Promise((r) => s?.close(r));
  }
});

const run = (frames: FrameInput[]) => replayInOrder(sockJs, frames).views;
const find = (s: RecordedSocket, start: string, nth = 0) => {
  const f = s.frames.filter((x) => x.text?.startsWith(start))[nth];
  if (!f) throw new Error(`no ${start} #${nth} in ${s.frames.map((x) => x.text).join(' | ')}`);
  return f;
};
let made = 10_000;
const frame = (text: string, direction: 'sent' | 'received' = 'received', truncated = false): FrameInput => ({
  seq: ++made,
  direction,
  mono: made,
  text,
  truncated,
});
const decodeAll = (frames: FrameInput[]): Decoded[] => {
  const views = run(frames);
  return frames.map((f) => views.get(f.seq)!);
};

describe('SockJS (sockjs-client ↔ sockjs echo server)', () => {
  it('is detected from its session url and from the open frame, and only from those', () => {
    expect(echo.url).toMatch(/\/echo\/\d{3}\/[^/]+\/websocket$/);
    expect(sockJs.byHandshake(echo.url, '')).toBe(true);
    expect(sockJs.byHandshake('wss://h/app/sockjs/info', '')).toBe(true);
    // the raw endpoint speaks no SockJS framing; Supabase's and Phoenix's urls look alike but are not SockJS
    expect(sockJs.byHandshake('ws://h/echo/websocket', '')).toBe(false);
    expect(sockJs.byHandshake('ws://h/realtime/v1/websocket?apikey=x', '')).toBe(false);
    expect(sockJs.byHandshake('ws://h/socket/websocket?vsn=2.0.0', '')).toBe(false);
    expect(sockJs.byHandshake('nonsense', '')).toBe(false);
    expect(echo.frames[0].text).toBe('o');
    expect(sockJs.byContent(echo.frames[0])).toBe(true);
    expect(sockJs.byContent(find(echo, 'a['))).toBe(true);
    expect(sockJs.byContent(find(echo, 'c['))).toBe(true);
    // what the client sends is plain JSON: an array of strings is no proof of SockJS
    expect(sockJs.byContent(find(echo, '["hello'))).toBe(false);
    expect(sockJs.byContent(frame('o', 'sent'))).toBe(false);
    expect(sockJs.byContent(frame('a[1,2]'))).toBe(false);
    expect(sockJs.byContent(frame('ok'))).toBe(false);
    // and no other protocol takes SockJS's frames
    for (const f of echo.frames) {
      expect(PROTOCOLS.filter((p) => p.byContent(f)).map((p) => p.id), f.text).toEqual(f.direction === 'received' && f.text !== 'h' ? ['sockjs'] : []);
    }
  });

  it('decodes open, heartbeat, arrays both ways and the close', () => {
    const views = run(echo.frames);
    const at = (f: FrameInput) => views.get(f.seq)!;
    expect(at(echo.frames[0])).toMatchObject({ protocol: 'sockjs', summary: 'open', fields: { frame: 'open' } });
    const h = at(find(echo, 'h'));
    expect(h).toMatchObject({ summary: 'heartbeat', heartbeat: true });
    const sent = at(find(echo, '["hello'));
    expect(sent.summary).toBe('[1] "hello \\"sockjs\\""');
    expect(sent.fields).toEqual({ frame: 'send', count: 1, messages: ['hello "sockjs"'] });
    expect(sent.search).toContain('hello "sockjs"');
    // the inner JSON message, with no protocol recognised, is read as plain JSON
    const json = at(find(echo, 'a[', 1));
    expect(json.summary).toBe('a[1] type: "chat" · text: "hi"');
    expect(json.fields.messages).toEqual([{ protocol: 'json', summary: 'type: "chat" · text: "hi"', type: 'chat', text: 'hi' }]);
    expect(json.search).toContain('chat');
    const c = at(find(echo, 'c['));
    expect(c).toMatchObject({ summary: 'close 3000 Go away', fields: { frame: 'close', code: 3000, reason: 'Go away' } });
    expect(closed).toMatchObject({ code: 3000, reason: 'Go away' });
    for (const f of echo.frames) {
      expect(at(f).error, f.text).toBeUndefined();
      expect(JSON.parse(JSON.stringify(at(f)))).toEqual(at(f));
    }
  });

  it('gives errors for malformed and truncated frames, and null for what is not SockJS', () => {
    const [cut, bad, badClose, truncClose] = decodeAll([
      frame('a["one","tw', 'received', true),
      frame('a[1,2]'),
      frame('c[3000]x'),
      frame('c[30', 'received', true),
    ]);
    expect(cut.summary).toBe('a[1+] "one"');
    expect(cut.error).toBe(TRUNCATED);
    expect(cut.fields.messages).toEqual(['one']);
    expect(bad.error).toBe('not an array of message strings');
    expect(badClose.error).toMatch(/close frame/);
    expect(truncClose.error).toBe(TRUNCATED);
    const dec = sockJs.create();
    for (const t of ['', 'hello', 'oo', 'hh', '{"a":1}']) expect(dec.decode(frame(t)).decoded, t).toBeNull();
    expect(dec.decode(frame('{"a":1}', 'sent')).decoded).toBeNull();
    expect(dec.decode(frame('[1]', 'sent')).decoded).toBeNull();
    expect(dec.decode({ ...frame(''), text: undefined, bytes: new Uint8Array([1]) }).decoded).toBeNull();
    // never throws on any cut of the recorded frames
    for (const f of echo.frames) for (let n = 0; n < f.text!.length; n++) sockJs.create().decode({ ...f, text: f.text!.slice(0, n), truncated: true });
  });
});

describe('STOMP over SockJS (@stomp/stompjs over sockjs-client ↔ stomp-broker-js on sockjs)', () => {
  it('is detected as SockJS and decodes the STOMP inside', () => {
    expect(sockJs.byHandshake(st.url, st.protocol)).toBe(true);
    const views = run(st.frames);
    const summaries = st.frames.map((f) => views.get(f.seq)!).filter((d) => !d.heartbeat).map((d) => d.summary);
    expect(summaries).toEqual([
      'open',
      '[1] STOMP CONNECT 1.2,1.1,1.0 · heart-beat 50,0',
      'a[1] STOMP CONNECTED 1.1 · heart-beat 0,50',
      '[1] STOMP SUBSCRIBE /topic/x · sub-0',
      '[1] STOMP SEND /topic/x · 5 B',
      '[1] STOMP SEND /topic/x · 7 B',
      'a[1] STOMP MESSAGE /topic/x · sub-0',
      'a[1] STOMP MESSAGE /topic/x · sub-0',
      '[1] STOMP DISCONNECT',
      'a[1] STOMP RECEIPT close-0',
    ]);
    const msg = views.get(find(st, 'a["MESSAGE', 1).seq)!;
    expect(msg.fields.carries).toBe('stomp');
    expect(msg.fields.messages).toEqual([
      expect.objectContaining({ protocol: 'stomp', command: 'MESSAGE', body: { n: 1 }, bodyFormat: 'json' }),
    ]);
    expect(msg.search).toContain('/topic/x');
    expect(msg.search).toContain('sub-0');
    expect(msg.search).toContain('sockjs');
  });

  it('pairs inside: CONNECT ↔ CONNECTED and DISCONNECT ↔ RECEIPT with rtt, MESSAGE → SUBSCRIBE', () => {
    const views = run(st.frames);
    const at = (f: FrameInput) => views.get(f.seq)!;
    const connect = find(st, '["CONNECT');
    const connected = find(st, 'a["CONNECTED');
    expect(at(connected).related).toEqual([{ seq: connect.seq, label: 'CONNECT' }]);
    expect(at(connected).rtt).toBeGreaterThanOrEqual(0);
    // the request learned its answer through an update, mapped back to the SockJS frame
    expect(at(connect).related).toEqual([{ seq: connected.seq, label: 'CONNECTED' }]);
    expect(at(find(st, 'a["MESSAGE')).related).toEqual([{ seq: find(st, '["SUBSCRIBE').seq, label: 'SUBSCRIBE' }]);
    const disconnect = find(st, '["DISCONNECT');
    const receipt = find(st, 'a["RECEIPT');
    expect(at(receipt).related).toEqual([{ seq: disconnect.seq, label: 'DISCONNECT' }]);
    expect(at(disconnect).related).toEqual([{ seq: receipt.seq, label: 'RECEIPT' }]);
    const { outputs } = replayInOrder(sockJs, st.frames);
    expect(outputs[st.frames.indexOf(receipt)].updates?.map((u) => u.seq)).toEqual([disconnect.seq]);
  });

  it('marks STOMP heart-beats carried in SockJS arrays as heartbeats', () => {
    const views = run(st.frames);
    const beats = st.frames.filter((f) => f.text === '["\\n"]');
    expect(beats.length).toBeGreaterThanOrEqual(2);
    for (const b of beats) expect(views.get(b.seq)).toMatchObject({ summary: '[1] STOMP heart-beat', heartbeat: true });
  });

  it('keeps several messages of one array apart, pairing each (hand-made from the recorded ones)', () => {
    const subscribe = find(st, '["SUBSCRIBE');
    const message = JSON.parse(find(st, 'a["MESSAGE').text!.slice(1))[0] as string;
    const receipt = JSON.parse(find(st, 'a["RECEIPT').text!.slice(1))[0] as string;
    const [, sub, disc, both] = decodeAll([
      frame(find(st, '["CONNECT').text!, 'sent'),
      frame(subscribe.text!, 'sent'),
      frame(JSON.stringify(['DISCONNECT\nreceipt:close-0\n\n\0']), 'sent'),
      frame('a' + JSON.stringify([message, receipt])),
    ]);
    expect(both.summary).toBe('a[2] STOMP MESSAGE /topic/x · sub-0; RECEIPT close-0');
    expect(both.related).toEqual([
      { seq: made - 2, label: 'SUBSCRIBE' },
      { seq: made - 1, label: 'DISCONNECT' },
    ]);
    expect(sub.summary).toBe('[1] STOMP SUBSCRIBE /topic/x · sub-0');
    expect(disc.related).toEqual([{ seq: made, label: 'RECEIPT' }]);
    expect((both.fields.messages as unknown[]).length).toBe(2);
  });

  it('detects the inner protocol late and decodes the messages before it too', () => {
    // a MESSAGE alone is no proof of STOMP; the CONNECTED after it is: both end up decoded
    const [first, second] = decodeAll([frame('a["hello"]'), frame(find(st, 'a["CONNECTED').text!)]);
    expect(second.summary).toMatch(/^a\[1\] STOMP CONNECTED/);
    expect(first.summary).toBe('a[1] "hello"');
    const { outputs } = replayInOrder(sockJs, [frame('a' + JSON.stringify([`MESSAGE\ndestination:/a\n\nx\0`])), frame('a' + JSON.stringify(['CONNECTED\nversion:1.2\n\n\0']))]);
    expect(outputs[1].updates?.[0].decoded.summary).toBe('a[1] STOMP MESSAGE /a');
  });
});
