/**
 * The JSON-RPC 2.0 decoder on what rpc-websockets 10 (its Client and Server) really put on the wire, recorded
 * through a proxy on 127.0.0.1; a batch and a malformed frame sent raw to the same real server; plus a few
 * hand-written edge cases.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { jsonRpc } from '../../../panel/decoders/jsonrpc';
import type { Decoded, DecodeOutput, FrameInput } from '../../../panel/decoders/types';
import { TRUNCATED } from '../../../panel/decoders/util';
import { startRecorder, until, type Recorder, type RecordedSocket } from '../lib/recorder';
import { replay } from '../lib/replay';

// rpc-websockets' package exports have no "types" condition, so TypeScript's bundler resolution finds no types
type RpcWebsockets = typeof import('../../../node_modules/rpc-websockets/dist/index.mjs');
const { Client, Server } = createRequire(import.meta.url)('rpc-websockets') as RpcWebsockets;


let server: InstanceType<typeof Server>;
let rec: Recorder;
let client: InstanceType<typeof Client>;
let sock: RecordedSocket;
let raw: RecordedSocket;
let view: Map<number, Decoded | null>;
let outputs: Map<number, DecodeOutput>;

beforeAll(async () => {
  server = new Server({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => server.on('listening', r));
  server.register('sum', (p) => (p as number[]).reduce((a, b) => a + b, 0));
  server.register('slow', async () => {
    await new Promise((r) => setTimeout(r, 20));
    return { done: true };
  });
  server.event('tick');
  rec = await startRecorder(`ws://127.0.0.1:${(server.wss.address() as AddressInfo).port}`);

  client = new Client(rec.url + '/', { reconnect: false });
  await new Promise((r) => client.on('open', r));
  await client.call('sum', [1, 2, 3]);
  await client.call('slow');
  await client.call('nope', { a: 1 }).catch(() => undefined);
  await client.subscribe('tick');
  const ticked = new Promise((r) => client.on('tick', r));
  server.emit('tick', { n: 1 });
  await ticked;
  await client.notify('hello', { x: 1 });
  sock = rec.sockets[0];
  await until(() => sock.frames.length >= 11);

  // what the Client never sends: a batch, and a broken frame
  const ws = new WebSocket(rec.url + '/');
  await new Promise((r) => ws.on('open', r));
  raw = rec.sockets[1];
  ws.send(JSON.stringify([
    { jsonrpc: '2.0', method: 'sum', params: [1, 2], id: 'a' },
    { jsonrpc: '2.0', method: 'nope', id: 'b' },
    { jsonrpc: '2.0', method: 'sum', params: [5] },
  ]));
  await until(() => raw.frames.length >= 2);
  ws.send('{"jsonrpc":"2.0","method":"sum",');
  await until(() => raw.frames.length >= 4);
  ws.close();
  ({ view, outputs } = replay(jsonRpc, sock.frames));
});

afterAll(async () => {
  client.close();
  await rec.close();
  await server.close();
});

const frame = (text: string, s = sock): FrameInput => {
  const f = s.frames.find((x) => x.text === text);
  if (!f) throw new Error(`no frame ${text} in ${s.frames.map((x) => x.text).join('\n')}`);
  return f;
};
const at = (f: FrameInput) => view.get(f.seq)!;

describe('json-rpc: recorded from rpc-websockets', () => {
  it('is detected from content, strictly', () => {
    expect(jsonRpc.byHandshake(sock.url, sock.protocol)).toBe(false);
    expect(jsonRpc.byHandshake('wss://x/', 'jsonrpc')).toBe(true);
    expect(jsonRpc.byContent(sock.frames[0])).toBe(true);
    expect(jsonRpc.byContent(sock.frames[1])).toBe(true);
    expect(jsonRpc.byContent(raw.frames[0])).toBe(true);
    // rpc-websockets' own event frames are not JSON-RPC 2.0
    expect(jsonRpc.byContent(frame('{"notification":"tick","params":{"n":1}}'))).toBe(false);
    expect(jsonRpc.byContent(raw.frames[2])).toBe(false);
    expect(jsonRpc.byContent({ ...sock.frames[0], text: '{"jsonrpc":"1.0","method":"x","id":1}' })).toBe(false);
    expect(jsonRpc.byContent({ ...sock.frames[0], text: '{"text":"about \\"jsonrpc\\":\\"2.0\\""}' })).toBe(false);
  });

  it('decodes every frame, as plain JSON', () => {
    for (const f of sock.frames) {
      const d = view.get(f.seq);
      expect(d, f.text).toBeTruthy();
      expect(d!.error, f.text).toBeUndefined();
      expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    }
  });

  it('pairs a call with its result: related both ways, rtt on the result, the request updated', () => {
    const call = frame('{"jsonrpc":"2.0","method":"sum","params":[1,2,3],"id":1}');
    const result = frame('{"jsonrpc":"2.0","result":6,"id":1}');
    expect(outputs.get(call.seq)!.decoded!.summary).toBe('call sum #1');
    expect(at(call).fields).toEqual({ type: 'request', id: 1, method: 'sum', params: [1, 2, 3] });
    const out = outputs.get(result.seq)!;
    expect(out.decoded!.summary).toMatch(/^result #1 · sum · (<1|\d+) ms$/);
    expect(out.decoded!.rtt).toBeGreaterThanOrEqual(0);
    expect(out.decoded!.related).toEqual([{ seq: call.seq, label: 'request' }]);
    expect(out.decoded!.fields).toEqual({ type: 'result', id: 1, method: 'sum', result: 6 });
    expect(out.updates?.map((u) => u.seq)).toEqual([call.seq]);
    expect(at(call).summary).toMatch(/^call sum #1 · result in (<1|\d+) ms$/);
    expect(at(call).related).toEqual([{ seq: result.seq, label: 'result' }]);
    expect(at(call).search).toContain('sum');
  });

  it('measures the round trip of a slow call', () => {
    const result = frame('{"jsonrpc":"2.0","result":{"done":true},"id":2}');
    expect(at(result).rtt).toBeGreaterThanOrEqual(15);
    expect(at(result).summary).toMatch(/^result #2 · slow · \d+ ms$/);
  });

  it('decodes an error for an unknown method, paired', () => {
    const call = frame('{"jsonrpc":"2.0","method":"nope","params":{"a":1},"id":3}');
    const err = frame('{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":3}');
    expect(at(err).summary).toMatch(/^error -32601 Method not found #3 · nope · (<1|\d+) ms$/);
    expect(at(err).fields).toMatchObject({ type: 'error', id: 3, method: 'nope', error: { code: -32601, message: 'Method not found' } });
    expect(at(err).related).toEqual([{ seq: call.seq, label: 'request' }]);
    expect(at(err).search).toContain('Method not found');
    expect(at(call).summary).toMatch(/^call nope #3 · error in /);
    expect(at(call).related).toEqual([{ seq: err.seq, label: 'error' }]);
  });

  it('decodes a notification, rpc-websockets’ events, and its (unpaired) answer to a notification', () => {
    expect(at(frame('{"jsonrpc":"2.0","method":"rpc.on","params":["tick"],"id":4}')).summary).toMatch(/^call rpc.on #4 · result in/);
    const tick = at(frame('{"notification":"tick","params":{"n":1}}'));
    expect(tick.summary).toBe('event tick');
    expect(tick.fields).toEqual({ type: 'event', method: 'tick', params: { n: 1 } });
    const notify = at(frame('{"jsonrpc":"2.0","method":"hello","params":{"x":1}}'));
    expect(notify.summary).toBe('notify hello');
    expect(notify.related).toBeUndefined();
    // the server answers a notification, which JSON-RPC forbids, with id null: nothing to pair it with
    const answer = at(frame('{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":null}'));
    expect(answer.summary).toBe('error -32601 Method not found');
    expect(answer.related).toBeUndefined();
  });

  it('decodes a batch and its batch of responses, paired', () => {
    const { view: v, outputs: o } = replay(jsonRpc, raw.frames);
    const [batch, responses, broken, parseError] = raw.frames;
    expect(responses.direction).toBe('received');
    expect(o.get(batch.seq)!.decoded!.summary).toBe('batch of 3 · sum, nope, sum');
    expect(v.get(responses.seq)!.summary).toMatch(/^batch of 2 · 1 result, 1 error · (<1|\d+) ms$/);
    expect(v.get(responses.seq)!.related).toEqual([{ seq: batch.seq, label: 'request' }]);
    expect(v.get(responses.seq)!.fields.batch).toEqual([
      { type: 'result', id: 'a', method: 'sum', result: 3 },
      { type: 'error', id: 'b', method: 'nope', error: { code: -32601, message: 'Method not found' } },
    ]);
    expect(v.get(batch.seq)!.related).toEqual([{ seq: responses.seq, label: 'result' }]);
    expect(v.get(batch.seq)!.summary).toMatch(/^batch of 3 · sum, nope, sum · answered in (<1|\d+) ms$/);
    expect((v.get(batch.seq)!.fields.batch as unknown[])[2]).toEqual({ type: 'notification', method: 'sum', params: [5] });
    expect(v.get(broken.seq)!.error).toBe('malformed JSON');
    expect(v.get(parseError.seq)!.summary).toBe('error -32700 Parse error');
    expect(v.get(parseError.seq)!.fields.error).toMatchObject({ code: -32700, data: expect.stringMatching(/^SyntaxError/) });
  });

  it('never throws on a cut frame, and pairs what a preview still shows', () => {
    for (const f of [...sock.frames, ...raw.frames]) {
      for (let n = 0; n < f.text!.length; n++) jsonRpc.create().decode({ ...f, text: f.text!.slice(0, n), truncated: true });
    }
    const dec = jsonRpc.create();
    const call = frame('{"jsonrpc":"2.0","method":"sum","params":[1,2,3],"id":1}');
    const cutCall = dec.decode({ ...call, text: '{"jsonrpc":"2.0","method":"sum","params":[1,2', truncated: true }).decoded!;
    expect(cutCall).toMatchObject({ summary: 'call sum #?', error: TRUNCATED });
    // rpc-websockets puts the id last: a preview cut anywhere loses it
    const slow = frame('{"jsonrpc":"2.0","method":"slow","id":2}');
    expect(dec.decode({ ...slow, text: slow.text!.slice(0, -1), truncated: true }).decoded).toMatchObject({ summary: 'call slow #?', error: TRUNCATED });
    // with the id first, a big request's preview still pairs with its response
    const big = { seq: 100, direction: 'sent' as const, mono: 0, text: '{"id":9,"jsonrpc":"2.0","method":"upload","params":["AAAA', truncated: true };
    expect(dec.decode(big).decoded).toMatchObject({ summary: 'call upload #9', error: TRUNCATED });
    const res = dec.decode({ seq: 101, direction: 'received', mono: 5, text: '{"jsonrpc":"2.0","result":"ok","id":9}', truncated: false });
    expect(res.decoded).toMatchObject({ summary: 'result #9 · upload · 5 ms', related: [{ seq: 100, label: 'request' }] });
    expect(res.updates![0].decoded).toMatchObject({ summary: 'call upload #9 · result in 5 ms', error: TRUNCATED });
    // an id nested in params is not the message's
    const nested = { ...big, seq: 102, text: '{"jsonrpc":"2.0","method":"save","params":{"id":5,"body":"lo' };
    expect(dec.decode(nested).decoded).toMatchObject({ summary: 'call save #?', error: TRUNCATED });
  });
});

describe('json-rpc: edge cases', () => {
  const f = (seq: number, direction: 'sent' | 'received', text: string): FrameInput => ({ seq, direction, mono: seq * 10, text, truncated: false });

  it('pairs a call the server makes with the page’s answer', () => {
    const dec = jsonRpc.create();
    dec.decode(f(1, 'received', '{"jsonrpc":"2.0","method":"ui.confirm","params":["ok?"],"id":"srv-1"}'));
    // a response the same way as the request is not its answer
    expect(dec.decode(f(2, 'received', '{"jsonrpc":"2.0","result":true,"id":"srv-1"}')).decoded!.related).toBeUndefined();
    const out = dec.decode(f(3, 'sent', '{"jsonrpc":"2.0","result":true,"id":"srv-1"}'));
    expect(out.decoded).toMatchObject({ summary: 'result #srv-1 · ui.confirm · 20 ms', rtt: 20, related: [{ seq: 1, label: 'request' }] });
    expect(out.updates![0]).toMatchObject({ seq: 1, decoded: { summary: 'call ui.confirm #srv-1 · result in 20 ms' } });
  });

  it('keeps number and string ids apart', () => {
    const dec = jsonRpc.create();
    dec.decode(f(1, 'sent', '{"jsonrpc":"2.0","method":"a","id":1}'));
    expect(dec.decode(f(2, 'received', '{"jsonrpc":"2.0","result":0,"id":"1"}')).decoded!.related).toBeUndefined();
    expect(dec.decode(f(3, 'received', '{"jsonrpc":"2.0","result":0,"id":1}')).decoded!.related).toEqual([{ seq: 1, label: 'request' }]);
  });

  it('says what is wrong with invalid messages, and leaves other JSON alone', () => {
    const dec = jsonRpc.create();
    expect(dec.decode(f(1, 'sent', '{"jsonrpc":"2.0","method":7,"id":1}')).decoded!.error).toBe('"method" is not a string');
    expect(dec.decode(f(2, 'sent', '{"jsonrpc":"2.0","result":1,"error":{},"id":1}')).decoded!.error).toMatch(/exactly one/);
    expect(dec.decode(f(3, 'sent', '{"jsonrpc":"2.0","error":"bad","id":1}')).decoded!.error).toMatch(/not an object/);
    expect(dec.decode(f(4, 'sent', '{"jsonrpc":"2.0","result":1}')).decoded!.error).toMatch(/without a valid "id"/);
    expect(dec.decode(f(5, 'sent', '[{"jsonrpc":"2.0","method":"a"},5]')).decoded!.error).toBe('not a JSON-RPC 2.0 message');
    expect(dec.decode(f(6, 'sent', '{"type":"chat"}')).decoded).toBeNull();
    expect(dec.decode(f(7, 'sent', '[1,2]')).decoded).toBeNull();
    expect(dec.decode(f(8, 'sent', 'ping')).decoded).toBeNull();
    expect(dec.decode({ seq: 9, direction: 'sent', mono: 0, bytes: new Uint8Array([123]), truncated: false }).decoded).toBeNull();
  });
});
