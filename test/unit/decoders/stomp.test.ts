/**
 * The STOMP decoder on what @stomp/stompjs and stomp-broker-js really put on the wire, recorded through a proxy on
 * 127.0.0.1, plus hand-made edge cases derived from (or beside) those recordings.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Client, type IMessage } from '@stomp/stompjs';
import { stomp } from '../../../panel/decoders/stomp';
import type { Decoded, FrameInput } from '../../../panel/decoders/types';
import { startRecorder, until, type Recorder, type RecordedSocket } from '../lib/recorder';
import { replayInOrder } from '../lib/replay';

// stomp-broker-js is CommonJS without types
const StompServer = createRequire(import.meta.url)('stomp-broker-js') as new (config: object) => {
  send(topic: string, headers: Record<string, string>, body: string): void;
};

let server: http.Server;
let rec: Recorder;
/** the subscriber (it sends heart-beats), the publisher (the broker sends it heart-beats) */
let sub: RecordedSocket;
let pub: RecordedSocket;
/** a subscriber that receives the binary body */
let bin: RecordedSocket;
const received: IMessage[] = [];

const sockets: WebSocket[] = [];

function client(heartbeatOutgoing: number, heartbeatIncoming: number): Client {
  return new Client({
    webSocketFactory: () => {
      const ws = new WebSocket(`${rec.url}/stomp`, ['v12.stomp', 'v11.stomp', 'v10.stomp']);
      sockets.push(ws);
      return ws;
    },
    heartbeatOutgoing,
    heartbeatIncoming,
    reconnectDelay: 0,
  });
}

async function connect(c: Client): Promise<void> {
  await new Promise<void>((resolve) => {
    c.onConnect = () => resolve();
    c.activate();
  });
}

beforeAll(async () => {
  server = http.createServer();
  // 50 ms heart-beats either way: the broker picks one direction per client (what the client asks for)
  new StompServer({ server, path: '/stomp', heartbeat: [50, 50] });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rec = await startRecorder(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);

  const a = client(50, 0);
  await connect(a);
  sub = rec.sockets[0];
  const b = client(0, 50);
  await connect(b);
  pub = rec.sockets[1];
  const c = client(0, 0);
  await connect(c);
  bin = rec.sockets[2];

  const subscription = a.subscribe('/topic/chat', (m) => received.push(m), { id: 'sub-0' });
  c.subscribe('/topic/bin', (m) => received.push(m), { id: 'bin-0' });
  await until(() => [sub, bin].every((s) => s.frames.some((f) => f.text?.startsWith('SUBSCRIBE'))));
  b.publish({ destination: '/topic/chat', body: 'hello', headers: { receipt: 'r-1' } });
  b.publish({ destination: '/topic/chat', body: JSON.stringify({ n: 1, text: 'hi' }), headers: { 'content-type': 'application/json' } });
  b.publish({ destination: '/topic/bin', binaryBody: new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]) });
  await until(() => received.length === 3);
  // the broker ignores these, but they are real client frames on the wire
  a.ack('m-1', 'sub-0');
  a.nack('m-2', 'sub-0');
  const tx = b.begin('tx-1');
  tx.commit();
  b.begin('tx-2').abort();
  subscription.unsubscribe();
  // an unknown subscription: the broker answers with an ERROR frame
  a.unsubscribe('nope');
  await until(() => sub.frames.some((f) => f.text?.startsWith('ERROR')));
  await until(() => sub.frames.filter((f) => f.text === '\n').length >= 2 && pub.frames.filter((f) => f.text === '\n').length >= 2);
  await a.deactivate();
  await b.deactivate();
  // the binary body left c's parser out of step with the stream (see below): it would never see a RECEIPT
  sockets[2].close(1000);
  await c.deactivate();
});

afterAll(async () => {
  await rec?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

const run = (frames: FrameInput[]) => replayInOrder(stomp, frames);

const utf8 = new TextDecoder();
const asText = (f: FrameInput) => f.text ?? utf8.decode(f.bytes);

/** the nth recorded frame of `socket` whose payload starts with `start` */
function find(socket: RecordedSocket, start: string, nth = 0): FrameInput {
  const found = socket.frames.filter((f) => asText(f).startsWith(start))[nth];
  if (!found) throw new Error(`no ${start} #${nth} recorded`);
  return found;
}

/** a frame made by hand (or from recorded payloads), seq and mono counting up */
let made = 1000;
function frame(payload: string | Uint8Array, direction: 'sent' | 'received' = 'received', truncated = false): FrameInput {
  made++;
  const base = { seq: made, direction, mono: made, truncated };
  return typeof payload === 'string' ? { ...base, text: payload } : { ...base, bytes: payload };
}

function decodeAll(frames: FrameInput[]): Decoded[] {
  const { views } = run(frames);
  return frames.map((f) => views.get(f.seq)!);
}

describe('STOMP over the wire (stompjs ↔ stomp-broker-js)', () => {
  it('is detected from the negotiated subprotocol and from the CONNECT/CONNECTED frames', () => {
    expect(rec.sockets).toHaveLength(3);
    for (const s of rec.sockets) {
      expect(s.protocol).toBe('v12.stomp');
      expect(stomp.byHandshake(s.url, s.protocol)).toBe(true);
      expect(stomp.byHandshake(s.url, '')).toBe(false);
      expect(stomp.byContent(s.frames[0])).toBe(true);
      expect(stomp.byContent(find(s, 'CONNECTED'))).toBe(true);
    }
    expect(stomp.byHandshake('ws://x/ws', 'v11.stomp')).toBe(true);
    expect(stomp.byHandshake('ws://x/ws', 'stomp')).toBe(true);
    expect(stomp.byHandshake('ws://x/stomp', 'mqtt')).toBe(false);
    expect(stomp.byContent(find(sub, 'SUBSCRIBE'))).toBe(false);
    expect(stomp.byContent(find(sub, 'MESSAGE'))).toBe(false);
    expect(stomp.byContent(find(sub, '\n'))).toBe(false);
    expect(stomp.byContent(frame(new TextEncoder().encode(asText(sub.frames[0]))))).toBe(true);
    expect(stomp.byContent(frame('CONNECTING to the server\n'))).toBe(false);
    expect(stomp.byContent(frame('{"type":"connect"}'))).toBe(false);
  });

  it('summarizes every frame the subscriber exchanged', () => {
    const summaries = decodeAll(sub.frames).map((d) => d.summary);
    // heart-beats, and only they, are keep-alives the panel can hide
    expect(decodeAll(sub.frames).every((d) => (d.summary === 'heart-beat') === (d.heartbeat === true))).toBe(true);
    expect(summaries).toContain('heart-beat');
    expect(summaries.filter((s) => s !== 'heart-beat')).toEqual([
      'CONNECT 1.2,1.1,1.0 · heart-beat 50,0',
      'CONNECTED 1.1 · heart-beat 0,50',
      'SUBSCRIBE /topic/chat · sub-0',
      'MESSAGE /topic/chat · sub-0',
      'MESSAGE /topic/chat · sub-0',
      'ACK m-1',
      'NACK m-2',
      'UNSUBSCRIBE sub-0',
      'UNSUBSCRIBE nope',
      'ERROR: UNSUBSCRIBE ERROR',
      'DISCONNECT',
      'RECEIPT close-0',
    ]);
    // the client sends the heart-beats on this socket (it asked for 50,0 and the broker agreed)
    const beats = sub.frames.filter((f) => f.text === '\n');
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats.every((f) => f.direction === 'sent')).toBe(true);
  });

  it('summarizes the publisher: SEND text, JSON and binary bodies, transactions, server heart-beats', () => {
    const decoded = decodeAll(pub.frames);
    expect(decoded.map((d) => d.summary).filter((s) => s !== 'heart-beat')).toEqual([
      'CONNECT 1.2,1.1,1.0 · heart-beat 0,50',
      'CONNECTED 1.1 · heart-beat 50,0',
      'SEND /topic/chat · 5 B',
      'SEND /topic/chat · 19 B',
      'SEND /topic/bin · 6 B',
      'BEGIN tx-1',
      'COMMIT tx-1',
      'BEGIN tx-2',
      'ABORT tx-2',
      'DISCONNECT',
      'RECEIPT close-0',
    ]);
    const beats = pub.frames.filter((_, i) => decoded[i].summary === 'heart-beat');
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats.every((f) => f.direction === 'received' && f.text === '\n')).toBe(true);
  });

  it('reads headers and bodies: text, JSON, and a binary WebSocket frame whose body holds a NUL', () => {
    const [hello, json, binary] = decodeAll([find(pub, 'SEND'), find(pub, 'SEND', 1), find(pub, 'SEND', 2)]);
    expect(hello.fields).toEqual({
      command: 'SEND',
      headers: { destination: '/topic/chat', receipt: 'r-1', 'content-length': '5' },
      body: 'hello',
      bodyFormat: 'text',
      bodyBytes: 5,
    });
    expect(hello.search).toContain('/topic/chat');
    expect(hello.search).toContain('r-1');
    expect(json.fields.body).toEqual({ n: 1, text: 'hi' });
    expect(json.fields.bodyFormat).toBe('json');

    // stompjs sends binaryBody as a binary WebSocket frame; content-length lets the body contain a NUL
    expect(find(pub, 'SEND', 2).bytes).toBeInstanceOf(Uint8Array);
    expect(binary.error).toBeUndefined();
    expect(binary.fields).toMatchObject({
      command: 'SEND',
      headers: { destination: '/topic/bin', 'content-length': '6' },
      body: 'de ad be ef 00 01',
      bodyFormat: 'binary',
      bodyBytes: 6,
    });
  });

  it('reads what the broker sends: MESSAGE bodies, ERROR, and its miscounted content-length', () => {
    const [message, json] = decodeAll([find(sub, 'MESSAGE'), find(sub, 'MESSAGE', 1)]);
    // stomp-broker-js forwards the SEND's headers, receipt included, and adds its own bytes_message
    expect(message.fields.headers).toEqual({
      destination: '/topic/chat',
      receipt: 'r-1',
      'content-length': '5',
      bytes_message: 'true',
      subscription: 'sub-0',
    });
    expect(message.fields.body).toBe('hello');
    expect(message.search).toContain('sub-0');
    expect(json.fields.body).toEqual({ n: 1, text: 'hi' });

    const [error] = decodeAll([find(sub, 'ERROR')]);
    expect(error.fields).toMatchObject({ command: 'ERROR', headers: { message: 'UNSUBSCRIBE ERROR' }, body: 'nope' });

    // the broker re-encoded the binary body as text (U+FFFD for the bad bytes, cut at its NUL) and counted
    // content-length in UTF-16 units: 3, for 8 bytes on the wire. The NUL still ends the frame.
    const [mangled] = decodeAll([find(bin, 'MESSAGE')]);
    expect(mangled.summary).toBe('MESSAGE /topic/bin · bin-0');
    expect(mangled.fields.bodyBytes).toBe(8);
    expect(mangled.fields.body).toBe('\u07ad\ufffd\ufffd');
    expect(mangled.error).toBe('content-length is 3 B but the body is 8 B');
  });

  it('pairs CONNECTED with CONNECT and RECEIPT with the frame that asked for it, with rtt and updates', () => {
    const decoder = stomp.create();
    const outputs = new Map(sub.frames.map((f) => [f.seq, decoder.decode(f)]));
    const connect = sub.frames[0];
    const connected = find(sub, 'CONNECTED');
    const connectedOut = outputs.get(connected.seq)!;
    expect(connectedOut.decoded!.related).toEqual([{ seq: connect.seq, label: 'CONNECT' }]);
    expect(connectedOut.decoded!.rtt).toBeCloseTo(connected.mono - connect.mono, 6);
    expect(connectedOut.updates).toEqual([
      { seq: connect.seq, decoded: { ...outputs.get(connect.seq)!.decoded, related: [{ seq: connected.seq, label: 'CONNECTED' }] } },
    ]);

    const disconnect = find(sub, 'DISCONNECT');
    const receipt = find(sub, 'RECEIPT');
    const receiptOut = outputs.get(receipt.seq)!;
    expect(receiptOut.decoded!.related).toEqual([{ seq: disconnect.seq, label: 'DISCONNECT' }]);
    expect(receiptOut.decoded!.rtt).toBeGreaterThanOrEqual(0);
    expect(receiptOut.updates?.[0].seq).toBe(disconnect.seq);
    expect(receiptOut.updates?.[0].decoded.related).toEqual([{ seq: receipt.seq, label: 'RECEIPT' }]);
    expect(receiptOut.updates?.[0].decoded.summary).toBe('DISCONNECT');

    // the broker copied SEND's receipt header onto MESSAGE: that is no request for a receipt
    const message = outputs.get(find(sub, 'MESSAGE').seq)!;
    expect(message.decoded!.rtt).toBeUndefined();
  });

  it('links MESSAGE and UNSUBSCRIBE to their SUBSCRIBE by subscription id', () => {
    const { views } = run(sub.frames);
    const subscribe = find(sub, 'SUBSCRIBE').seq;
    expect(views.get(find(sub, 'MESSAGE').seq)!.related).toEqual([{ seq: subscribe, label: 'SUBSCRIBE' }]);
    expect(views.get(find(sub, 'MESSAGE', 1).seq)!.related).toEqual([{ seq: subscribe, label: 'SUBSCRIBE' }]);
    expect(views.get(find(sub, 'UNSUBSCRIBE').seq)!.related).toEqual([{ seq: subscribe, label: 'SUBSCRIBE' }]);
    expect(views.get(find(sub, 'UNSUBSCRIBE', 1).seq)!.related).toBeUndefined();
    expect(run(bin.frames).views.get(find(bin, 'MESSAGE').seq)!.related).toEqual([{ seq: find(bin, 'SUBSCRIBE').seq, label: 'SUBSCRIBE' }]);
  });
});

describe('STOMP edge cases, from the recorded frames', () => {
  it('decodes several STOMP frames (and heart-beats between them) in one WebSocket message', () => {
    const parts = [find(pub, 'BEGIN'), find(pub, 'COMMIT'), find(pub, 'BEGIN', 1), find(pub, 'ABORT')].map(asText);
    const [joined] = decodeAll([frame(parts.join('\n'), 'sent')]);
    expect(joined.summary).toBe('BEGIN tx-1 (+3 more)');
    expect((joined.fields.frames as { command: string }[]).map((f) => f.command)).toEqual(['BEGIN', 'COMMIT', 'BEGIN', 'ABORT']);
    expect(joined.search).toContain('tx-2');
    expect(joined.error).toBeUndefined();

    // binary: the recorded binary SEND (a NUL inside its body) followed by the recorded text SEND
    const binary = find(pub, 'SEND', 2).bytes!;
    const text = new TextEncoder().encode(asText(find(pub, 'SEND')));
    const both = new Uint8Array([...binary, ...text]);
    const [two] = decodeAll([frame(both, 'sent')]);
    expect(two.summary).toBe('SEND /topic/bin · 6 B (+1 more)');
    expect((two.fields.frames as { body: unknown }[]).map((f) => f.body)).toEqual(['de ad be ef 00 01', 'hello']);
  });

  it('reads CRLF line endings (STOMP 1.2)', () => {
    const original = asText(find(sub, 'MESSAGE', 1));
    const [head, body] = original.split('\n\n');
    const [lf, crlf] = decodeAll([frame(original), frame(head.replaceAll('\n', '\r\n') + '\r\n\r\n' + body)]);
    expect(crlf.fields).toEqual(lf.fields);
    expect(crlf.summary).toBe('MESSAGE /topic/chat · sub-0');
    expect(decodeAll([frame('\r\n')])[0].summary).toBe('heart-beat');
    expect(decodeAll([frame('\n\n')])[0].summary).toBe('heart-beat');
  });

  it('says what is missing from a truncated preview, and never throws on damaged frames', () => {
    const message = asText(find(sub, 'MESSAGE', 1));
    const [cutBody] = decodeAll([frame(message.slice(0, message.length - 8), 'received', true)]);
    expect(cutBody.summary).toBe('MESSAGE /topic/chat · sub-0');
    expect(cutBody.error).toMatch(/preview/);
    expect(cutBody.error).toMatch(/content-length is 19 B but only 12 B follow/);
    const [cutHeaders] = decodeAll([frame(message.slice(0, 30), 'received', true)]);
    expect(cutHeaders.error).toMatch(/ends inside its headers/);

    // every prefix and a deterministic shower of corruptions of every recorded frame
    let x = 7;
    const random = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const s of rec.sockets) {
      for (const f of s.frames) {
        const bytes = f.bytes ?? new TextEncoder().encode(f.text);
        const decoder = stomp.create();
        for (let n = 0; n <= bytes.length; n++) expect(() => decoder.decode(frame(bytes.slice(0, n), f.direction, true))).not.toThrow();
        for (let i = 0; i < 50; i++) {
          const bad = bytes.slice();
          for (let k = 0; k < 3; k++) bad[Math.floor(random() * bad.length)] = Math.floor(random() * 256);
          expect(() => decoder.decode(frame(bad, f.direction))).not.toThrow();
        }
      }
    }
  });

  it('flags malformed frames and passes over what is not STOMP', () => {
    const [noNul, lengthTooLong, junkAfter] = decodeAll([
      frame('SEND\ndestination:/q\n\nbody', 'sent'),
      frame('SEND\ndestination:/q\ncontent-length:99\n\nbody\0', 'sent'),
      frame('SEND\ndestination:/q\n\nbody\0garbage', 'sent'),
    ]);
    expect(noNul.error).toBe('no NUL at the end of the frame');
    expect(noNul.fields.body).toBe('body');
    expect(lengthTooLong.error).toBe('content-length is 99 B but only 5 B follow');
    expect(junkAfter.summary).toBe('SEND /q · 4 B');
    expect(junkAfter.error).toMatch(/not a STOMP frame at byte 26: "garbage"/);

    const decoder = stomp.create();
    expect(decoder.decode(frame('hello')).decoded).toBeNull();
    expect(decoder.decode(frame('{"CONNECT":1}')).decoded).toBeNull();
    expect(decoder.decode(frame('')).decoded).toBeNull();
    expect(decoder.decode(frame(new Uint8Array([0x10, 0x0c, 0, 4, 77, 81, 84, 84]))).decoded).toBeNull();
    expect(decoder.decode(frame(new Uint8Array(0))).decoded).toBeNull();
  });
});

describe('STOMP edge cases, hand-made', () => {
  const connected = (version: string) => frame(`CONNECTED\nversion:${version}\n\n\0`);

  it('unescapes header values by the negotiated version, never in CONNECT/CONNECTED', () => {
    const raw = 'MESSAGE\ndestination:/q\nx:a\\cb\\nc\\\\d\\re\nsubscription:s\n\n\0';
    const [, v12] = decodeAll([connected('1.2'), frame(raw)]);
    expect((v12.fields.headers as Record<string, string>).x).toBe('a:b\nc\\d\re');
    expect(v12.error).toBeUndefined();
    // \r is a 1.2 escape: in 1.1 it is undefined, which is malformed
    const [, v11] = decodeAll([connected('1.1'), frame(raw)]);
    expect((v11.fields.headers as Record<string, string>).x).toBe('a:b\nc\\d\\re');
    expect(v11.error).toBe('undefined escape \\r in a header');
    // 1.0 has no escapes
    const [, v10] = decodeAll([frame('CONNECTED\n\n\0'), frame(raw)]);
    expect((v10.fields.headers as Record<string, string>).x).toBe('a\\cb\\nc\\\\d\\re');
    const [connect] = decodeAll([frame('CONNECT\naccept-version:1.2\nlogin:a\\cb\n\n\0', 'sent')]);
    expect((connect.fields.headers as Record<string, string>).login).toBe('a\\cb');
  });

  it('names a MESSAGE without a destination header by its subscription (stomp-broker-js sends such)', () => {
    const [, message] = decodeAll([
      frame('SUBSCRIBE\nid:sub-9\ndestination:/topic/x\n\n\0', 'sent'),
      frame('MESSAGE\nsubscription:sub-9\nmessage-id:m1\n\nhi\0'),
    ]);
    expect(message.summary).toBe('MESSAGE /topic/x · sub-9');
    expect(message.search).toContain('/topic/x');
  });

  it('keeps the first of repeated headers and lists them all', () => {
    const [message] = decodeAll([frame('MESSAGE\ndestination:/a\ndestination:/b\nsubscription:s\ndestination:/c\n\nx\0')]);
    expect(message.summary).toBe('MESSAGE /a · s');
    expect(message.fields.headers).toEqual({ destination: '/a', subscription: 's' });
    expect(message.fields.repeatedHeaders).toEqual({ destination: ['/a', '/b', '/c'] });
    // header names are the page's: they stay plain data
    const [odd] = decodeAll([frame('MESSAGE\nconstructor:a\n__proto__:b\n__proto__:c\n\n\0')]);
    expect(JSON.stringify(odd.fields.headers)).toBe('{"constructor":"a","__proto__":"b"}');
    expect(JSON.stringify(odd.fields.repeatedHeaders)).toBe('{"__proto__":["b","c"]}');
  });

  it('pairs an ERROR that refuses the connection with its CONNECT, and an ERROR with a receipt-id', () => {
    const [, refused] = decodeAll([
      frame('CONNECT\naccept-version:1.2\nhost:broker\nlogin:guest\n\n\0', 'sent'),
      frame('ERROR\nmessage:Bad CONNECT\ncontent-type:text/plain\n\nbad credentials\0'),
    ]);
    expect(refused.summary).toBe('ERROR: Bad CONNECT');
    expect(refused.related).toEqual([{ seq: made - 1, label: 'CONNECT' }]);
    expect(refused.rtt).toBe(1);

    const [, , send, error] = decodeAll([
      frame('CONNECT\naccept-version:1.2\n\n\0', 'sent'),
      connected('1.2'),
      frame('SEND\ndestination:/queue/a\nreceipt:77\n\n{"a":1}\0', 'sent'),
      frame('ERROR\nreceipt-id:77\n\nno such queue\0'),
    ]);
    expect(send.related).toEqual([{ seq: made, label: 'ERROR' }]);
    expect(send.fields.body).toEqual({ a: 1 });
    expect(error.summary).toBe('ERROR: no such queue');
    expect(error.related).toEqual([{ seq: made - 1, label: 'SEND' }]);
  });

  it('summarizes STOMP 1.0 style frames (no ids) and a binary frame that is not UTF-8', () => {
    const [subscribe, message, unsubscribe] = decodeAll([
      frame('SUBSCRIBE\ndestination:/topic/x\n\n\0', 'sent'),
      frame('MESSAGE\ndestination:/topic/x\nmessage-id:1\n\nhi\0'),
      frame('UNSUBSCRIBE\ndestination:/topic/x\n\n\0', 'sent'),
    ]);
    expect(subscribe.summary).toBe('SUBSCRIBE /topic/x');
    expect(message.summary).toBe('MESSAGE /topic/x');
    expect(message.related).toEqual([{ seq: made - 2, label: 'SUBSCRIBE' }]);
    expect(unsubscribe.summary).toBe('UNSUBSCRIBE /topic/x');
    const head = new TextEncoder().encode('SEND\ndestination:/b\n\n');
    const [binary] = decodeAll([frame(new Uint8Array([...head, 0xff, 0xfe, 0x80, 0]), 'sent')]);
    expect(binary.fields).toMatchObject({ body: 'ff fe 80', bodyFormat: 'binary', bodyBytes: 3 });
  });
});
