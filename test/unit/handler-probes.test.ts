// The page's side of each frame (issue 17) in a DOM of its own: the probes after each of the page's message
// listeners, against a real `ws` echo server. What the page sees must not change; what the panel hears must be what ran.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSDOM } from 'jsdom';
import { WebSocketServer, type AddressInfo } from 'ws';
import { eventRuns, type CaptureEvent, type HandlerRun } from '../../src/shared/protocol';
import { until } from './lib/recorder';
import { hooked } from './lib/hooked';

let server: WebSocketServer;
let url: string;
beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
  server.on('connection', (c) => c.on('message', (data, binary) => c.send(data, { binary })));
});
afterAll(async () => {
  for (const c of server.clients) c.terminate();
  await new Promise((r) => server.close(r));
});

type Frame = Extract<CaptureEvent, { kind: 'message' }>;

/** a hooked window with one open socket, a subscribed panel and handler timing on */
async function timed() {
  const h = hooked();
  const ws = new h.window.WebSocket(url);
  await new Promise((r) => ws.addEventListener('open', r, { once: true }));
  h.command({ cmd: 'subscribe', since: -1 });
  h.command({ cmd: 'page-options', reqId: 1, sendStacks: false, handlerTiming: true });
  /** the runs of the echo of `text`, from its own event or a `handled` event after it */
  const runsOf = (text: string): HandlerRun[] | undefined => {
    const events = h.events();
    const frame = events.find((e): e is Frame => e.kind === 'message' && e.direction === 'received' && e.payload.data === text);
    if (!frame) return undefined;
    const own = eventRuns(frame) as HandlerRun[] | undefined;
    if (own) return own;
    const handled = events.find((e) => e.kind === 'handled' && e.ref === frame.seq);
    return handled && handled.kind === 'handled' ? (eventRuns(handled) as HandlerRun[] | undefined) : undefined;
  };
  const echo = async (text: string) => {
    ws.send(text);
    await until(() => runsOf(text) !== undefined);
    return runsOf(text)!;
  };
  return { h, ws, echo };
}

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('handler timing', () => {
  it('times each listener, in dispatch order, with its name, and the page sees what it saw', async () => {
    const { h, ws, echo } = await timed();
    const seen: string[] = [];
    function slowListener(this: unknown, e: MessageEvent) {
      seen.push(`slow:${this === ws}:${e.data}`);
      busy(30);
    }
    ws.addEventListener('message', slowListener);
    const object = { handleEvent(e: MessageEvent) { seen.push(`object:${this === object}:${e.data}`); } };
    ws.addEventListener('message', object);
    ws.onmessage = function named(e) {
      seen.push(`onmessage:${this === ws}:${e.data}`);
    };
    ws.addEventListener('message', () => seen.push('arrow'));
    const runs = await echo('one');
    expect(seen).toEqual(['slow:true:one', 'object:true:one', 'onmessage:true:one', 'arrow']);
    // an anonymous function is named by the start of its source
    expect(runs.map((r) => r.name)).toEqual(['slowListener', 'handleEvent', 'onmessage: named', expect.stringMatching(/^\(\) => seen\.push\(.arrow.\)$/)]);
    expect(runs[0].ms).toBeGreaterThanOrEqual(29);
    for (const r of runs.slice(1)) expect(r.ms).toBeLessThan(10);
    expect(h.faults).toEqual([]);
  });

  it('once, signal, removeEventListener and duplicates: the runs follow the browser', async () => {
    const { h, ws, echo } = await timed();
    const seen: string[] = [];
    const abort = new h.window.AbortController();
    const dup = () => seen.push('dup');
    ws.addEventListener('message', function once() { seen.push('once'); }, { once: true });
    ws.addEventListener('message', function signal() { seen.push('signal'); }, { signal: abort.signal });
    ws.addEventListener('message', dup);
    ws.addEventListener('message', dup);
    ws.addEventListener('message', dup, { capture: false });
    const gone = () => seen.push('removed');
    ws.addEventListener('message', gone);
    ws.removeEventListener('message', gone);
    const pre = new h.window.AbortController();
    pre.abort();
    ws.addEventListener('message', () => seen.push('pre-aborted'), { signal: pre.signal });
    const first = await echo('a');
    expect(seen).toEqual(['once', 'signal', 'dup']);
    expect(first).toHaveLength(3);
    abort.abort();
    seen.length = 0;
    const second = await echo('b');
    expect(seen).toEqual(['dup']);
    expect(second.map((r) => r.name)).toEqual(['dup']);
  });

  // (a throwing listener is tested in the browsers, test/e2e/page-side.test.mjs: jsdom swallows the exception of a
  // WebSocket's listener without reporting it on the window, as it finds no window for that target)

  it('stopImmediatePropagation: the listener that stopped is named, those after it are not listed', async () => {
    const { ws, echo } = await timed();
    const seen: string[] = [];
    ws.addEventListener('message', function first() { seen.push('first'); });
    ws.addEventListener('message', function stopper(e) {
      seen.push('stopper');
      e.stopImmediatePropagation();
    });
    ws.addEventListener('message', () => seen.push('never'));
    const runs = await echo('s');
    expect(seen).toEqual(['first', 'stopper']);
    expect(runs.map((r) => [r.name, r.stopped ?? false])).toEqual([
      ['first', false],
      ['stopper', true],
    ]);
  });

  it('onmessage reassigned inside its handler keeps its place; set to null it is gone', async () => {
    const { ws, echo } = await timed();
    const seen: string[] = [];
    ws.addEventListener('message', function before() { seen.push('before'); });
    ws.onmessage = function first() {
      seen.push('first');
      ws.onmessage = function second() {
        seen.push('second');
      };
    };
    ws.addEventListener('message', function after() { seen.push('after'); });
    await echo('1');
    const runs = await echo('2');
    expect(seen).toEqual(['before', 'first', 'after', 'before', 'second', 'after']);
    expect(runs.map((r) => r.name)).toEqual(['before', 'onmessage: second', 'after']);
    ws.onmessage = null;
    const third = await echo('3');
    expect(third).toHaveLength(2);
  });

  it('a listener added during the dispatch does not run for that frame, and is timed from the next', async () => {
    const { ws, echo } = await timed();
    const seen: string[] = [];
    ws.addEventListener('message', function adder() {
      seen.push('adder');
      if (seen.length === 1) ws.addEventListener('message', function late() { seen.push('late'); });
    });
    const first = await echo('p');
    expect(first).toHaveLength(1);
    const second = await echo('q');
    expect(second.map((r) => r.name)).toEqual(['adder', 'late']);
  });

  it('a frame nobody listens to says so; with timing off nothing is measured', async () => {
    const { h, ws, echo } = await timed();
    expect(await echo('none')).toEqual([]);
    h.command({ cmd: 'page-options', reqId: 2, sendStacks: false, handlerTiming: false });
    ws.addEventListener('message', () => {});
    ws.send('off');
    await until(() => h.events().some((e) => e.kind === 'message' && e.direction === 'received' && e.payload.data === 'off'));
    const off = h.events().find((e): e is Frame => e.kind === 'message' && e.direction === 'received' && e.payload.data === 'off')!;
    expect(eventRuns(off)).toBeUndefined();
  });

  it('a received frame a rule held: its runs come once, in a handled event, when it is given back', async () => {
    const { h, ws } = await timed();
    const seen: string[] = [];
    ws.addEventListener('message', function onlyListener(e) {
      seen.push(String(e.data));
    });
    h.command({
      cmd: 'rules',
      reqId: 3,
      holdTimeoutMs: 30_000,
      rules: [{ id: 'r1', name: 'hold', enabled: true, url: '', urlRegex: false, direction: 'received', match: { type: 'text', text: 'held' }, action: { type: 'pause' } }],
    });
    ws.send('held');
    await until(() => h.events().some((e) => e.kind === 'message' && e.direction === 'received' && e.queued));
    const held = h.events().find((e): e is Frame => e.kind === 'message' && e.direction === 'received' && e.queued === true)!;
    expect(eventRuns(held)).toBeUndefined();
    h.command({ cmd: 'decide', reqId: 4, seq: held.seq, verdict: 'forward' });
    await until(() => seen.length === 1 && h.events().some((e) => e.kind === 'verdict'));
    const handled = h.events().filter((e) => e.kind === 'handled');
    expect(handled).toHaveLength(1);
    // one listener that neither threw nor stopped: its name alone, not a runs array
    expect(handled[0]).toMatchObject({ ref: held.seq, handler: 'onlyListener' });
    expect(handled[0]).not.toHaveProperty('handlers');
  });

  it('the wrapped addEventListener looks like the one it wraps', () => {
    const { window } = hooked();
    const plain = new JSDOM('', { url: 'http://127.0.0.1/' }).window as unknown as typeof globalThis;
    const add = window.EventTarget.prototype.addEventListener;
    expect(add.name).toBe('addEventListener');
    expect(add.length).toBe(plain.EventTarget.prototype.addEventListener.length);
    expect(window.Function.prototype.toString.call(add)).toBe(plain.Function.prototype.toString.call(plain.EventTarget.prototype.addEventListener));
    expect(() => add.call(window as never, 'message' as never, undefined as never)).not.toThrow();
    expect(() => (add as (...a: unknown[]) => void).call(window)).toThrow(TypeError);
  });
});
