/**
 * The Action Cable decoder on what @rails/actioncable 8 really puts on the wire, recorded through a proxy on
 * 127.0.0.1. The server is Ruby, so the server here is a `ws` server written to Action Cable's published protocol
 * (subprotocol `actioncable-v1-json`; `welcome`; a `ping` beat — Rails beats every 3 s, this one every 60 ms so the
 * recording has several; `confirm_subscription` / `reject_subscription` for `subscribe`; channel messages
 * `{identifier, message}`; `disconnect` with `reason` and `reconnect`), and Turbo::StreamsChannel broadcasting a
 * `<turbo-stream>` fragment as turbo-rails does. The real client accepts it: each step waits on the client's own
 * callbacks (connected, rejected, received, disconnected). The server is test/servers/actioncable.mjs, which the
 * end-to-end server attaches too.
 *
 * The client is written for browsers. In Node it gets `ws`'s WebSocket through its `adapters.WebSocket` hook, and
 * no-op `addEventListener` / `removeEventListener` globals for its ConnectionMonitor's `visibilitychange` listener;
 * with a ws:// url it never touches `document`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PROTOCOLS } from '../../../panel/decoders';
import { actionCable, turboStreams } from '../../../panel/decoders/actioncable';
import type { Decoded, FrameInput } from '../../../panel/decoders/types';
import { TRUNCATED } from '../../../panel/decoders/util';
import { startRecorder, until, type Recorder, type RecordedSocket } from '../lib/recorder';
import { replayInOrder } from '../lib/replay';
import { cableServer, TURBO } from '../../servers/actioncable.mjs';

const g = globalThis as unknown as Record<string, unknown>;
g.addEventListener ??= () => undefined;
g.removeEventListener ??= () => undefined;
const { adapters, createConsumer } = await import('@rails/actioncable');
adapters.WebSocket = WebSocket as never;

let server: http.Server;
let rec: Recorder;
let cable: RecordedSocket;
const got: unknown[] = [];

beforeAll(async () => {
  server = http.createServer();
  cableServer({ server, pingMs: 60 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rec = await startRecorder(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const consumer = createConsumer(`${rec.url}/cable`);
  let rejected = false;
  let disconnected = false;
  const chat = await new Promise<ReturnType<typeof consumer.subscriptions.create>>((r) => {
    const s = consumer.subscriptions.create({ channel: 'ChatChannel', room: 'lobby' }, { connected: () => r(s), received: (d: unknown) => got.push(d), disconnected: () => (disconnected = true) });
  });
  cable = rec.sockets[0];
  consumer.subscriptions.create({ channel: 'SecretChannel' }, { rejected: () => (rejected = true) });
  consumer.subscriptions.create({ channel: 'Turbo::StreamsChannel', signed_stream_name: 'IloybGtPaTh2ZEdWemRDOUNiMkZ5WkM4eCI=--1a2b3c' }, { received: (d: unknown) => got.push(d) });
  chat.perform('speak', { message: 'hi' });
  chat.send({ typing: true });
  await until(() => rejected && got.length === 2);
  await until(() => cable.frames.filter((f) => f.text?.includes('"ping"')).length >= 2);
  const other = consumer.subscriptions.create({ channel: 'ChatChannel', room: 'other' }, {});
  await until(() => cable.frames.some((f) => f.text?.includes('confirm_subscription') && f.text.includes('other')));
  other.unsubscribe();
  chat.perform('leave');
  await until(() => disconnected);
});

afterAll(async () => {
  await rec?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

const views = () => replayInOrder(actionCable, cable.frames).views;
function find(parts: string[], nth = 0): FrameInput {
  const f = cable.frames.filter((x) => parts.every((p) => x.text?.includes(p)))[nth];
  if (!f) throw new Error(`no ${parts.join(' ')} #${nth} in ${cable.frames.map((x) => x.text).join('\n')}`);
  return f;
}
let made = 70_000;
const frame = (text: string, direction: 'sent' | 'received' = 'received', truncated = false): FrameInput => ({ seq: ++made, direction, mono: made, text, truncated });
const decodeAll = (frames: FrameInput[]): Decoded[] => {
  const { views: v } = replayInOrder(actionCable, frames);
  return frames.map((f) => v.get(f.seq)!);
};

describe('Action Cable (@rails/actioncable ↔ a server to the published protocol)', () => {
  it('is detected from the subprotocol, the /cable url and its own messages, strictly', () => {
    expect(cable.protocol).toBe('actioncable-v1-json');
    expect(PROTOCOLS.find((p) => p.byHandshake(cable.url, cable.protocol))?.id).toBe('actioncable');
    expect(actionCable.byHandshake('ws://h/ws', 'actioncable-v1-json')).toBe(true);
    expect(actionCable.byHandshake('wss://h/cable', '')).toBe(true);
    expect(actionCable.byHandshake('wss://h/cables', '')).toBe(false);
    expect(actionCable.byContent(cable.frames[0])).toBe(true);
    expect(actionCable.byContent(find(['"ping"']))).toBe(true);
    expect(actionCable.byContent(find(['"subscribe"']))).toBe(true);
    expect(actionCable.byContent(find(['confirm_subscription']))).toBe(true);
    // a channel message alone could be anything's JSON; so could a welcome with more to say
    expect(actionCable.byContent(find(['"user":"ann"']))).toBe(false);
    expect(actionCable.byContent(frame('{"type":"welcome","user":"x"}'))).toBe(false);
    expect(actionCable.byContent(frame('{"type":"ping"}'))).toBe(false);
    expect(actionCable.byContent(frame('{"command":"subscribe","identifier":"room"}', 'sent'))).toBe(false);
    for (const f of cable.frames) {
      const others = PROTOCOLS.filter((p) => p.id !== 'actioncable' && p.byContent(f)).map((p) => p.id);
      expect(others, f.text).toEqual([]);
    }
  });

  it('decodes every frame, plainly, without error', () => {
    const v = views();
    for (const f of cable.frames) {
      const d = v.get(f.seq);
      expect(d, f.text).toBeTruthy();
      expect(d!.error, f.text).toBeUndefined();
      expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    }
    expect(v.get(cable.frames[0].seq)!.summary).toBe('welcome');
  });

  it('marks the ping beat as a heartbeat', () => {
    const v = views();
    const pings = cable.frames.filter((f) => f.text?.includes('"ping"'));
    for (const p of pings) expect(v.get(p.seq)).toMatchObject({ summary: 'ping', heartbeat: true });
    expect(cable.frames.filter((f) => v.get(f.seq)!.heartbeat).length).toBe(pings.length);
  });

  it('pairs subscribe with confirm_subscription and reject_subscription by identifier, with rtt', () => {
    const v = views();
    const sub = find(['"subscribe"', 'lobby']);
    const confirm = find(['confirm_subscription', 'lobby']);
    expect(JSON.parse(sub.text!)).toEqual({ command: 'subscribe', identifier: '{"channel":"ChatChannel","room":"lobby"}' });
    expect(v.get(confirm.seq)).toMatchObject({
      summary: expect.stringMatching(/^confirm_subscription ChatChannel room="lobby" · (<1|\d+) ms$/),
      related: [{ seq: sub.seq, label: 'subscribe' }],
      rtt: expect.any(Number),
    });
    expect(v.get(sub.seq)).toMatchObject({
      summary: expect.stringMatching(/^subscribe ChatChannel room="lobby" · confirmed · /),
      fields: { command: 'subscribe', channel: 'ChatChannel', params: { room: 'lobby' }, state: 'confirmed' },
      related: [{ seq: confirm.seq, label: 'confirm_subscription' }],
    });
    const secret = find(['"subscribe"', 'SecretChannel']);
    expect(v.get(find(['reject_subscription']).seq)!.related).toEqual([{ seq: secret.seq, label: 'subscribe' }]);
    expect(v.get(secret.seq)!.summary).toMatch(/^subscribe SecretChannel · rejected · /);
  });

  it('decodes perform with its action, a send without one, and the channel message', () => {
    const v = views();
    const sub = find(['"subscribe"', 'lobby']);
    const speak = v.get(find(['"command":"message"', 'speak']).seq)!;
    expect(speak.summary).toBe('perform speak · ChatChannel room="lobby"');
    expect(speak.fields).toMatchObject({ command: 'message', action: 'speak', data: { message: 'hi', action: 'speak' } });
    expect(speak.related).toEqual([{ seq: sub.seq, label: 'subscribe' }]);
    expect(speak.search).toContain('speak');
    expect(v.get(find(['"command":"message"', 'typing']).seq)!.summary).toBe('message ChatChannel room="lobby"');
    const msg = v.get(find(['"user":"ann"']).seq)!;
    expect(msg.summary).toBe('ChatChannel room="lobby" · user: "ann" · text: "hi"');
    expect(msg.fields).toMatchObject({ channel: 'ChatChannel', params: { room: 'lobby' }, message: { user: 'ann', text: 'hi' } });
    expect(msg.related).toEqual([{ seq: sub.seq, label: 'subscribe' }]);
    expect(msg.search).toContain('ChatChannel');
  });

  it('summarises a Turbo Stream by action and target and keeps its HTML as text', () => {
    const v = views();
    const d = v.get(find(['turbo-stream']).seq)!;
    expect(d.summary).toMatch(/^Turbo::StreamsChannel signed_stream_name="IloybGtPaTh2[^"]*…" · turbo-stream append #messages \(\+1 more\)$/);
    expect(d.fields.turboStreams).toEqual([
      { action: 'append', target: 'messages', html: TURBO.slice(0, TURBO.indexOf('<turbo-stream action="remove"')) },
      { action: 'remove', targets: '.unread', html: '<turbo-stream action="remove" targets=".unread"></turbo-stream>' },
    ]);
    expect(typeof d.fields.message).toBe('string');
    expect(d.search).toContain('append');
    expect(d.search).toContain('messages');
    expect(turboStreams("<turbo-stream action='replace' target=x>")).toEqual([{ action: 'replace', target: 'x', html: "<turbo-stream action='replace' target=x>" }]);
  });

  it('relates unsubscribe to its subscribe, and decodes the disconnect', () => {
    const v = views();
    const un = v.get(find(['"unsubscribe"']).seq)!;
    expect(un.summary).toBe('unsubscribe ChatChannel room="other"');
    expect(un.related).toEqual([{ seq: find(['"subscribe"', 'other']).seq, label: 'subscribe' }]);
    expect(v.get(find(['"disconnect"']).seq)!).toMatchObject({ summary: 'disconnect: unauthorized (no reconnect)', fields: { reason: 'unauthorized', reconnect: false } });
  });

  it('gives errors for malformed and truncated frames, never throwing', () => {
    const [bad, cut, noId, unknown, data] = decodeAll([
      frame('{"type":'),
      frame('{"command":"subscribe","identifier":"{\\"channel\\":\\"Chat', 'sent', true),
      frame('{"command":"subscribe"}', 'sent'),
      frame('{"hello":1}'),
      frame('{"command":"message","identifier":"{\\"channel\\":\\"A\\"}","data":"{oops"}', 'sent'),
    ]);
    expect(bad.error).toBe('malformed JSON');
    expect(cut).toMatchObject({ summary: 'subscribe', error: TRUNCATED });
    expect(noId.error).toBe('a command needs an identifier string');
    expect(unknown.error).toMatch(/neither/);
    expect(data.error).toBe('"data" is not JSON');
    const d = actionCable.create();
    expect(d.decode(frame('ping')).decoded).toBeNull();
    expect(d.decode(frame('[1]')).decoded).toBeNull();
    for (const f of cable.frames) for (let n = 0; n < f.text!.length; n += 2) actionCable.create().decode({ ...f, text: f.text!.slice(0, n), truncated: true });
  });
});
