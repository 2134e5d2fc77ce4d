/**
 * The MessagePack and CBOR decoders on what a small app really sends when it encodes its messages with
 * @msgpack/msgpack and cborg (the libraries the panel decodes with, and the usual choices in browsers), over `ws`
 * (server and client) and recorded through a proxy on 127.0.0.1; plus random binary that detection must not claim.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { encode as encodeMsgpack, ExtData } from '@msgpack/msgpack';
import { encode as encodeCbor, Tagged } from 'cborg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { cbor } from '../../../panel/decoders/cbor';
import { CHOICES, PROTOCOLS } from '../../../panel/decoders';
import { msgpack } from '../../../panel/decoders/msgpack';
import type { Decoded, FrameInput, Protocol } from '../../../panel/decoders/types';
import { TRUNCATED } from '../../../panel/decoders/util';
import { startRecorder, until, type Recorder, type RecordedSocket } from '../lib/recorder';

// msgpack5 ships no types
const msgpack5 = (createRequire(import.meta.url)('msgpack5') as () => { encode(v: unknown): Buffer })();

let wss: WebSocketServer;
let rec: Recorder;
let mp: RecordedSocket;
let cb: RecordedSocket;

const when = new Date('2024-05-06T07:08:09.010Z');

// what each app's client sends, in order; the server answers each with a message of its own
const MSGPACK_SENT = [
  { type: 'chat', room: 'general', text: 'hello' },
  ['join', 7, { since: when }],
  // @msgpack/msgpack writes a Map as an empty map: this one comes from msgpack5 (autobahn's serializer)
  'keys',
  { event: 'upload', name: 'a.bin', data: new Uint8Array([0xde, 0xad, 0xbe, 0xef]), big: 2n ** 63n + 5n, small: 5n },
  { kind: 'custom', ext: new ExtData(5, new Uint8Array([1, 2, 3])), nan: NaN, nested: { a: [1, 2, { b: null }] } },
];
const CBOR_SENT = [
  { type: 'chat', room: 'general', text: 'hello' },
  new Tagged(55799, { event: 'hello', n: 1 }),
  new Map<unknown, unknown>([[1, 'one'], [-2, 'minus two'], [new Uint8Array([10, 11]), 'bytes']]),
  { op: 'stamp', at: new Tagged(1, 1700000000), iso: new Tagged(0, '2024-05-06T07:08:09Z'), cid: new Tagged(42, new Uint8Array([0, 1])) },
  ['big', 2n ** 64n - 1n, -(2n ** 64n), new Tagged(2, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0])), new Uint8Array([1, 2, 3]), undefined, 1.5],
];

beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws, req) => {
    const format = req.url === '/cbor' ? 'cbor' : 'msgpack';
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      // the server's own message back: a status map, as a server app would send
      const reply = { type: 'ack', format, size: (data as Buffer).length, ok: true, list: [1, 'two', { three: 3 }] };
      ws.send(format === 'msgpack' ? encodeMsgpack(reply) : encodeCbor(reply));
    });
  });
  await new Promise((r) => wss.on('listening', r));
  rec = await startRecorder(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  for (const [path, sent] of [['/msgpack', MSGPACK_SENT], ['/cbor', CBOR_SENT]] as const) {
    const ws = new WebSocket(rec.url + path);
    await new Promise((r) => ws.on('open', r));
    ws.send('a text frame: not for the binary decoders');
    for (const v of sent) {
      if (v === 'keys') ws.send(msgpack5.encode(new Map<unknown, unknown>([[1, 'one'], [true, 'yes'], [Buffer.from([10, 11]), 'bytes']])));
      else ws.send(path === '/msgpack' ? encodeMsgpack(v, { useBigInt64: true }) : encodeCbor(v));
    }
    const s = rec.sockets.at(-1)!;
    await until(() => s.frames.length >= 1 + sent.length * 2);
    ws.close();
  }
  [mp, cb] = rec.sockets;
});

afterAll(async () => {
  await rec.close();
  wss.close();
});

const binary = (s: RecordedSocket) => s.frames.filter((f) => f.bytes);
const decode = (p: Protocol, f: FrameInput): Decoded => p.create().decode(f).decoded!;
const ofDirection = (s: RecordedSocket, direction: string) => s.frames.filter((f) => f.bytes && f.direction === direction);
const sent = (s: RecordedSocket, i: number) => decode(s === mp ? msgpack : cbor, ofDirection(s, 'sent')[i]);

/** a deterministic stream of random bytes */
function randomFrames(count: number): FrameInput[] {
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: FrameInput[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = new Uint8Array(1 + Math.floor(next() * 40));
    for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(next() * 256);
    // half of them begin like a map or an array, the case detection must be careful with
    if (i % 2) bytes[0] = 0x80 + Math.floor(next() * 0x40);
    out.push({ seq: i, direction: 'received', mono: 0, bytes, truncated: false });
  }
  return out;
}

describe('msgpack and cbor: recorded', () => {
  it('records binary frames: binary frames, the text frame apart', () => {
    expect(binary(mp)).toHaveLength(MSGPACK_SENT.length * 2);
    expect(binary(cb)).toHaveLength(CBOR_SENT.length * 2);
  });

  it('detects its own frames by content, strictly, and not the other format’s', () => {
    const mpFrames = binary(mp);
    const cbFrames = binary(cb);
    // the map with non-string keys (the third message) is decoded when chosen, but not claimed by content
    expect(mpFrames.filter((f) => f.direction === 'sent').map((f) => msgpack.byContent(f))).toEqual([true, true, false, true, true]);
    expect(cbFrames.filter((f) => f.direction === 'sent').map((f) => cbor.byContent(f))).toEqual([true, true, false, true, true]);
    for (const f of mpFrames.filter((x) => x.direction === 'received')) expect(msgpack.byContent(f)).toBe(true);
    for (const f of cbFrames.filter((x) => x.direction === 'received')) expect(cbor.byContent(f)).toBe(true);
    for (const f of mpFrames) expect(cbor.byContent(f)).toBe(false);
    for (const f of cbFrames) expect(msgpack.byContent(f)).toBe(false);
    expect(msgpack.byContent(mp.frames[0])).toBe(false);
    expect(msgpack.byHandshake('ws://x/', 'msgpack')).toBe(true);
    expect(msgpack.byHandshake('ws://x/', 'wamp.2.json')).toBe(false);
    expect(cbor.byHandshake('ws://x/', 'v1.cbor')).toBe(true);
    // the whole detection chain: a recorded frame is taken by its own format
    expect(PROTOCOLS.find((p) => p.byContent(mpFrames[0]))?.id).toBe('msgpack');
    expect(PROTOCOLS.find((p) => p.byContent(cbFrames[0]))?.id).toBe('cbor');
  });

  it('does not claim random binary', () => {
    const frames = randomFrames(20000);
    expect(frames.filter((f) => msgpack.byContent(f)).length).toBe(0);
    expect(frames.filter((f) => cbor.byContent(f)).length).toBe(0);
  });

  it('shows a MessagePack map with a telling key, and its tree', () => {
    const d = sent(mp, 0);
    expect(d).toMatchObject({ protocol: 'msgpack', summary: 'map of 3 · type: "chat" · room, text' });
    expect(d.fields).toEqual({ type: 'chat', room: 'general', text: 'hello' });
    expect(d.search).toBe('type chat room general text hello');
    expect(d.error).toBeUndefined();
    const reply = decode(msgpack, ofDirection(mp, 'received')[0]);
    expect(reply.summary).toBe('map of 5 · type: "ack" · format, size, ok, list');
    expect(reply.fields).toEqual({ type: 'ack', format: 'msgpack', size: ofDirection(mp, 'sent')[0].bytes!.length, ok: true, list: [1, 'two', { three: 3 }] });
  });

  it('shows arrays, timestamps, non-string keys, binary, bigints and extension types', () => {
    const join = sent(mp, 1);
    expect(join.summary).toBe('array of 3 · "join", 7, {…}');
    expect(join.fields).toEqual(['join', 7, { since: { date: '2024-05-06T07:08:09.010Z' } }]);
    const keys = sent(mp, 2);
    expect(keys.fields).toEqual({ 1: 'one', true: 'yes', "h'0a0b'": 'bytes' });
    expect(keys.summary).toBe("map of 3 · 1, true, h'0a0b'");
    const upload = sent(mp, 3);
    expect(upload.fields).toEqual({ event: 'upload', name: 'a.bin', data: { size: 4, hex: 'de ad be ef' }, big: '9223372036854775813', small: 5 });
    expect(upload.summary).toBe('map of 5 · event: "upload" · name, data, big, small');
    const custom = sent(mp, 4);
    expect(custom.fields).toEqual({ kind: 'custom', ext: { ext: 5, size: 3, hex: '01 02 03' }, nan: 'NaN', nested: { a: [1, 2, { b: null }] } });
    for (const f of binary(mp)) expect(JSON.parse(JSON.stringify(decode(msgpack, f)))).toEqual(decode(msgpack, f));
  });

  it('shows CBOR maps, the self-describe tag, tags by number, dates, bignums and undefined', () => {
    expect(sent(cb, 0)).toMatchObject({ protocol: 'cbor', summary: 'map of 3 · type: "chat" · room, text', fields: { type: 'chat', room: 'general', text: 'hello' } });
    const described = sent(cb, 1);
    expect(binary(cb).filter((f) => f.direction === 'sent')[1].bytes!.subarray(0, 3)).toEqual(new Uint8Array([0xd9, 0xd9, 0xf7]));
    expect(described.summary).toBe('map of 2 · event: "hello" · n (self-described)');
    expect(described.fields).toEqual({ selfDescribed: true, value: { event: 'hello', n: 1 } });
    expect(sent(cb, 2).fields).toEqual({ 1: 'one', '-2': 'minus two', "h'0a0b'": 'bytes' });
    expect(sent(cb, 3).fields).toEqual({
      op: 'stamp',
      at: { tag: 1, value: 1700000000, date: '2023-11-14T22:13:20.000Z' },
      iso: { tag: 0, value: '2024-05-06T07:08:09Z', date: '2024-05-06T07:08:09.000Z' },
      cid: { tag: 42, value: { size: 2, hex: '00 01' } },
    });
    expect(sent(cb, 4).fields).toEqual(['big', '18446744073709551615', '-18446744073709551616', '18446744073709551616', { size: 3, hex: '01 02 03' }, 'undefined', 1.5]);
    expect(sent(cb, 4).summary).toBe('array of 7 · "big", "18446744073709551615", "-18446744073709551616", …');
    for (const f of binary(cb)) expect(JSON.parse(JSON.stringify(decode(cbor, f)))).toEqual(decode(cbor, f));
  });

  it('says a preview was cut, summarizes what its head says, and never throws', () => {
    const f = ofDirection(mp, 'received')[0];
    const cut = decode(msgpack, { ...f, bytes: f.bytes!.subarray(0, 10), truncated: true });
    expect(cut.summary).toBe('map of 5 …');
    expect(cut.error).toMatch(new RegExp(`^${TRUNCATED} \\(.+\\)$`));
    const g = ofDirection(cb, 'received')[0];
    const cutCbor = decode(cbor, { ...g, bytes: g.bytes!.subarray(0, 10), truncated: true });
    expect(cutCbor.summary).toBe('map of 5 …');
    expect(cutCbor.error).toMatch(new RegExp(`^${TRUNCATED}`));
    // a preview that happens to hold the whole value still says it is a preview
    expect(decode(msgpack, { ...f, truncated: true }).error).toBe(TRUNCATED);
    for (const s of [mp, cb]) {
      for (const x of binary(s)) {
        for (let n = 0; n < x.bytes!.length; n++) {
          for (const p of [msgpack, cbor]) {
            const cutFrame = { ...x, bytes: x.bytes!.subarray(0, n), truncated: true };
            expect(() => p.create().decode(cutFrame)).not.toThrow();
            expect(p.byContent(cutFrame)).toBe(false);
          }
        }
      }
    }
    for (const r of randomFrames(2000)) for (const p of [msgpack, cbor]) expect(() => p.create().decode(r)).not.toThrow();
  });

  it('says when a chosen format does not fit a binary frame, and passes over text', () => {
    const d = decode(msgpack, binary(cb)[0]);
    expect(d.protocol).toBe('msgpack');
    expect(d.error).toMatch(/^not one MessagePack value: /);
    expect(decode(cbor, binary(mp)[0]).error).toMatch(/^not one CBOR value: /);
    expect(msgpack.create().decode(mp.frames[0]).decoded).toBeNull();
    expect(cbor.create().decode(cb.frames[0]).decoded).toBeNull();
    // deep nesting is cut in the tree, not a stack overflow
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    const bytes = encodeMsgpack(deep, { maxDepth: 1000 });
    expect(() => decode(msgpack, { seq: 1, direction: 'received', mono: 0, bytes, truncated: false })).not.toThrow();
    expect(() => decode(cbor, { seq: 1, direction: 'received', mono: 0, bytes: encodeCbor(deep), truncated: false })).not.toThrow();
  });

  it('are both in "decode as"', () => {
    expect(CHOICES.map((p) => p.id)).toEqual(expect.arrayContaining(['msgpack', 'cbor']));
  });
});
