/**
 * The WAMP decoder on what the real autobahn 22 client (AutobahnJS, in Node over its own ws) puts on the wire with
 * its JSON, MessagePack (msgpack5) and CBOR (cbor) serializers, recorded through a proxy on 127.0.0.1. WAMP's
 * router is normally Crossbar.io (Python), which this machine does not have: the router here is a small one written
 * to the WAMP v2 basic profile (subprotocols wamp.2.json / wamp.2.msgpack / wamp.2.cbor, message type numbers per
 * the spec), and the real client accepting it (its session opens, calls return, events arrive, errors reject,
 * GOODBYE closes and ABORT refuses) is what shows it speaks the protocol. The router is test/servers/wamp.mjs, which
 * the end-to-end server attaches too.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocketServer } from 'ws';
import { CHOICES, PROTOCOLS } from '../../../panel/decoders';
import type { Decoded, FrameInput } from '../../../panel/decoders/types';
import { TRUNCATED } from '../../../panel/decoders/util';
import { wamp } from '../../../panel/decoders/wamp';
import { startRecorder, until, type Recorder, type RecordedSocket } from '../lib/recorder';
import { replay } from '../lib/replay';
import { BIG_SESSION, wampServer } from '../../servers/wamp.mjs';

/** what the tests use of autobahn, which ships no types */
interface Session {
  register(procedure: string, fn: (args: unknown[]) => unknown): Promise<unknown>;
  subscribe(topic: string, fn: (args: unknown[], kwargs: unknown) => void): Promise<unknown>;
  unsubscribe(sub: unknown): Promise<unknown>;
  publish(topic: string, args: unknown[], kwargs: unknown, options: unknown): Promise<unknown>;
  call(procedure: string, args?: unknown[], kwargs?: unknown): Promise<unknown>;
}
interface Connection {
  onopen: (s: Session) => void;
  onclose: (reason: string, details: { reason?: string; message?: string }) => boolean;
  open(): void;
  close(): void;
}
interface Autobahn {
  Connection: new (o: Record<string, unknown>) => Connection;
  Error: new (error: string, args?: unknown[]) => Error;
  serializer: Record<string, new () => unknown>;
}
const autobahn = createRequire(import.meta.url)('autobahn') as Autobahn;

let wss: WebSocketServer;
let rec: Recorder;
const got: Record<string, unknown[]> = {};
const sockets: Record<string, RecordedSocket> = {};

async function session(serializer: string, realm = 'realm1'): Promise<void> {
  const log: unknown[] = (got[serializer + realm] = []);
  const conn = new autobahn.Connection({
    url: rec.url + '/ws',
    realm,
    serializers: [new autobahn.serializer[serializer]()],
    max_retries: 0,
    retry_if_unreachable: false,
  });
  const closed = new Promise<void>((resolve) => {
    conn.onclose = (_reason, details) => {
      log.push(['closed', details.reason]);
      resolve();
      return true;
    };
  });
  conn.onopen = async (s) => {
    try {
      await s.register('com.example.add', ([a, b]) => (a as number) + (b as number));
      await s.register('com.example.fail', () => {
        throw new autobahn.Error('com.example.error.failed', ['it failed']);
      });
      const events: unknown[] = [];
      const sub = await s.subscribe('com.example.chat', (args, kwargs) => events.push([args, kwargs]));
      await s.publish('com.example.chat', ['hello'], { from: 'ada' }, { acknowledge: true, exclude_me: false });
      await until(() => events.length === 1);
      log.push(['event', events[0]]);
      log.push(['add', await s.call('com.example.add', [2, 3])]);
      log.push(['fail', await s.call('com.example.fail').catch((e: { error: string }) => e.error)]);
      log.push(['nope', await s.call('com.example.nope').catch((e: { error: string }) => e.error)]);
      await s.unsubscribe(sub);
    } catch (e) {
      log.push(['error', String(e)]);
    }
    conn.close();
  };
  conn.open();
  await closed;
  sockets[serializer + realm] = rec.sockets.at(-1)!;
}

beforeAll(async () => {
  wss = wampServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.on('listening', r));
  rec = await startRecorder(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  await session('JSONSerializer');
  await session('MsgpackSerializer');
  await session('CBORSerializer');
  await session('JSONSerializer', 'nope');
}, 20_000);

afterAll(async () => {
  await rec.close();
  wss.close();
});

const SERIALIZERS = ['JSONSerializer', 'MsgpackSerializer', 'CBORSerializer'];
const views = (s: RecordedSocket) => {
  const { view } = replay(wamp, s.frames);
  return s.frames.map((f) => view.get(f.seq)!);
};
const by = (s: RecordedSocket, start: string): { frame: FrameInput; d: Decoded } => {
  const vs = views(s);
  const i = vs.findIndex((d) => d.summary.startsWith(start));
  if (i < 0) throw new Error(`no ${start} in ${vs.map((d) => d.summary).join('\n')}`);
  return { frame: s.frames[i], d: vs[i] };
};

describe('wamp: the real autobahn client accepted the router', () => {
  it('opened its sessions, called, got events and errors, and closed', () => {
    for (const s of SERIALIZERS) {
      expect(got[s + 'realm1']).toEqual([
        ['event', [['hello'], { from: 'ada' }]],
        ['add', 5],
        ['fail', 'com.example.error.failed'],
        ['nope', 'wamp.error.no_such_procedure'],
        ['closed', 'wamp.close.goodbye_and_out'],
      ]);
    }
    expect(got.JSONSerializernope).toEqual([['closed', 'wamp.error.no_such_realm']]);
  });
});

describe('wamp: recorded from autobahn', () => {
  it('is detected by its subprotocol, and a HELLO by content', () => {
    expect(sockets.JSONSerializerrealm1.protocol).toBe('wamp.2.json');
    expect(sockets.MsgpackSerializerrealm1.protocol).toBe('wamp.2.msgpack');
    expect(sockets.CBORSerializerrealm1.protocol).toBe('wamp.2.cbor');
    for (const s of Object.values(sockets)) expect(wamp.byHandshake(s.url, s.protocol)).toBe(true);
    expect(PROTOCOLS.find((p) => p.byHandshake(sockets.MsgpackSerializerrealm1.url, 'wamp.2.msgpack'))?.id).toBe('wamp');
    expect(wamp.byHandshake('ws://x/ws', 'mqtt')).toBe(false);
    const json = sockets.JSONSerializerrealm1;
    expect(wamp.byContent(json.frames[0])).toBe(true);
    expect(PROTOCOLS.find((p) => p.byContent(json.frames[0]))?.id).toBe('wamp');
    for (const f of json.frames.slice(1)) expect(wamp.byContent(f)).toBe(false);
    expect(wamp.byContent({ ...json.frames[0], text: '[1,2,3]' })).toBe(false);
    expect(CHOICES.map((p) => p.id)).toContain('wamp');
  });

  it('summarizes every message, the same in all three serializations', () => {
    const expected = [
      'HELLO realm1 · roles caller, callee, publisher, subscriber · WELCOME in N ms',
      `WELCOME session ${BIG_SESSION} · N ms`,
      'REGISTER com.example.add #1 · REGISTERED in N ms',
      'REGISTERED #1 · com.example.add · registration 1000 · N ms',
      'REGISTER com.example.fail #2 · REGISTERED in N ms',
      'REGISTERED #2 · com.example.fail · registration 1001 · N ms',
      'SUBSCRIBE com.example.chat #3 · SUBSCRIBED in N ms',
      'SUBSCRIBED #3 · com.example.chat · subscription 1002 · N ms',
      'PUBLISH com.example.chat #4 ("hello") {from} · PUBLISHED in N ms',
      'EVENT com.example.chat ("hello") {from}',
      'PUBLISHED #4 · com.example.chat · publication 1003 · N ms',
      'CALL com.example.add #5 (2, 3) · RESULT in N ms',
      'INVOCATION com.example.add #1004 (2, 3) · YIELD in N ms',
      'YIELD #1004 · com.example.add (5) · N ms',
      'RESULT #5 · com.example.add (5) · N ms',
      'CALL com.example.fail #6 · ERROR in N ms',
      'INVOCATION com.example.fail #1005 · ERROR in N ms',
      'ERROR INVOCATION #1005 com.example.error.failed · com.example.fail · "it failed" · N ms',
      'ERROR CALL #6 com.example.error.failed · com.example.fail · "it failed" · N ms',
      'CALL com.example.nope #7 · ERROR in N ms',
      'ERROR CALL #7 wamp.error.no_such_procedure · com.example.nope · "no callee registered for procedure <com.example.nope>" · N ms',
      'UNSUBSCRIBE #8 · com.example.chat · UNSUBSCRIBED in N ms',
      'UNSUBSCRIBED #8 · com.example.chat · N ms',
      'GOODBYE wamp.close.normal · GOODBYE in N ms',
      'GOODBYE wamp.close.goodbye_and_out · N ms',
    ];
    for (const s of SERIALIZERS) {
      const socket = sockets[s + 'realm1'];
      const vs = views(socket);
      // the EVENT and the PUBLISHED may come either way round
      const summaries = vs.map((d) => d.summary.replace(/(<1|\d+) ms/g, 'N ms'));
      expect([...summaries].sort(), s).toEqual([...expected].sort());
      for (const d of vs) expect(d.error, d.summary).toBeUndefined();
      for (const d of vs) expect(JSON.parse(JSON.stringify(d))).toEqual(d);
      if (s !== 'JSONSerializer') expect(socket.frames.every((f) => f.bytes)).toBe(true);
    }
  });

  it('pairs a CALL with its RESULT, and an INVOCATION with its YIELD, by request id', () => {
    const s = sockets.JSONSerializerrealm1;
    const call = by(s, 'CALL com.example.add');
    const result = by(s, 'RESULT #5');
    expect(result.d.related).toEqual([{ seq: call.frame.seq, label: 'CALL' }]);
    expect(result.d.rtt).toBeGreaterThanOrEqual(0);
    expect(result.d.fields).toEqual({ type: 'RESULT', request: 5, details: {}, args: [5] });
    expect(call.d.related).toEqual([{ seq: result.frame.seq, label: 'RESULT' }]);
    expect(call.d.fields).toEqual({ type: 'CALL', request: 5, options: {}, procedure: 'com.example.add', args: [2, 3] });
    const inv = by(s, 'INVOCATION com.example.add');
    const register = by(s, 'REGISTER com.example.add');
    expect(inv.frame.direction).toBe('received');
    // the procedure comes from the registration the router handed out
    expect(inv.d.fields.procedure).toBeUndefined();
    expect(inv.d.related).toEqual([{ seq: register.frame.seq, label: 'REGISTER' }, { seq: by(s, 'YIELD').frame.seq, label: 'YIELD' }]);
    expect(by(s, 'YIELD').d.related).toEqual([{ seq: inv.frame.seq, label: 'INVOCATION' }]);
    expect(inv.d.search).toContain('com.example.add');
    const { outputs } = replay(wamp, s.frames);
    expect(outputs.get(result.frame.seq)!.updates?.map((u) => u.seq)).toEqual([call.frame.seq]);
  });

  it('pairs errors with their request, and names an EVENT’s topic by its subscription', () => {
    const s = sockets.MsgpackSerializerrealm1;
    const nope = by(s, 'ERROR CALL #7');
    expect(nope.d.related).toEqual([{ seq: by(s, 'CALL com.example.nope').frame.seq, label: 'CALL' }]);
    expect(nope.d.fields).toEqual({
      type: 'ERROR',
      requestType: 'CALL',
      request: 7,
      details: {},
      error: 'wamp.error.no_such_procedure',
      args: ['no callee registered for procedure <com.example.nope>'],
    });
    expect(nope.d.search).toContain('wamp.error.no_such_procedure');
    const event = by(s, 'EVENT');
    expect(event.d.related).toEqual([{ seq: by(s, 'SUBSCRIBE').frame.seq, label: 'SUBSCRIBE' }]);
    expect(event.d.fields).toEqual({ type: 'EVENT', subscription: 1002, publication: 1003, details: {}, args: ['hello'], kwargs: { from: 'ada' } });
    expect(event.d.search).toContain('com.example.chat');
    expect(by(s, 'WELCOME').d.fields.session).toBe(BIG_SESSION);
  });

  it('reads an ABORT that refuses the realm', () => {
    const vs = views(sockets.JSONSerializernope);
    expect(vs.map((d) => d.summary.replace(/(<1|\d+) ms/g, 'N ms'))).toEqual([
      'HELLO nope · roles caller, callee, publisher, subscriber · ABORT in N ms',
      'ABORT wamp.error.no_such_realm · no realm nope · N ms',
    ]);
    expect(vs[1].related).toEqual([{ seq: sockets.JSONSerializernope.frames[0].seq, label: 'HELLO' }]);
  });

  it('flags malformed and truncated messages, and never throws', () => {
    const dec = wamp.create();
    const f = (text: string): FrameInput => ({ seq: 1, direction: 'received', mono: 0, text, truncated: false });
    expect(dec.decode(f('hello')).decoded).toBeNull();
    expect(dec.decode(f('[48, 1]')).decoded!.error).toBe('CALL with 1 elements, not 3');
    expect(dec.decode(f('[99, 1]')).decoded!.error).toBe('unknown message type 99');
    expect(dec.decode(f('[50, 1, {}, [], {}, 5]')).decoded!.error).toBe('RESULT with 1 elements too many');
    expect(dec.decode(f('["x"]')).decoded!.error).toMatch(/^not a WAMP message/);
    expect(dec.decode(f('[48, 1, {}')).decoded!.error).toBe('not a WAMP message: malformed JSON');
    const call = by(sockets.JSONSerializerrealm1, 'CALL com.example.add').frame;
    expect(wamp.create().decode({ ...call, text: call.text!.slice(0, 20), truncated: true }).decoded!.error).toBe(TRUNCATED);
    for (const s of Object.values(sockets)) {
      const d = wamp.create();
      for (const x of s.frames) {
        const bytes = x.bytes ?? new TextEncoder().encode(x.text);
        for (let n = 0; n <= bytes.length; n++) {
          expect(() => d.decode(x.bytes ? { ...x, bytes: bytes.slice(0, n), truncated: true } : { ...x, text: x.text!.slice(0, n), truncated: true })).not.toThrow();
        }
      }
    }
  });
});
