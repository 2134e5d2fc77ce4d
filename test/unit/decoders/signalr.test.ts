/**
 * The SignalR decoder on what the real @microsoft/signalr 10 client (with @microsoft/signalr-protocol-msgpack for
 * the MessagePack hub protocol) puts on the wire in Node, over its WebSockets transport with skipNegotiation,
 * recorded through a proxy on 127.0.0.1. SignalR's server is ASP.NET Core (.NET), which this machine cannot run:
 * the server here is a small hub written to the published hub protocol spec (the JSON handshake and its `{}` or
 * `{"error":…}` answer, message types 1–7, 0x1E framing for JSON, VarInt length prefixes for MessagePack), and the
 * real client accepting everything it says (invoke resolves, streams complete, client results go back, the close
 * reaches onclose with its error) is what shows it speaks the protocol. One case the JS client cannot take, a
 * MessagePack message cut across two websocket frames (its parser throws "Incomplete message."), is made by cutting
 * a recorded frame in two. The hub is test/servers/signalr.mjs, which the end-to-end server attaches too.
 */
import type { AddressInfo } from 'node:net';
import { HttpTransportType, HubConnectionBuilder, LogLevel, Subject, type HubConnection, type IHttpConnectionOptions } from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, type WebSocketServer } from 'ws';
import { CHOICES, PROTOCOLS } from '../../../panel/decoders';
import { signalr } from '../../../panel/decoders/signalr';
import type { Decoded, FrameInput } from '../../../panel/decoders/types';
import { TRUNCATED } from '../../../panel/decoders/util';
import { startRecorder, until, type Recorder, type RecordedSocket } from '../lib/recorder';
import { replay } from '../lib/replay';
import { signalrServer } from '../../servers/signalr.mjs';

const RS = '\x1e';

// no negotiate request: straight to the WebSockets transport. The ESM build looks for a global WebSocket, which
// Node 20 lacks: hand it ws's (HttpConnection reads this option, its typings leave it out)
const CLIENT_OPTIONS = { skipNegotiation: true, transport: HttpTransportType.WebSockets, WebSocket } as IHttpConnectionOptions;

let wss: WebSocketServer;
let rec: Recorder;
let json: RecordedSocket;
let mp: RecordedSocket;
let refused: RecordedSocket;
const seen: Record<string, unknown[]> = { json: [], messagepack: [] };

async function session(path: string, protocol?: MessagePackHubProtocol): Promise<RecordedSocket> {
  const name = protocol ? 'messagepack' : 'json';
  const b = new HubConnectionBuilder()
    .withUrl(`http://127.0.0.1:${new URL(rec.url).port}${path}`, CLIENT_OPTIONS)
    .configureLogging(LogLevel.None);
  const conn: HubConnection = (protocol ? b.withHubProtocol(protocol) : b).build();
  conn.keepAliveIntervalInMilliseconds = 40;
  conn.on('ReceiveMessage', (user, text) => seen[name].push(['ReceiveMessage', user, text]));
  conn.on('Uploaded', (s) => seen[name].push(['Uploaded', s]));
  conn.on('GetName', () => 'ada');
  const closed = new Promise<Error | undefined>((r) => conn.onclose(r));
  await conn.start();
  const s = rec.sockets.at(-1)!;
  seen[name].push(['echo', await conn.invoke('Echo', protocol ? { n: 1, bytes: new Uint8Array([1, 2]) } : 'hello')]);
  seen[name].push(['fail', await conn.invoke('Fail').catch((e: Error) => e.message)]);
  await conn.send('Broadcast', 'ada', 'hi all');
  const items: unknown[] = [];
  await new Promise<void>((resolve, reject) => conn.stream('Counter', 3).subscribe({ next: (i) => items.push(i), complete: resolve, error: reject }));
  seen[name].push(['counter', items]);
  const ticks: unknown[] = [];
  await new Promise<void>((resolve) => {
    const sub = conn.stream('Ticker').subscribe({
      next: (t) => {
        ticks.push(t);
        if (ticks.length === 2) {
          sub.dispose();
          resolve();
        }
      },
      complete: () => undefined,
      error: () => undefined,
    });
  });
  const upload = new Subject<number>();
  await conn.send('Upload', upload);
  upload.next(1);
  upload.next(2);
  upload.complete();
  await until(() => seen[name].some((x) => (x as unknown[])[0] === 'Uploaded')).catch((e) => { console.log(s.frames.map((f) => f.direction + ' ' + (f.text ?? Buffer.from(f.bytes!).toString('hex')))); throw e; });
  // let the client's keep-alive pings through
  await new Promise((r) => setTimeout(r, 120));
  await conn.send('Leave');
  seen[name].push(['closed', (await closed)?.message]);
  return s;
}

beforeAll(async () => {
  wss = signalrServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.on('listening', r));
  rec = await startRecorder(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  json = await session('/chathub');
  mp = await session('/chathub', new MessagePackHubProtocol());
  const b = new HubConnectionBuilder()
    .withUrl(`http://127.0.0.1:${new URL(rec.url).port}/refuse`, CLIENT_OPTIONS)
    .configureLogging(LogLevel.None)
    .build();
  seen.refused = [await b.start().catch((e: Error) => e.message)];
  refused = rec.sockets.at(-1)!;
  await until(() => refused.frames.length >= 2);
}, 20_000);

afterAll(async () => {
  await rec.close();
  wss.close();
});

const all = (s: RecordedSocket) => replay(signalr, s.frames);
const text = (f: FrameInput) => f.text ?? Buffer.from(f.bytes!).toString('latin1');
const find = (s: RecordedSocket, pred: (d: Decoded) => boolean): { frame: FrameInput; d: Decoded } => {
  const { view } = all(s);
  const frame = s.frames.find((f) => view.get(f.seq) && pred(view.get(f.seq)!));
  if (!frame) throw new Error(`no such frame in ${s.frames.map((f) => view.get(f.seq)?.summary).join('\n')}`);
  return { frame, d: view.get(frame.seq)! };
};
/** a frame's messages' fields, one or several */
const messagesOf = (d: Decoded) => (d.fields.messages as Record<string, unknown>[] | undefined) ?? [d.fields];
/** the frame carrying a message like `like` (the client sends what it has queued in one frame, so it may share it) */
const carrying = (s: RecordedSocket, like: Record<string, unknown>) =>
  find(s, (d) => messagesOf(d).some((m) => Object.entries(like).every(([k, v]) => JSON.stringify(m[k]) === JSON.stringify(v))));
/** summaries with the "(+N more)" a shared frame adds taken off */
const summaries = (s: RecordedSocket) => {
  const { view } = all(s);
  return s.frames.map((f) => view.get(f.seq)!).filter((d) => !d.heartbeat).map((d) => d.summary.replace(/(<1|\d+) ms/g, 'N ms').replace(/ \(\+\d+ more\)$/, ''));
};

describe('signalr: the real client accepted the hub', () => {
  it('completed every call, stream, client result and the close', () => {
    for (const name of ['json', 'messagepack']) {
      const got = Object.fromEntries(seen[name].map((x) => [(x as unknown[])[0], (x as unknown[]).slice(1)]));
      expect(got.fail).toEqual(["An unexpected error occurred invoking 'Fail' on the server."]);
      expect(got.counter).toEqual([[0, 1, 2]]);
      expect(got.ReceiveMessage).toEqual(['ada', 'hi all']);
      expect(got.Uploaded).toEqual(['done']);
      expect(got.closed).toEqual(['Server returned an error on close: Server is shutting down.']);
    }
    expect(seen.refused[0]).toMatch(/Server returned handshake error: Requested protocol 'json' is not available./);
  });
});

describe('signalr: JSON hub protocol, recorded', () => {
  it('is detected by its handshake frame, and by a negotiated url', () => {
    expect(json.frames[0].text).toBe('{"protocol":"json","version":1}' + RS);
    expect(signalr.byContent(json.frames[0])).toBe(true);
    expect(signalr.byContent(mp.frames[0])).toBe(true);
    expect(PROTOCOLS.find((p) => p.byContent(json.frames[0]))?.id).toBe('signalr');
    expect(PROTOCOLS.find((p) => p.byContent(mp.frames[0]))?.id).toBe('signalr');
    for (const f of json.frames.slice(1)) expect(signalr.byContent(f)).toBe(false);
    expect(signalr.byHandshake(json.url, '')).toBe(false);
    expect(signalr.byHandshake('wss://x/chathub?id=RZyZfhN7bVJo3mE4O8Gk7w', '')).toBe(true);
    expect(signalr.byHandshake('wss://x/api/items?id=12345678', '')).toBe(false);
    expect(signalr.byHandshake('wss://x.service.signalr.net/client/?hub=chat&asrs.op=%2Fclient%2F&id=abc', '')).toBe(true);
    expect(signalr.byContent({ ...json.frames[0], text: '{"protocol":"json","version":1}' })).toBe(false);
    expect(CHOICES.map((p) => p.id)).toContain('signalr');
  });

  it('summarizes the whole conversation', () => {
    const got = summaries(json);
    expect(got.slice(0, 7)).toEqual([
      'handshake json v1 · ok in N ms',
      'handshake ok · N ms',
      'invoke Echo("hello") #0 · completion in N ms',
      'completion #0 Echo · result "hello" · N ms',
      'invoke Fail() #1 · error in N ms',
      `completion #1 Fail · error "An unexpected error occurred invoking 'Fail' on the server." · N ms`,
      'invoke Broadcast("ada", "hi all")',
    ]);
    expect(got).toContain('invoke ReceiveMessage("ada", "hi all")');
    expect(got).toContain('invoke GetName() #s1 · completion in N ms');
    expect(got).toContain('completion #s1 GetName · result "ada" · N ms');
    expect(got).toContain('stream Counter(3) #2 · completion in N ms');
    expect(got).toContain('stream item #2 Counter · 0');
    expect(got).toContain('stream item #2 Counter · 1');
    expect(got).toContain('cancel #3 Ticker');
    expect(got).toContain('stream item #4 Upload · 1');
    expect(got).toContain('completion #4 Upload · void');
    expect(got.at(-1)).toBe('close · error "Server is shutting down." · allowReconnect');
  });

  it('pairs an invocation with its completion: related both ways, rtt, the invocation updated', () => {
    const { view, outputs } = all(json);
    const echo = find(json, (d) => d.summary.startsWith('invoke Echo'));
    const done = find(json, (d) => d.summary.startsWith('completion #0 Echo'));
    expect(done.d.related).toEqual([{ seq: echo.frame.seq, label: 'invocation' }]);
    expect(done.d.rtt).toBeGreaterThanOrEqual(0);
    expect(done.d.fields).toEqual({ type: 3, message: 'Completion', invocationId: '0', target: 'Echo', result: 'hello' });
    expect(outputs.get(done.frame.seq)!.updates?.map((u) => u.seq)).toEqual([echo.frame.seq]);
    expect(view.get(echo.frame.seq)!.related).toEqual([{ seq: done.frame.seq, label: 'completion' }]);
    expect(echo.d.fields).toEqual({ type: 1, message: 'Invocation', invocationId: '0', target: 'Echo', arguments: ['hello'] });
    expect(echo.d.search).toContain('Echo');
    const fail = find(json, (d) => d.summary.startsWith('completion #1'));
    expect(fail.d.fields.error).toBe("An unexpected error occurred invoking 'Fail' on the server.");
    expect(fail.d.error).toBeUndefined();
    // the server's client-result invocation, answered by the client
    const ask = find(json, (d) => d.summary.startsWith('invoke GetName'));
    expect(ask.frame.direction).toBe('received');
    const answer = carrying(json, { invocationId: 's1', result: 'ada' });
    expect(answer.frame.direction).toBe('sent');
    expect(answer.d.related).toContainEqual({ seq: ask.frame.seq, label: 'invocation' });
  });

  it('links stream items, the cancel and the upload stream to their invocation; several messages in one frame', () => {
    const counter = find(json, (d) => d.summary.startsWith('stream Counter'));
    const batch = find(json, (d) => d.summary === 'stream item #2 Counter · 1 (+2 more)');
    expect(text(batch.frame).split(RS)).toHaveLength(4);
    expect(batch.d.fields.messages).toEqual([
      { type: 2, message: 'StreamItem', invocationId: '2', target: 'Counter', item: 1 },
      { type: 2, message: 'StreamItem', invocationId: '2', target: 'Counter', item: 2 },
      { type: 3, message: 'Completion', invocationId: '2', target: 'Counter' },
    ]);
    expect(batch.d.related).toEqual([{ seq: counter.frame.seq, label: 'stream invocation' }]);
    expect(batch.d.rtt).toBeGreaterThanOrEqual(0);
    const ticker = carrying(json, { type: 4, target: 'Ticker' });
    expect(messagesOf(ticker.d)).toContainEqual({ type: 4, message: 'StreamInvocation', invocationId: '3', target: 'Ticker', arguments: [] });
    expect(carrying(json, { type: 5 }).d.related).toContainEqual({ seq: ticker.frame.seq, label: 'stream invocation' });
    expect(find(json, (d) => d.summary.startsWith('stream item #3 Ticker')).d.fields.item).toEqual({ tick: 0, at: '2024-01-01T00:00:00Z' });
    const upload = carrying(json, { target: 'Upload' });
    expect(messagesOf(upload.d)).toContainEqual({ type: 1, message: 'Invocation', target: 'Upload', arguments: [], streamIds: ['4'] });
    expect(upload.d.search).toContain('Upload');
    expect(carrying(json, { invocationId: '4', item: 2 }).d.related).toContainEqual({ seq: upload.frame.seq, label: 'invocation' });
    expect(carrying(json, { type: 3, invocationId: '4' }).d.related).toContainEqual({ seq: upload.frame.seq, label: 'invocation' });
  });

  it('marks pings as heartbeats and reads the close', () => {
    const { view } = all(json);
    const pings = json.frames.filter((f) => view.get(f.seq)!.heartbeat);
    expect(pings.length).toBeGreaterThanOrEqual(1);
    expect(pings.every((f) => f.text === '{"type":6}' + RS && view.get(f.seq)!.summary === 'ping')).toBe(true);
    expect(find(json, (d) => d.summary.startsWith('close')).d.fields).toEqual({ type: 7, message: 'Close', error: 'Server is shutting down.', allowReconnect: true });
  });

  it('reads a refused handshake', () => {
    const { view } = all(refused);
    const [hello, answer] = refused.frames;
    expect(view.get(answer.seq)!.summary).toMatch(/^handshake error: Requested protocol 'json' is not available\. · (<1|\d+) ms$/);
    expect(view.get(answer.seq)!.related).toEqual([{ seq: hello.seq, label: 'handshake' }]);
    expect(view.get(hello.seq)!.summary).toMatch(/^handshake json v1 · error in /);
  });
});

describe('signalr: MessagePack hub protocol, recorded', () => {
  it('reads the handshake answer and a ping sharing one binary frame', () => {
    const answer = mp.frames.find((f) => f.direction === 'received')!;
    expect(answer.bytes).toBeInstanceOf(Uint8Array);
    const { view } = all(mp);
    expect(view.get(answer.seq)!.summary).toMatch(/^handshake ok · (<1|\d+) ms \(\+1 more\)$/);
    expect(mp.frames[0].text).toBe('{"protocol":"messagepack","version":1}' + RS);
  });

  it('summarizes the same conversation from the binary frames', () => {
    const got = summaries(mp);
    expect(got).toContain('invoke Echo({…}) #0 · completion in N ms');
    expect(got).toContain('completion #0 Echo · result {…} · N ms');
    expect(got).toContain(`completion #1 Fail · error "An unexpected error occurred invoking 'Fail' on the server." · N ms`);
    expect(got).toContain('invoke ReceiveMessage("ada", "hi all")');
    expect(got).toContain('stream item #2 Counter · 1');
    expect(got).toContain('cancel #3 Ticker');
    expect(got).toContain('completion #4 Upload · void');
    expect(got.at(-1)).toBe('close · error "Server is shutting down." · allowReconnect');
    const echo = carrying(mp, { target: 'Echo' });
    expect(echo.frame.bytes).toBeInstanceOf(Uint8Array);
    // MessagePack bytes show as hex in the tree
    expect(messagesOf(echo.d)[0].arguments).toEqual([{ n: 1, bytes: { size: 2, hex: '01 02' } }]);
    expect(find(mp, (d) => d.summary.startsWith('completion #0 Echo')).d.fields.result).toEqual({ n: 1, bytes: { size: 2, hex: '01 02' } });
    const { view } = all(mp);
    expect(mp.frames.filter((f) => f.direction === 'sent' && view.get(f.seq)!.heartbeat).length).toBeGreaterThanOrEqual(1);
    for (const f of mp.frames) expect(view.get(f.seq)!.error, view.get(f.seq)!.summary).toBeUndefined();
  });

  it('joins a message cut across two frames, each direction apart', () => {
    const batch = mp.frames.find((f) => f.bytes && all(mp).view.get(f.seq)!.summary.startsWith('stream item #2 Counter · 1'))!;
    const echo = carrying(mp, { target: 'Echo' }).frame;
    const b = batch.bytes!;
    const cut = 5;
    const dec = signalr.create();
    for (const f of mp.frames.slice(0, 2)) dec.decode(f);
    const first = dec.decode({ ...batch, seq: 1000, bytes: b.subarray(0, cut) }).decoded!;
    expect(first.summary).toBe(`part of a message · ${cut} of ${b[0] + 1} B`);
    expect(first.error).toBeUndefined();
    // a sent frame in between does not disturb the received direction's buffer
    expect(dec.decode({ ...echo, seq: 1001 }).decoded!.summary).toMatch(/^invoke Echo/);
    const second = dec.decode({ ...batch, seq: 1002, bytes: b.subarray(cut) }).decoded!;
    expect(second.error).toBeUndefined();
    expect(second.related).toContainEqual({ seq: 1000, label: 'message start' });
    expect(second.summary).toBe('stream item #2 · 1 (+2 more)');
    // a frame cut inside its first message's length prefix or body
    const dec2 = signalr.create();
    const whole = dec2.decode({ ...batch, seq: 2000, bytes: b.subarray(0, 2) }).decoded!;
    expect(whole.summary).toMatch(/^part of a message · 2 of \d+ B$/);
    expect(dec2.decode({ ...batch, seq: 2001, bytes: b.subarray(2) }).decoded!.fields.messages).toHaveLength(3);
  });

  it('says what a truncated preview lost, and never throws on cut or damaged frames', () => {
    const batch = find(mp, (d) => d.summary.startsWith('stream item #2 Counter · 1')).frame;
    const d = signalr.create().decode({ ...batch, bytes: batch.bytes!.subarray(0, batch.bytes!.length - 3), truncated: true }).decoded!;
    expect(d.error).toMatch(new RegExp(`^${TRUNCATED} \\(the last message is cut: \\d+ of \\d+ B\\)$`));
    const jsonBatch = find(json, (x) => x.summary.startsWith('stream item #2 Counter · 1')).frame;
    const j = signalr.create().decode({ ...jsonBatch, text: jsonBatch.text!.slice(0, -5), truncated: true }).decoded!;
    expect(j.summary).toBe('stream item #2 · 1 (+1 more)');
    expect(j.error).toBe(`${TRUNCATED} (the last message is cut)`);
    let x = 3;
    const random = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const s of [json, mp, refused]) {
      const dec = signalr.create();
      for (const f of s.frames) {
        const bytes = f.bytes ?? new TextEncoder().encode(f.text);
        for (let n = 0; n <= bytes.length; n++) {
          const cutFrame = f.bytes ? { ...f, bytes: bytes.slice(0, n), truncated: true } : { ...f, text: f.text!.slice(0, n), truncated: true };
          expect(() => dec.decode(cutFrame)).not.toThrow();
        }
        for (let i = 0; i < 30; i++) {
          const bad = bytes.slice();
          for (let k = 0; k < 3; k++) bad[Math.floor(random() * bad.length)] = Math.floor(random() * 256);
          expect(() => dec.decode({ ...f, bytes: bad, text: undefined })).not.toThrow();
        }
      }
    }
  });

  it('flags malformed messages and passes over text that is not SignalR', () => {
    const dec = signalr.create();
    const f = (t: string, direction: 'sent' | 'received' = 'received'): FrameInput => ({ seq: 1, direction, mono: 0, text: t, truncated: false });
    expect(dec.decode(f('hello')).decoded).toBeNull();
    dec.decode(f('{}' + RS));
    expect(dec.decode(f('{"type":1,"target":"x","arguments":[]}')).decoded!.error).toBe('a message without its record separator (0x1E) at the end');
    expect(dec.decode(f('{"type":2}' + RS)).decoded!.error).toBe('a StreamItem without an "invocationId"');
    expect(dec.decode(f('{"type":1,"target":"x"}' + RS)).decoded!.error).toBe('an invocation without "arguments"');
    expect(dec.decode(f('{"nope":1}' + RS)).decoded!.error).toBe('a message without a "type"');
    expect(dec.decode(f('{"type":6' + RS)).decoded!.error).toBe('malformed JSON');
    expect(dec.decode(f('{"type":8,"sequenceId":4}' + RS)).decoded!.summary).toBe('ack 4');
  });
});
