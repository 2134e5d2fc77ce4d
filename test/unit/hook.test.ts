// The page hook installed in a DOM of its own (jsdom: spec-shaped interfaces with prototype accessors and trusted
// events, and a WebSocket that really connects), with a real `ws` echo server on 127.0.0.1 on the other end and the
// link to the bridge replaced by the test. The browsers' e2e suite covers the same in Chromium and Firefox; this one
// runs in a second and shows install() is a function of the global it wraps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type AddressInfo } from 'ws';
import { JSDOM } from 'jsdom';
import type { CaptureEvent, PageCommand } from '../../src/shared/protocol';
import { until } from './lib/recorder';
import { hooked } from './lib/hooked';

let server: WebSocketServer;
let url: string;
const closeOnServer = new Set<string>();

beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('chat') ? 'chat' : false) });
  await new Promise((r) => server.once('listening', r));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
  server.on('connection', (c) =>
    c.on('message', (data, binary) => {
      const text = data.toString();
      if (!binary && closeOnServer.has(text)) return c.close(4001, 'server says bye');
      c.send(data, { binary });
    }),
  );
});
afterAll(async () => {
  for (const c of server.clients) c.terminate();
  await new Promise((r) => server.close(r));
});

describe('the hook in a DOM of its own', () => {
  it('records a socket from its creation and stays out of the page', async () => {
    const h = hooked();
    const { WebSocket } = h.window;
    const page: string[] = [];
    const ws = new WebSocket(url, ['chat']);
    expect(ws).toBeInstanceOf(WebSocket);
    expect(ws.constructor).toBe(WebSocket);
    expect(WebSocket.name).toBe('WebSocket');
    expect(WebSocket.OPEN).toBe(1);
    ws.onmessage = (e) => page.push(String(e.data));
    await new Promise((r) => (ws.onopen = r));
    ws.send('hello');
    await until(() => page.length === 1); // the echo

    h.command({ cmd: 'subscribe', since: -1 });
    await until(() => h.events().some((e) => e.kind === 'message' && e.direction === 'received')); // the replay from the ring
    // (jsdom's bufferedAmount is above 0 right after a send, so a `buffered` sample may follow it)
    const events = h.events().filter((e) => e.kind !== 'buffered');
    expect(events.map((e) => e.kind)).toEqual(['created', 'open', 'message', 'message']);
    expect(events[0]).toMatchObject({ kind: 'created', url, protocols: ['chat'], sid: 1, seq: 0 });
    expect(events[1]).toMatchObject({ kind: 'open', protocol: 'chat' });
    expect(events[2]).toMatchObject({ direction: 'sent', payload: { type: 'text', data: 'hello', size: 5 } });
    expect(events[3]).toMatchObject({ direction: 'received', payload: { type: 'text', data: 'hello' } });
    expect(page).toEqual(['hello']);
    ws.close();
  });

  it('answers every command: send, inject, close with a code, and says why when it cannot', async () => {
    const h = hooked();
    const page: string[] = [];
    const ws = new h.window.WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (e) => page.push(typeof e.data === 'string' ? e.data : `bytes:${new Uint8Array(e.data as ArrayBuffer).join(',')}`);
    const closed = new Promise<CloseEvent>((r) => (ws.onclose = r));
    h.command({ cmd: 'subscribe', since: -1 });
    h.command({ cmd: 'send', reqId: 1, sid: 1, payload: { type: 'text', data: 'too early' } });
    expect(h.results().at(-1)).toMatchObject({ reqId: 1, ok: false, error: expect.stringContaining('the socket is CONNECTING') });
    await new Promise((r) => (ws.onopen = r));

    h.command({ cmd: 'send', reqId: 2, sid: 1, payload: { type: 'binary', data: btoa('\x01\x02\x03') } });
    h.command({ cmd: 'inject', reqId: 3, sid: 1, payload: { type: 'text', data: 'from the panel' } });
    h.command({ cmd: 'send', reqId: 4, sid: 99, payload: { type: 'text', data: 'x' } });
    h.command({ cmd: 'send', reqId: 5, sid: 1, payload: { type: 'text', data: 'x' } }, 'another-document');
    h.command({ cmd: 'no-such-command', reqId: 6 } as unknown as PageCommand);
    await until(() => page.length === 2); // the echo of the bytes
    expect(page).toEqual(['from the panel', 'bytes:1,2,3']);
    expect(h.results().map((r) => r.type === 'result' && [r.reqId, r.ok])).toEqual([
      [1, false],
      [2, true],
      [3, true],
      [4, false],
    ]);

    h.command({ cmd: 'close', reqId: 7, sid: 1, code: 1001 });
    expect(h.results().at(-1)).toMatchObject({ reqId: 7, ok: false, error: 'Close code must be 1000 or between 3000 and 4999 (got 1001).' });
    h.command({ cmd: 'close', reqId: 8, sid: 1, code: 4000, reason: 'done' });
    const close = await closed;
    expect([close.code, close.reason, close.wasClean]).toEqual([4000, 'done', true]);
    await until(() => h.events().some((e) => e.kind === 'close')); // the close event
    const frames = h.events().filter((e) => e.kind === 'message');
    expect(frames.map((e) => e.kind === 'message' && [e.direction, e.origin, e.payload.type])).toEqual([
      ['sent', 'panel', 'binary'],
      ['received', 'injected', 'text'],
      ['received', undefined, 'binary'],
    ]);
    expect(h.events().filter((e) => e.kind === 'state' || e.kind === 'close')).toMatchObject([
      { kind: 'state', state: 'closing' },
      { kind: 'close', code: 4000, reason: 'done', wasClean: true },
    ]);
    h.command({ cmd: 'send', reqId: 9, sid: 1, payload: { type: 'text', data: 'x' } });
    expect(h.results().at(-1)).toMatchObject({ reqId: 9, ok: false, error: 'Socket #1 is closed or gone; nothing was done.' });
    expect(h.faults).toEqual([]);
  });

  it('records where the page called send() only while the panel asks, and forgets it when the panel goes', async () => {
    const h = hooked();
    const ws = new h.window.WebSocket(url);
    await new Promise((r) => (ws.onopen = r));
    h.command({ cmd: 'subscribe', since: -1 });
    function pageSendsFromHere(text: string) {
      ws.send(text);
    }
    const sent = (text: string) => h.events().find((e) => e.kind === 'message' && e.direction === 'sent' && e.payload.data === text) as Extract<CaptureEvent, { kind: 'message' }> | undefined;
    pageSendsFromHere('off');
    h.command({ cmd: 'page-options', reqId: 1, sendStacks: true, handlerTiming: false });
    pageSendsFromHere('on');
    h.command({ cmd: 'send', reqId: 2, sid: 1, payload: { type: 'text', data: 'from the panel' } });
    h.command({ cmd: 'unsubscribe' });
    h.command({ cmd: 'subscribe', since: -1 });
    pageSendsFromHere('after a new panel');
    await until(() => sent('after a new panel') !== undefined);
    expect(h.results().find((r) => r.reqId === 1)).toMatchObject({ ok: true });
    expect(sent('off')!.stack).toBeUndefined();
    const stack = sent('on')!.stack!;
    expect(stack.split('\n')[0]).toMatch(/pageSendsFromHere/);
    expect(stack).not.toMatch(/src\/page\//);
    expect(sent('from the panel')!.stack).toBeUndefined();
    expect(sent('after a new panel')!.stack).toBeUndefined();
    ws.close();
  });

  it('holds a frame by a rule and lets the panel decide, in order', async () => {
    const h = hooked();
    const ws = new h.window.WebSocket(url);
    const page: string[] = [];
    ws.onmessage = (e) => page.push(String(e.data));
    await new Promise((r) => (ws.onopen = r));
    h.command({ cmd: 'subscribe', since: -1 });
    h.command({
      cmd: 'rules',
      reqId: 1,
      holdTimeoutMs: 30_000,
      rules: [{ id: 'r1', name: 'hold', enabled: true, url: '', urlRegex: false, direction: 'sent', match: { type: 'text', text: 'hold' }, action: { type: 'pause' } }],
    });
    ws.send('hold me');
    ws.send('after');
    await until(() => h.events().filter((e) => e.kind === 'message' && e.queued).length === 2); // two queued frames
    expect(page).toEqual([]);
    const held = h.events().find((e) => e.kind === 'message' && e.queued && e.rule)!;
    h.command({ cmd: 'decide', reqId: 2, seq: held.seq, verdict: 'forward', payload: { type: 'text', data: 'edited' } });
    await until(() => page.length === 2); // both echoes
    expect(page).toEqual(['edited', 'after']);
    await until(() => h.events().filter((e) => e.kind === 'verdict').length === 2); // the verdicts
    expect(h.events().filter((e) => e.kind === 'verdict').map((e) => e.kind === 'verdict' && e.outcome)).toEqual(['edited', 'forwarded']);
    ws.close();
  });

  it('a close the server makes reaches the page once, recorded with its code', async () => {
    const h = hooked();
    const ws = new h.window.WebSocket(url);
    const closes: number[] = [];
    ws.addEventListener('close', (e) => closes.push(e.code));
    await new Promise((r) => (ws.onopen = r));
    closeOnServer.add('bye');
    ws.send('bye');
    await until(() => closes.length === 1); // the close
    h.command({ cmd: 'subscribe', since: -1 });
    await until(() => h.events().some((e) => e.kind === 'close')); // the recorded close
    expect(h.events().find((e) => e.kind === 'close')).toMatchObject({ code: 4001, reason: 'server says bye', wasClean: true });
    expect(closes).toEqual([4001]);
  });

  it('throws what the native throws, and records nothing for it', () => {
    const h = hooked();
    const plain = new JSDOM('', { url: 'http://127.0.0.1/' }).window as unknown as typeof globalThis;
    const thrown = (make: () => unknown) => {
      try {
        make();
      } catch (e) {
        return [(e as Error).name, (e as Error).message];
      }
      return 'nothing';
    };
    expect(thrown(() => new h.window.WebSocket('not a url'))).toEqual(thrown(() => new plain.WebSocket('not a url')));
    expect(thrown(() => new h.window.WebSocket(url, ['a', 'a']))).toEqual(thrown(() => new plain.WebSocket(url, ['a', 'a'])));
    h.command({ cmd: 'subscribe', since: -1 });
    expect(h.events()).toEqual([]);
  });
});
