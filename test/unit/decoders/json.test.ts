/**
 * The plain JSON decoder on what a small app on the `ws` library (server and client) really sends, recorded
 * through a proxy on 127.0.0.1, and on rpc-websockets' JSON; plus a few hand-written edge cases.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { plainJson } from '../../../panel/decoders/json';
import type { Decoded, FrameInput } from '../../../panel/decoders/types';
import { TRUNCATED } from '../../../panel/decoders/util';
import { startRecorder, until, type Recorder, type RecordedSocket } from '../lib/recorder';

// rpc-websockets' package exports have no "types" condition, so TypeScript's bundler resolution finds no types
type RpcWebsockets = typeof import('../../../node_modules/rpc-websockets/dist/index.mjs');
const { Client, Server } = createRequire(import.meta.url)('rpc-websockets') as RpcWebsockets;

let wss: WebSocketServer;
let rpcServer: InstanceType<typeof Server>;
let rec: Recorder;
let rpcRec: Recorder;
let app: RecordedSocket;
let rpc: RecordedSocket;

beforeAll(async () => {
  // a chat app's protocol: JSON with a "type", plus what else apps send over the same socket
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'welcome', user: { id: 7, name: 'ada' }, rooms: ['general', 'random'] }));
    ws.on('message', (data, isBinary) => {
      if (isBinary || String(data) === 'ping') return;
      const msg = JSON.parse(String(data));
      if (msg.action === 'join') ws.send(JSON.stringify({ event: 'joined', room: msg.room, members: 3 }));
      if (msg.type === 'chat') ws.send(JSON.stringify({ type: 'chat', room: 7, text: msg.text, at: 1700000000000 }));
      if (msg.op === 'history') ws.send(JSON.stringify([{ text: 'a' }, { text: 'b' }, { text: 'c' }]));
    });
  });
  await new Promise((r) => wss.on('listening', r));
  rec = await startRecorder(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const ws = new WebSocket(rec.url + '/chat');
  await new Promise((r) => ws.on('open', r));
  ws.send(JSON.stringify({ action: 'join', room: 'general' }));
  ws.send(JSON.stringify({ type: 'chat', text: 'hello there, this is a long message that goes on and on' }));
  ws.send(JSON.stringify({ op: 'history', limit: 3 }));
  ws.send('ping');
  ws.send(Buffer.from([1, 2, 3]));
  app = rec.sockets[0];
  await until(() => app.frames.length >= 9);
  ws.close();

  rpcServer = new Server({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => rpcServer.on('listening', r));
  rpcServer.register('sum', (p) => (p as number[]).reduce((a, b) => a + b, 0));
  rpcRec = await startRecorder(`ws://127.0.0.1:${(rpcServer.wss.address() as AddressInfo).port}`);
  const client = new Client(rpcRec.url + '/', { reconnect: false });
  await new Promise((r) => client.on('open', r));
  await client.call('sum', [1, 2]);
  rpc = rpcRec.sockets[0];
  await until(() => rpc.frames.length >= 2);
  client.close();
});

afterAll(async () => {
  await rec.close();
  await rpcRec.close();
  wss.close();
  await rpcServer.close();
});

const decode = (f: FrameInput): Decoded | null => plainJson.create().decode(f).decoded;
const byText = (s: RecordedSocket, start: string): FrameInput => {
  const f = s.frames.find((x) => x.text?.startsWith(start));
  if (!f) throw new Error(`no frame ${start} in ${s.frames.map((x) => x.text).join('\n')}`);
  return f;
};

describe('json: recorded from a ws app and rpc-websockets', () => {
  it('is never chosen by handshake; by content only for JSON objects and arrays', () => {
    expect(plainJson.byHandshake(app.url, app.protocol)).toBe(false);
    for (const f of app.frames) expect(plainJson.byContent(f), f.text ?? '<binary>').toBe(f.text !== undefined && f.text !== 'ping');
    expect(plainJson.byContent(rpc.frames[0])).toBe(true);
  });

  it('leads the summary with the telling keys, then the first others', () => {
    const welcome = decode(byText(app, '{"type":"welcome"'))!;
    expect(welcome.summary).toBe('type: "welcome" · user: {…} · rooms: [2]');
    expect(welcome.fields).toEqual({ type: 'welcome', user: { id: 7, name: 'ada' }, rooms: ['general', 'random'] });
    expect(welcome.search).toBe('welcome');
    expect(decode(byText(app, '{"action":"join"'))!.summary).toBe('action: "join" · room: "general"');
    expect(decode(byText(app, '{"event":"joined"'))!.summary).toBe('event: "joined" · room: "general" · members: 3');
    expect(decode(byText(app, '{"type":"chat","room"'))!.summary).toBe('type: "chat" · room: 7 · text: "hello there, this is a long message tha…"');
    expect(decode(byText(app, '{"op":"history"'))!.summary).toBe('op: "history" · limit: 3');
    const rpcCall = decode(rpc.frames[0])!;
    expect(rpcCall.summary).toBe('method: "sum" · jsonrpc: "2.0" · params: [2]');
    expect(rpcCall.search).toBe('sum');
  });

  it('shows an array as an array', () => {
    const d = decode(byText(app, '['))!;
    expect(d.summary).toBe('array of 3');
    expect(d.fields).toEqual([{ text: 'a' }, { text: 'b' }, { text: 'c' }]);
    expect(d.protocol).toBe('json');
  });

  it('leaves text and binary that is not JSON alone, and says when a preview was cut', () => {
    expect(decode(byText(app, 'ping'))).toBeNull();
    expect(decode(app.frames.find((f) => f.bytes)!)).toBeNull();
    for (const f of app.frames) {
      if (!f.text) continue;
      for (let n = 1; n < f.text.length; n++) {
        const d = decode({ ...f, text: f.text.slice(0, n), truncated: true });
        if (f.text !== 'ping') expect(d?.error, f.text.slice(0, n)).toBe(TRUNCATED);
      }
    }
    const chat = byText(app, '{"type":"chat","room"');
    expect(decode({ ...chat, text: chat.text!.slice(0, 20), truncated: true })).toMatchObject({ summary: 'type: "chat"', error: TRUNCATED });
    expect(decode({ ...chat, text: '{"text":"abc', truncated: true })).toMatchObject({ summary: 'text: …', error: TRUNCATED });
    expect(decode({ ...chat, text: '{"te', truncated: true })).toMatchObject({ summary: '{…', error: TRUNCATED });
    expect(decode({ ...chat, text: '[{"type":1}', truncated: true })).toMatchObject({ summary: '[…', error: TRUNCATED });
  });
});

describe('json: edge cases', () => {
  const f = (text: string): FrameInput => ({ seq: 1, direction: 'received', mono: 0, text, truncated: false });

  it('handles empty containers, scalars, trailing whitespace and nested telling keys', () => {
    expect(decode(f('{}'))!.summary).toBe('{}');
    expect(decode(f('[]'))!.summary).toBe('array of 0');
    expect(decode(f('42'))).toMatchObject({ summary: '42', fields: { value: 42 } });
    expect(decode(f('"hi"'))!.summary).toBe('"hi"');
    expect(decode(f('null'))!.fields).toEqual({ value: null });
    expect(plainJson.byContent(f('42'))).toBe(false);
    expect(plainJson.byContent(f('{"a":1}\n'))).toBe(true);
    expect(plainJson.byContent(f('{not json}'))).toBe(false);
    expect(plainJson.byContent(f('[1,'))).toBe(false);
    // a telling key whose value is an object says nothing in a summary: it takes its place among the others
    expect(decode(f('{"id":1,"type":{"k":"v"},"b":2,"c":3}'))!.summary).toBe('id: 1 · type: {…} · b: 2');
    expect(decode(f('{"topic":"t","channel":"c","op":1,"method":"m","action":"a"}'))!.summary).toBe('action: "a" · op: 1 · method: "m"');
  });
});
