/**
 * The Phoenix Channels decoder on what the real clients put on the wire, recorded through a proxy on 127.0.0.1:
 * the `phoenix` client 1.8 (serializer v2: JSON arrays and binary pushes) on `/socket/websocket` and, with
 * LiveView-shaped events, on `/live/websocket`; and @supabase/realtime-js 2 on `/realtime/v1/websocket`, with both of
 * its serializers (vsn 2.0.0, whose broadcasts are binary, and 1.0.0, JSON objects).
 *
 * The servers are Elixir, so the server here is a small `ws` server written to the Phoenix socket protocol as its
 * serializers define it (Phoenix.Socket.V1/V2.JSONSerializer: messages, `phx_reply` `{status, response}` by ref,
 * `phx_close`/`phx_error` by join_ref, the binary push/reply/broadcast kinds, Supabase's user broadcast kinds 3/4,
 * Presence's presence_state/presence_diff, Realtime's join reply and postgres_changes). The real clients accept it:
 * each step below waits on the client library's own callback (join ok/error, Presence sync, a broadcast arriving,
 * SUBSCRIBED, a postgres change) before the next. The LiveView JS client is not installed: its events are sent by
 * the phoenix client it is built on, with LiveView's payload shapes (`event` {type, event, value}, replies with
 * `diff`, joins answered with `rendered`). The server is test/servers/phoenix.mjs, which the end-to-end server
 * attaches too.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Presence, Socket } from 'phoenix';
import { RealtimeClient } from '@supabase/realtime-js';
import { PROTOCOLS } from '../../../panel/decoders';
import { phoenix } from '../../../panel/decoders/phoenix';
import type { Decoded, FrameInput } from '../../../panel/decoders/types';
import { TRUNCATED } from '../../../panel/decoders/util';
import { startRecorder, until, type Recorder, type RecordedSocket } from '../lib/recorder';
import { replayInOrder } from '../lib/replay';
import { phoenixServer } from '../../servers/phoenix.mjs';

// ---- recording ---------------------------------------------------------------------------------------------------

let server: http.Server;
let rec: Recorder;
let phx: RecordedSocket;
let live: RecordedSocket;
let supa2: RecordedSocket;
let supa1: RecordedSocket;
const sockets: Socket[] = [];
const realtime: RealtimeClient[] = [];

const wait = <T>(fn: (done: (v: T) => void) => void): Promise<T> => new Promise<T>((r) => fn(r));
const opts = { transport: WebSocket, heartbeatIntervalMs: 40, rejoinAfterMs: () => 60_000, reconnectAfterMs: () => 60_000 };
const beats = (s: RecordedSocket) => s.frames.filter((f) => f.text?.includes('"heartbeat"')).length;

async function supabase(vsn: '1.0.0' | '2.0.0'): Promise<RecordedSocket> {
  const client = new RealtimeClient(`${rec.url}/realtime/v1`, {
    params: { apikey: 'anon-key' },
    transport: WebSocket as never,
    heartbeatIntervalMs: 40,
    vsn,
  });
  realtime.push(client);
  const got: string[] = [];
  const ch = client
    .channel('room1', { config: { broadcast: { self: true, ack: true }, presence: { key: 'u1' } } })
    .on('broadcast', { event: 'cursor' }, () => got.push('cursor'))
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'todos' }, () => got.push('insert'));
  await wait<void>((done) => ch.subscribe((status) => status === 'SUBSCRIBED' && done()));
  await until(() => got.includes('insert'));
  expect(await ch.send({ type: 'broadcast', event: 'cursor', payload: { x: 1, y: 2 } })).toBe('ok');
  await until(() => got.includes('cursor'));
  expect(await ch.track({ online: true })).toBe('ok');
  const s = rec.sockets.at(-1)!;
  await until(() => beats(s) >= 2);
  return s;
}

beforeAll(async () => {
  server = http.createServer();
  phoenixServer({ server });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rec = await startRecorder(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);

  const socket = new Socket(`${rec.url}/socket`, { ...opts, params: { token: 't0' } });
  sockets.push(socket);
  socket.connect();
  const lobby = socket.channel('room:lobby', { nick: 'ann' });
  const presence = new Presence(lobby);
  const synced = wait<void>((done) => presence.onSync(() => presence.list().length === 2 && done()));
  await wait((done) => lobby.join().receive('ok', done));
  await synced;
  phx = rec.sockets[0];
  const echoed = wait((done) => lobby.on('new_msg', done));
  await wait((done) => lobby.push('new_msg', { body: 'hi' }).receive('ok', done));
  await echoed;
  const blob = wait((done) => lobby.on('blob', done));
  const reversed = await wait<ArrayBuffer>((done) => lobby.push('upload', new Uint8Array([1, 2, 3, 250]).buffer).receive('ok', done));
  expect([...new Uint8Array(reversed)]).toEqual([250, 3, 2, 1]);
  await blob;
  const locked = socket.channel('room:locked');
  expect(await wait((done) => locked.join().receive('error', done))).toEqual({ reason: 'unauthorized' });
  const side = socket.channel('room:side');
  await wait((done) => side.join().receive('ok', done));
  await wait((done) => side.leave().receive('ok', done));
  const errored = wait((done) => lobby.onError(done));
  lobby.push('crash', {});
  await errored;
  await until(() => beats(phx) >= 2 && phx.frames.filter((f) => f.text?.includes('"phoenix","phx_reply"')).length >= 2);

  const lvSocket = new Socket(`${rec.url}/live`, { ...opts, params: { _csrf_token: 'csrf' } });
  sockets.push(lvSocket);
  lvSocket.connect();
  const lv = lvSocket.channel('lv:phx-F8a1', { url: 'http://localhost/counter', params: { _csrf_token: 'csrf', _mounts: 0 }, session: 'SFMyNTY', static: 'SFMy' });
  const rendered = await wait<{ rendered: object }>((done) => lv.join().receive('ok', done));
  expect(Object.keys(rendered.rendered)).toHaveLength(3);
  live = rec.sockets[1];
  const diff = wait((done) => lv.on('diff', done));
  await wait((done) => lv.push('event', { type: 'click', event: 'inc', value: { step: 1 } }).receive('ok', done));
  await diff;

  supa2 = await supabase('2.0.0');
  supa1 = await supabase('1.0.0');
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const c of realtime) await c.disconnect();
  await rec?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

// ---- helpers -----------------------------------------------------------------------------------------------------

const views = (s: RecordedSocket) => replayInOrder(phoenix, s.frames).views;
/** the recorded frame whose text contains all of `parts` (the first, or the nth) */
function find(s: RecordedSocket, parts: string[], nth = 0): FrameInput {
  const f = s.frames.filter((x) => x.text !== undefined && parts.every((p) => x.text!.includes(p)))[nth];
  if (!f) throw new Error(`no ${parts.join(' ')} #${nth} in ${s.frames.map((x) => x.text ?? '<binary>').join('\n')}`);
  return f;
}
const binaries = (s: RecordedSocket, direction: 'sent' | 'received') => s.frames.filter((f) => f.bytes && f.direction === direction);
let made = 50_000;
const frame = (text: string, direction: 'sent' | 'received' = 'received', truncated = false): FrameInput => ({ seq: ++made, direction, mono: made, text, truncated });
const decodeAll = (frames: FrameInput[]): Decoded[] => {
  const { views: v } = replayInOrder(phoenix, frames);
  return frames.map((f) => v.get(f.seq)!);
};

// ---- tests -------------------------------------------------------------------------------------------------------

describe('Phoenix Channels: the phoenix client (serializer v2)', () => {
  it('is detected from its url and from its own events, strictly', () => {
    expect(phx.url).toMatch(/\/socket\/websocket\?token=t0&vsn=2\.0\.0$/);
    expect(live.url).toContain('/live/websocket?');
    for (const s of [phx, live, supa2, supa1]) expect(PROTOCOLS.find((p) => p.byHandshake(s.url, s.protocol))?.id, s.url).toBe('phoenix');
    expect(phoenix.byHandshake('ws://h/app/websocket?vsn=2.0.0', '')).toBe(true);
    expect(phoenix.byHandshake('ws://h/app/websocket', '')).toBe(false);
    expect(phoenix.byHandshake('ws://h/ws?vsn=2.0.0', '')).toBe(false);
    expect(phoenix.byContent(phx.frames[0])).toBe(true);
    expect(phoenix.byContent(find(phx, ['"phoenix","heartbeat"']))).toBe(true);
    expect(phoenix.byContent(find(supa1, ['"phx_join"']))).toBe(true);
    // an app event alone is not enough, and neither is JSON that merely has five elements or a topic
    expect(phoenix.byContent(find(phx, ['"new_msg"']))).toBe(false);
    expect(phoenix.byContent(frame('[1,2,"a","phx_join",{}]'))).toBe(false);
    expect(phoenix.byContent(frame('{"topic":"x","event":"phx_join","payload":{},"ref":"1","user":"a"}'))).toBe(false);
    expect(phoenix.byContent(frame('{"type":"phx_join"}'))).toBe(false);
    // and the other protocols leave Phoenix's frames alone
    for (const f of [...phx.frames, ...supa1.frames]) {
      const others = PROTOCOLS.filter((p) => p.id !== 'phoenix' && p.byContent(f)).map((p) => p.id);
      expect(others, f.text).toEqual([]);
    }
  });

  it('decodes every frame without error, as plain data', () => {
    for (const s of [phx, live, supa2, supa1]) {
      const v = views(s);
      for (const f of s.frames) {
        const d = v.get(f.seq);
        expect(d, f.text).toBeTruthy();
        expect(d!.error, f.text).toBeUndefined();
        expect(JSON.parse(JSON.stringify(d))).toEqual(d);
      }
    }
  });

  it('pairs a join with its reply by ref: related both ways, rtt, status', () => {
    const v = views(phx);
    const join = find(phx, ['"room:lobby","phx_join"']);
    const ok = find(phx, ['"room:lobby","phx_reply"']);
    expect(JSON.parse(join.text!).slice(0, 4)).toEqual([expect.any(String), expect.any(String), 'room:lobby', 'phx_join']);
    const reply = v.get(ok.seq)!;
    expect(reply.summary).toMatch(/^reply ok · join room:lobby · (<1|\d+) ms$/);
    expect(reply.related).toEqual([{ seq: join.seq, label: 'phx_join' }]);
    expect(reply.rtt).toBeGreaterThanOrEqual(0);
    expect(reply.fields).toMatchObject({ serializer: 'v2', topic: 'room:lobby', event: 'phx_reply', status: 'ok', response: {} });
    const j = v.get(join.seq)!;
    expect(j.summary).toMatch(/^join room:lobby · ok · (<1|\d+) ms$/);
    expect(j.related).toEqual([{ seq: ok.seq, label: 'phx_reply' }]);
    expect(j.fields).toMatchObject({ payload: { nick: 'ann' }, reply: { status: 'ok' } });
    expect(j.search).toContain('room:lobby');
  });

  it('pairs a refused join with its error reply and its reason', () => {
    const v = views(phx);
    const join = find(phx, ['"room:locked","phx_join"']);
    const err = v.get(find(phx, ['"room:locked","phx_reply"']).seq)!;
    expect(err.summary).toMatch(/^reply error: unauthorized · join room:locked · /);
    expect(err.search).toContain('unauthorized');
    expect(v.get(join.seq)!.summary).toMatch(/^join room:locked · error: unauthorized · /);
  });

  it('marks the heartbeat and its reply as heartbeats, paired', () => {
    const v = views(phx);
    const hb = find(phx, ['"phoenix","heartbeat"']);
    expect(v.get(hb.seq)).toMatchObject({ summary: expect.stringMatching(/^heartbeat · ok · /), heartbeat: true });
    const r = v.get(find(phx, ['"phoenix","phx_reply"']).seq)!;
    expect(r).toMatchObject({ summary: expect.stringMatching(/^reply ok · heartbeat · /), heartbeat: true, related: [{ seq: hb.seq, label: 'heartbeat' }] });
    expect(v.get(find(phx, ['"new_msg"']).seq)!.heartbeat).toBeUndefined();
  });

  it('summarises presence_state and presence_diff by how many joined and left', () => {
    const v = views(phx);
    expect(v.get(find(phx, ['"presence_state"']).seq)!.summary).toBe('presence_state room:lobby · 1 present');
    expect(v.get(find(phx, ['"presence_diff"']).seq)!.summary).toBe('presence_diff room:lobby · 2 joined, 1 left');
  });

  it('decodes a push with its reply and the broadcast it caused', () => {
    const v = views(phx);
    const push = find(phx, ['"new_msg"']);
    expect(push.direction).toBe('sent');
    expect(v.get(push.seq)!.summary).toMatch(/^new_msg room:lobby · ok · /);
    expect(v.get(push.seq)!.fields.payload).toEqual({ body: 'hi' });
    const broadcast = find(phx, ['"new_msg"'], 1);
    expect(broadcast.direction).toBe('received');
    expect(v.get(broadcast.seq)).toMatchObject({ summary: 'new_msg room:lobby', fields: { ref: null, payload: { body: 'hi' } } });
  });

  it('reads the binary push, the binary reply paired with it, and the binary broadcast', () => {
    const v = views(phx);
    const [push] = binaries(phx, 'sent');
    const [reply, blob] = binaries(phx, 'received');
    expect(push.bytes![0]).toBe(0);
    expect(v.get(push.seq)).toMatchObject({ summary: expect.stringMatching(/^upload room:lobby · ok · /), fields: { serializer: 'binary', event: 'upload', payload: '01 02 03 fa' } });
    expect(v.get(reply.seq)).toMatchObject({
      summary: expect.stringMatching(/^reply ok · upload · /),
      fields: { serializer: 'binary', status: 'ok', response: 'fa 03 02 01' },
      related: [{ seq: push.seq, label: 'upload' }],
    });
    expect(v.get(blob.seq)).toMatchObject({ summary: 'blob room:lobby', fields: { serializer: 'binary', payload: '01 02 03 fa' } });
  });

  it('relates leave → reply → phx_close and phx_error to their join', () => {
    const v = views(phx);
    const join = find(phx, ['"room:side","phx_join"']);
    expect(v.get(find(phx, ['"room:side","phx_leave"']).seq)!.summary).toMatch(/^leave room:side · ok · /);
    const close = v.get(find(phx, ['"phx_close"']).seq)!;
    expect(close.summary).toBe('close room:side');
    expect(close.related).toEqual([{ seq: join.seq, label: 'phx_join' }]);
    const error = v.get(find(phx, ['"phx_error"']).seq)!;
    expect(error.summary).toBe('channel error room:lobby');
    expect(error.related).toEqual([{ seq: find(phx, ['"room:lobby","phx_join"']).seq, label: 'phx_join' }]);
  });
});

describe('Phoenix Channels: LiveView-shaped traffic on /live/websocket', () => {
  it('summarises the join by the parts rendered, events by name, and diffs by parts changed', () => {
    const v = views(live);
    const join = v.get(find(live, ['"phx_join"']).seq)!;
    expect(join.summary).toMatch(/^join lv:phx-F8a1 · ok · 3 parts · /);
    expect(join.fields.flavor).toBe('LiveView');
    expect(v.get(find(live, ['"lv:phx-F8a1","phx_reply"', 'rendered']).seq)!.summary).toMatch(/^reply ok · join lv:phx-F8a1 · rendered 3 parts · /);
    const event = v.get(find(live, ['"event"', '"click"']).seq)!;
    expect(event.summary).toMatch(/^event click inc lv:phx-F8a1 · ok · 1 part · /);
    expect(event.search).toContain('inc');
    expect(v.get(find(live, ['"phx_reply"', '"diff"']).seq)!.summary).toMatch(/^reply ok · event inc · diff 1 part · /);
    expect(v.get(find(live, ['"diff",']).seq)!.summary).toBe('diff lv:phx-F8a1 · 2 parts');
  });
});

describe('Phoenix Channels: Supabase Realtime (@supabase/realtime-js)', () => {
  it('names the flavor and decodes Realtime’s join, system, postgres_changes and presence', () => {
    expect(supa2.url).toMatch(/\/realtime\/v1\/websocket\?apikey=anon-key&vsn=2\.0\.0$/);
    expect(supa1.url).toMatch(/vsn=1\.0\.0$/);
    for (const s of [supa2, supa1]) {
      const v = views(s);
      const join = v.get(find(s, ['"phx_join"', 'realtime:room1']).seq)!;
      expect(join.summary).toMatch(/^join realtime:room1 · ok · /);
      expect(join.fields).toMatchObject({ flavor: 'Supabase Realtime', serializer: s === supa1 ? 'v1' : 'v2' });
      expect(join.search).toContain('Supabase');
      expect(v.get(find(s, ['"system"']).seq)!.summary).toBe('system realtime:room1 postgres_changes: Subscribed to PostgreSQL');
      expect(v.get(find(s, ['"postgres_changes"', '"ids"']).seq)!.summary).toBe('postgres_changes INSERT public.todos realtime:room1');
      expect(v.get(find(s, ['"presence"', '"track"']).seq)!.summary).toMatch(/^presence track realtime:room1 · ok · /);
      expect(v.get(find(s, ['"presence_diff"']).seq)!.summary).toBe('presence_diff realtime:room1 · 1 joined, 0 left');
      // the heartbeat on topic phoenix, as in Phoenix
      expect(v.get(find(s, ['"heartbeat"']).seq)!.heartbeat).toBe(true);
    }
  });

  it('reads v1 JSON broadcasts and v2 binary user broadcasts (kinds 3 and 4), the ack paired', () => {
    const v1 = views(supa1);
    const sent1 = find(supa1, ['"broadcast"', '"cursor"']);
    expect(sent1.direction).toBe('sent');
    expect(v1.get(sent1.seq)!.summary).toMatch(/^broadcast cursor realtime:room1 · ok · /);
    expect(v1.get(find(supa1, ['"broadcast"', '"cursor"'], 1).seq)!.summary).toBe('broadcast cursor realtime:room1');

    const v2 = views(supa2);
    const [push] = binaries(supa2, 'sent');
    const [got] = binaries(supa2, 'received');
    expect([push.bytes![0], got.bytes![0]]).toEqual([3, 4]);
    expect(v2.get(push.seq)).toMatchObject({
      summary: expect.stringMatching(/^broadcast cursor realtime:room1 · ok · /),
      fields: { serializer: 'binary', event: 'broadcast', payload: { type: 'broadcast', event: 'cursor', payload: { x: 1, y: 2 } } },
    });
    expect(v2.get(got.seq)).toMatchObject({ summary: 'broadcast cursor realtime:room1', fields: { payload: { event: 'cursor', payload: { x: 1, y: 2 } } } });
    // the ack Supabase asked for (`ack: true`) is a JSON reply to the binary push
    const ack = [...v2.values()].find((d) => d.fields.event === 'phx_reply' && d.related?.[0].seq === push.seq)!;
    expect(ack.summary).toMatch(/^reply ok · broadcast cursor · /);
  });
});

describe('Phoenix Channels: malformed and truncated frames', () => {
  it('says what is wrong, never throws, and leaves what is not JSON alone', () => {
    const [arity, types, json, cut, unknownKind, shortBinary] = decodeAll([
      frame('["1","1","room:a","phx_join"]'),
      frame('["1","1",3,"phx_join",{}]'),
      frame('["1","1","room:a"'),
      frame('["1","7","room:a","new_msg",{"body":"hel', 'received', true),
      { ...frame(''), text: undefined, bytes: new Uint8Array([9, 1, 2]) },
      { ...frame(''), text: undefined, bytes: new Uint8Array([1, 5, 5, 5, 5, 65]) },
    ]);
    expect(arity.error).toBe('a v2 message is an array of 5, not 4');
    expect(types.error).toBe('topic and event must be strings');
    expect(json.error).toBe('malformed JSON');
    expect(cut).toMatchObject({ summary: 'new_msg room:a', error: TRUNCATED, fields: { ref: '7', topic: 'room:a' } });
    expect(unknownKind.error).toBe('unknown binary message kind 9');
    expect(shortBinary.error).toBe('the binary header is cut short');
    const d = phoenix.create();
    expect(d.decode(frame('hello')).decoded).toBeNull();
    expect(d.decode(frame('')).decoded).toBeNull();
    for (const s of [phx, live, supa2, supa1]) {
      for (const f of s.frames) {
        const whole = f.text ?? '';
        for (let n = 0; n < whole.length; n += 3) phoenix.create().decode({ ...f, text: whole.slice(0, n), truncated: true });
        if (f.bytes) for (let n = 0; n < f.bytes.length; n++) phoenix.create().decode({ ...f, bytes: f.bytes.subarray(0, n), truncated: true });
      }
    }
  });
});
