/**
 * The GraphQL decoders on what the real libraries put on the wire, recorded through a proxy on 127.0.0.1:
 * graphql-ws 6 (client and `useServer` on ws) and subscriptions-transport-ws 0.11 (its client and server), both
 * executing with graphql 16. Plus a few hand-written edge cases.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { SubscriptionClient, SubscriptionServer } from 'subscriptions-transport-ws';
import { graphqlWs, operationLabel, subscriptionsTransportWs } from '../../../panel/decoders/graphql';
import type { Decoded, DecodeOutput, FrameInput } from '../../../panel/decoders/types';
import { TRUNCATED } from '../../../panel/decoders/util';
import { startRecorder, until, type RecordedSocket } from '../lib/recorder';
import { replay } from '../lib/replay';

// vite would hand this file graphql's ESM build while the servers require its CJS build, and graphql refuses to
// mix schema objects across the two ("from another module or realm"): take the CJS one, like the servers do
const { buildSchema, execute, subscribe } = createRequire(import.meta.url)('graphql') as typeof import('graphql');


const schema = buildSchema(`
  type Query { hello: String, fail: String }
  type Subscription { countdown(from: Int!): Int, ticks(every: Int!): Int }
`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const root = {
  hello: () => 'world',
  fail: () => {
    throw new Error('boom');
  },
  countdown: async function* ({ from }: { from: number }) {
    for (let i = from; i >= 0; i--) {
      await sleep(5);
      yield { countdown: i };
    }
  },
  ticks: async function* ({ every }: { every: number }) {
    for (let i = 0; ; i++) {
      await sleep(every);
      yield { ticks: i };
    }
  },
};

interface Op {
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
}

const closers: (() => unknown)[] = [];
let modern: RecordedSocket;
let legacy: RecordedSocket;

async function recordGraphqlWs(): Promise<RecordedSocket> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, path: '/graphql' });
  useServer({ schema, roots: { query: root, subscription: root } }, wss);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const rec = await startRecorder(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  closers.push(() => rec.close(), () => wss.close(), () => server.close());

  // not lazy: one socket for all operations (a lazy client reconnects once nothing is running)
  const client: Client = createClient({ url: rec.url + '/graphql', webSocketImpl: WebSocket, lazy: false, keepAlive: 30 });
  closers.unshift(() => client.dispose());
  const run = (op: Op) =>
    new Promise<void>((done) => client.subscribe(op, { next: () => undefined, error: () => done(), complete: () => done() }));
  await run({ query: '{ hello }' });
  await run({ query: 'subscription Countdown($from: Int!) { countdown(from: $from) }', variables: { from: 3 } });
  await run({ query: 'query { fail }' });
  await run({ query: '{ nope }' });
  // the client stops a subscription that would run forever
  await new Promise<void>((done) => {
    let n = 0;
    const stop = client.subscribe(
      { query: 'subscription Other { countdown(from: 1) } subscription Ticks { ticks(every: 5) }', operationName: 'Ticks' },
      { next: () => ++n === 2 && (stop(), done()), error: done, complete: done },
    );
  });
  const sock = rec.sockets[0];
  await until(() => sock.frames.filter((f) => f.text?.includes('"complete"')).length >= 4 && sock.frames.some((f) => f.text?.includes('"pong"')));
  return sock;
}

async function recordLegacy(): Promise<RecordedSocket> {
  const server = http.createServer();
  // subscriptions-transport-ws 0.11 calls execute/subscribe with graphql 16's single-object arguments already
  const sub = SubscriptionServer.create({ schema, execute, subscribe, rootValue: root, keepAlive: 30 }, { server, path: '/subscriptions' });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const rec = await startRecorder(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  closers.push(() => rec.close(), () => sub.close(), () => server.close());

  const client = new SubscriptionClient(rec.url + '/subscriptions', { reconnect: false }, WebSocket);
  const run = (op: Op) =>
    new Promise<void>((done) => client.request(op).subscribe({ next: () => undefined, error: () => done(), complete: () => done() }));
  await run({ query: '{ hello }' });
  await run({ query: 'subscription Countdown($from: Int!) { countdown(from: $from) }', variables: { from: 3 } });
  await run({ query: '{ nope }' });
  await run({ query: '{ hello ' });
  await new Promise<void>((done) => {
    let n = 0;
    const s = client.request({ query: 'subscription Ticks { ticks(every: 5) }' }).subscribe({
      next: () => ++n === 2 && (s.unsubscribe(), done()),
    });
  });
  const sock = rec.sockets[0];
  await until(() => sock.frames.some((f) => f.text?.includes('"stop"')) && sock.frames.some((f) => f.text === '{"type":"ka"}'));
  client.close();
  await until(() => sock.frames.some((f) => f.text?.includes('connection_terminate')));
  return sock;
}

beforeAll(async () => {
  [modern, legacy] = await Promise.all([recordGraphqlWs(), recordLegacy()]);
});

afterAll(async () => {
  for (const close of closers) await close();
});

/** the n-th recorded frame of this type (and operation id, given) */
function find(sock: RecordedSocket, type: string, n = 0, id?: string): FrameInput {
  const found = sock.frames.filter((f) => {
    const m = JSON.parse(f.text!);
    return m.type === type && (id === undefined || m.id === id);
  });
  if (!found[n]) throw new Error(`no ${type} #${n} in ${sock.frames.map((f) => f.text).join('\n')}`);
  return found[n];
}
const idOf = (f: FrameInput): string => JSON.parse(f.text!).id;

describe('graphql-ws: recorded from graphql-ws 6', () => {
  let view: Map<number, Decoded | null>;
  let outputs: Map<number, DecodeOutput>;
  const at = (f: FrameInput) => view.get(f.seq)!;
  beforeAll(() => ({ view, outputs } = replay(graphqlWs, modern.frames)));

  it('is detected from the subprotocol and from its own message types only', () => {
    expect(modern.protocol).toBe('graphql-transport-ws');
    expect(graphqlWs.byHandshake(modern.url, modern.protocol)).toBe(true);
    expect(subscriptionsTransportWs.byHandshake(modern.url, modern.protocol)).toBe(false);
    expect(graphqlWs.byContent(find(modern, 'subscribe'))).toBe(true);
    expect(graphqlWs.byContent(find(modern, 'next'))).toBe(true);
    // shared with the legacy protocol: not telling
    expect(graphqlWs.byContent(find(modern, 'connection_init'))).toBe(false);
    expect(graphqlWs.byContent(find(modern, 'complete'))).toBe(false);
    for (const f of modern.frames) expect(subscriptionsTransportWs.byContent(f), f.text).toBe(false);
  });

  it('decodes every frame without errors, as plain JSON', () => {
    for (const f of modern.frames) {
      const d = view.get(f.seq);
      expect(d, f.text).toBeTruthy();
      expect(d!.error, f.text).toBeUndefined();
      expect(d!.protocol).toBe('graphql-ws');
      expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    }
  });

  it('decodes the connection and keep-alive messages', () => {
    expect(at(find(modern, 'connection_init')).summary).toBe('connection_init');
    expect(at(find(modern, 'connection_ack')).summary).toBe('connection_ack');
    expect(at(find(modern, 'ping')).summary).toBe('ping');
    expect(find(modern, 'pong').direction).toBe('received');
    expect(at(find(modern, 'pong')).summary).toBe('pong');
    expect([at(find(modern, 'ping')).heartbeat, at(find(modern, 'pong')).heartbeat]).toEqual([true, true]);
  });

  it('names and pairs an anonymous query: next and complete relate to the subscribe, which learns both', () => {
    const sub = find(modern, 'subscribe', 0);
    const id = idOf(sub);
    const short = id.slice(0, 8);
    const next = find(modern, 'next', 0, id);
    const complete = find(modern, 'complete', 0, id);
    expect(at(next).summary).toBe(`next #${short} query { hello }`);
    expect(at(next).related).toEqual([{ seq: sub.seq, label: 'subscribe' }]);
    expect(at(next).rtt).toBeGreaterThanOrEqual(0);
    expect(at(next).fields).toMatchObject({ type: 'next', id, operation: 'query { hello }', result: 1, payload: { data: { hello: 'world' } } });
    expect(at(complete).summary).toMatch(new RegExp(`^complete #${short} query \\{ hello \\} \\(1 result, (<1|\\d+) ms\\)$`));
    expect(at(sub).summary).toBe(`subscribe #${short} query { hello } · 1 result · complete`);
    expect(at(sub).fields).toMatchObject({ id, operation: 'query { hello }', query: '{ hello }', results: 1, state: 'complete' });
    expect(at(sub).related).toEqual([
      { seq: next.seq, label: 'first result' },
      { seq: complete.seq, label: 'complete' },
    ]);
    expect(at(sub).search).toContain(id);
  });

  it('follows a subscription through its results: rtt on the first, count and duration on complete', () => {
    const sub = find(modern, 'subscribe', 1);
    const id = idOf(sub);
    const short = id.slice(0, 8);
    expect(outputs.get(sub.seq)!.decoded!.summary).toBe(`subscribe #${short} Countdown`);
    expect(outputs.get(sub.seq)!.decoded!.fields).toMatchObject({ operation: 'Countdown', variables: { from: 3 }, results: 0, state: 'active' });
    const nexts = modern.frames.filter((f) => f.text!.includes('"next"') && idOf(f) === id);
    expect(nexts).toHaveLength(4);
    nexts.forEach((f, i) => {
      expect(at(f).summary).toBe(`next #${short} Countdown`);
      expect(at(f).fields.result).toBe(i + 1);
      expect(at(f).related).toEqual([{ seq: sub.seq, label: 'subscribe' }]);
      // a subscription's later results are pushed, not answers
      if (i === 0) expect(at(f).rtt).toBeGreaterThanOrEqual(0);
      else expect(at(f).rtt).toBeUndefined();
      expect(outputs.get(f.seq)!.updates![0]).toMatchObject({ seq: sub.seq, decoded: { fields: { results: i + 1 } } });
    });
    const complete = find(modern, 'complete', 0, id);
    expect(at(complete).summary).toMatch(new RegExp(`^complete #${short} Countdown \\(4 results, (<1|\\d+) ms\\)$`));
    expect(at(complete).rtt).toBeGreaterThanOrEqual(at(nexts[0]).rtt!);
    expect(at(sub).summary).toBe(`subscribe #${short} Countdown · 4 results · complete`);
  });

  it('counts errors in a result, and decodes an error message', () => {
    const failed = find(modern, 'subscribe', 2);
    expect(at(find(modern, 'next', 0, idOf(failed))).summary).toBe(`next #${idOf(failed).slice(0, 8)} query { fail } · 1 error`);
    const bad = find(modern, 'subscribe', 3);
    const err = find(modern, 'error', 0, idOf(bad));
    expect(at(err).summary).toBe(`error #${idOf(bad).slice(0, 8)} query { nope } · Cannot query field "nope" on type "Query".`);
    expect(at(err).related).toEqual([{ seq: bad.seq, label: 'subscribe' }]);
    expect(at(err).rtt).toBeGreaterThanOrEqual(0);
    expect(at(bad).summary).toMatch(/ · error$/);
    expect(at(bad).fields.state).toBe('error');
  });

  it('uses operationName, and says when the client cancelled', () => {
    const sub = find(modern, 'subscribe', 4);
    const id = idOf(sub);
    const cancel = find(modern, 'complete', 0, id);
    expect(cancel.direction).toBe('sent');
    expect(at(cancel).summary).toMatch(new RegExp(`^complete #${id.slice(0, 8)} Ticks \\(cancelled after \\d+ results, `));
    // a result may still be in flight when the client cancels: the subscribe counts it, the cancel does not
    expect(at(sub).summary).toMatch(/^subscribe #\S+ Ticks · \d+ results · cancelled$/);
    expect(at(sub).fields.state).toBe('cancelled');
    expect(at(sub).fields.results).toBeGreaterThanOrEqual(2);
  });

  it('never throws on a cut frame, and still names what it can', () => {
    for (const f of modern.frames) {
      for (let n = 0; n < f.text!.length; n++) graphqlWs.create().decode({ ...f, text: f.text!.slice(0, n), truncated: true });
    }
    const dec = graphqlWs.create();
    const sub = find(modern, 'subscribe', 1);
    const cut = dec.decode({ ...sub, text: sub.text!.slice(0, sub.text!.indexOf('(')), truncated: true }).decoded!;
    expect(cut.error).toBe(TRUNCATED);
    expect(cut.summary).toBe(`subscribe #${idOf(sub).slice(0, 8)} Countdown`);
    const next = find(modern, 'next', 0, idOf(sub));
    const cutNext = dec.decode({ ...next, text: next.text!.slice(0, 70), truncated: true }).decoded!;
    expect(cutNext.error).toBe(TRUNCATED);
    expect(cutNext.related).toEqual([{ seq: sub.seq, label: 'subscribe' }]);
  });
});

describe('subscriptions-transport-ws: recorded from subscriptions-transport-ws 0.11', () => {
  let view: Map<number, Decoded | null>;
  const at = (f: FrameInput) => view.get(f.seq)!;
  beforeAll(() => ({ view } = replay(subscriptionsTransportWs, legacy.frames)));

  it('is detected from its (confusingly named) subprotocol and its own message types', () => {
    expect(legacy.protocol).toBe('graphql-ws');
    expect(subscriptionsTransportWs.byHandshake(legacy.url, legacy.protocol)).toBe(true);
    expect(graphqlWs.byHandshake(legacy.url, legacy.protocol)).toBe(false);
    expect(subscriptionsTransportWs.byContent(find(legacy, 'start'))).toBe(true);
    expect(subscriptionsTransportWs.byContent(find(legacy, 'data'))).toBe(true);
    expect(subscriptionsTransportWs.byContent(find(legacy, 'ka'))).toBe(true);
    expect(subscriptionsTransportWs.byContent(find(legacy, 'connection_init'))).toBe(false);
    for (const f of legacy.frames) expect(graphqlWs.byContent(f), f.text).toBe(false);
  });

  it('decodes every frame without errors, as plain JSON', () => {
    for (const f of legacy.frames) {
      const d = view.get(f.seq);
      expect(d, f.text).toBeTruthy();
      expect(d!.error, f.text).toBeUndefined();
      expect(d!.protocol).toBe('subscriptions-transport-ws');
      expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    }
  });

  it('pairs start, data and complete by id', () => {
    const start = find(legacy, 'start', 1);
    expect(idOf(start)).toBe('2');
    const data = legacy.frames.filter((f) => f.text!.includes('"data"') && idOf(f) === '2');
    expect(data).toHaveLength(4);
    expect(at(data[0]).summary).toBe('data #2 Countdown');
    expect(at(data[0]).rtt).toBeGreaterThanOrEqual(0);
    expect(at(data[3]).related).toEqual([{ seq: start.seq, label: 'start' }]);
    expect(at(find(legacy, 'complete', 1)).summary).toMatch(/^complete #2 Countdown \(4 results, (<1|\d+) ms\)$/);
    expect(at(start).summary).toBe('start #2 Countdown · 4 results · complete');
    expect(at(start).fields).toMatchObject({ type: 'start', id: '2', operation: 'Countdown', variables: { from: 3 }, results: 4 });
  });

  it('decodes validation errors (sent as data), an error message, stop and keep-alive', () => {
    expect(at(find(legacy, 'data', 0, '3')).summary).toBe('data #3 query { nope } · 1 error');
    const err = find(legacy, 'error', 0, '4');
    expect(at(err).summary).toBe('error #4 query { hello } · Syntax Error: Expected Name, found <EOF>.');
    expect(at(err).related).toEqual([{ seq: find(legacy, 'start', 3).seq, label: 'start' }]);
    const stop = find(legacy, 'stop');
    expect(at(stop).summary).toMatch(/^stop #5 Ticks \(cancelled after \d+ results, /);
    expect(at(stop).related).toEqual([{ seq: find(legacy, 'start', 4).seq, label: 'start' }]);
    expect(at(find(legacy, 'start', 4)).summary).toMatch(/^start #5 Ticks · \d+ results · cancelled$/);
    expect(at(find(legacy, 'ka')).summary).toBe('ka');
    expect(at(find(legacy, 'ka')).heartbeat).toBe(true);
    expect(at(find(legacy, 'connection_terminate')).summary).toBe('connection_terminate');
  });
});

describe('graphql: edge cases', () => {
  it('names operations from their text', () => {
    expect(operationLabel('subscription Countdown { countdown(from: 3) }')).toBe('Countdown');
    expect(operationLabel('query($id: ID = "{") @live { user(id: $id) { name } }')).toBe('query { user }');
    expect(operationLabel('# comment {\n{ me: viewer { id } }')).toBe('query { viewer }');
    expect(operationLabel('fragment F on Query { hello } query Named { ...F }')).toBe('Named');
    expect(operationLabel('mutation { ...F }')).toBe('mutation { ...F }');
    expect(operationLabel('query A { a } query B { b }', 'B')).toBe('B');
    expect(operationLabel('"""a { doc }""" query Q { a }')).toBe('Q');
    expect(operationLabel(undefined)).toBeUndefined();
    expect(operationLabel('')).toBeUndefined();
  });

  it('gives errors for malformed messages, null for what is not JSON', () => {
    const dec = graphqlWs.create();
    const f = (text: string): FrameInput => ({ seq: 1, direction: 'received', mono: 0, text, truncated: false });
    expect(dec.decode(f('hello')).decoded).toBeNull();
    expect(dec.decode({ ...f(''), bytes: new Uint8Array([1]) }).decoded).toBeNull();
    expect(dec.decode(f('{"type":')).decoded!.error).toBe('malformed JSON');
    expect(dec.decode(f('{"id":"1"}')).decoded!.error).toMatch(/type/);
    expect(dec.decode(f('{"type":"data","id":"1"}')).decoded!.error).toMatch(/not a graphql-ws message type/);
    expect(dec.decode(f('{"type":"next","payload":{}}')).decoded!.error).toMatch(/without an id/);
    expect(dec.decode(f('{"type":"next","id":"9","payload":{}}')).decoded).toMatchObject({ summary: 'next #9' });
    expect(subscriptionsTransportWs.create().decode(f('{"type":"connection_error","payload":{"message":"denied"}}')).decoded!.summary).toBe(
      'connection_error: denied',
    );
  });
});
