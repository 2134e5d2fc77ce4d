/**
 * Worker capture (src/background/workers.ts) against a fake `chrome.debugger`: what is sent to a worker that starts,
 * what a worker may say (its own document only, never a hello), what the panel hears, and the order problem of a
 * hello that arrives before the hook's evaluation has answered.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { envelope, type BackgroundToPanel } from '../../src/shared/protocol';
import { createWorkerCapture } from '../../src/background/workers';

type EventFn = (source: { tabId?: number; sessionId?: string }, method: string, params?: unknown) => void;

function fakeDebugger() {
  const sent: { sessionId?: string; method: string; params?: Record<string, unknown> }[] = [];
  let onEvent: EventFn = () => {};
  let onDetach: (source: { tabId?: number }, reason: string) => void = () => {};
  /** answers to Runtime.evaluate, resolved by the test when it wants */
  const evaluations: ((objectId: string) => void)[] = [];
  const api = {
    attach: vi.fn(async () => {}),
    detach: vi.fn(async () => {}),
    getTargets: vi.fn(async () => [] as { id: string; type: string; url: string; title: string; tabId?: number }[]),
    sendCommand: vi.fn((target: { sessionId?: string }, method: string, params?: Record<string, unknown>) => {
      sent.push({ sessionId: target.sessionId, method, params });
      if (method === 'Runtime.evaluate') return new Promise((resolve) => evaluations.push((objectId) => resolve({ result: { objectId } })));
      return Promise.resolve({});
    }),
    onEvent: { addListener: (fn: EventFn) => (onEvent = fn) },
    onDetach: { addListener: (fn: typeof onDetach) => (onDetach = fn) },
  };
  return { api, sent, evaluations, event: (...a: Parameters<EventFn>) => onEvent(...a), detach: (tabId: number, reason: string) => onDetach({ tabId }, reason) };
}

let dbg: ReturnType<typeof fakeDebugger>;
let toPanel: BackgroundToPanel[];

beforeEach(() => {
  dbg = fakeDebugger();
  toPanel = [];
  vi.stubGlobal('chrome', { debugger: dbg.api, runtime: { getURL: (p: string) => `chrome-extension://x/${p}` } });
  vi.stubGlobal('fetch', async () => ({ text: async () => '(function(){})();' }));
});
afterEach(() => vi.unstubAllGlobals());

async function started() {
  const w = createWorkerCapture((_tab, m) => toPanel.push(m));
  await w.start(5);
  return w;
}
const flush = () => new Promise((r) => setTimeout(r, 0));
const attached = (sessionId: string, type = 'worker', waitingForDebugger = true) =>
  dbg.event({ tabId: 5 }, 'Target.attachedToTarget', { sessionId, waitingForDebugger, targetInfo: { targetId: `t-${sessionId}`, type, url: 'http://127.0.0.1/w.js' } });
const binding = (sessionId: string, payload: unknown) => {
  const name = dbg.sent.find((c) => c.method === 'Runtime.addBinding')!.params!.name;
  dbg.event({ tabId: 5, sessionId }, 'Runtime.bindingCalled', { name, payload: JSON.stringify(payload) });
};

describe('worker capture', () => {
  it('attaches to the tab and auto-attaches paused, then tells the panel it is on', async () => {
    await started();
    expect(dbg.api.attach).toHaveBeenCalledWith({ tabId: 5 }, '1.3');
    expect(dbg.sent[0]).toMatchObject({ method: 'Target.setAutoAttach', params: { autoAttach: true, waitForDebuggerOnStart: true, flatten: true } });
    expect(toPanel).toEqual([envelope({ type: 'workers', status: { state: 'on', runningBefore: 0 } })]);
  });

  it('a starting worker gets its binding and the breakpoint before it runs, and the hook at the pause', async () => {
    await started();
    attached('s1');
    expect(dbg.sent.filter((c) => c.sessionId === 's1').map((c) => c.method)).toEqual([
      'Runtime.addBinding',
      'Target.setAutoAttach',
      'Debugger.enable',
      'Debugger.setInstrumentationBreakpoint',
      'Runtime.runIfWaitingForDebugger',
    ]);
    dbg.event({ tabId: 5, sessionId: 's1' }, 'Debugger.paused', { reason: 'instrumentation' });
    await flush();
    const evaluate = dbg.sent.find((c) => c.method === 'Runtime.evaluate')!;
    // the bundle reads `wsLensWorker` from the wrapper's scope: nothing is put on the worker's global
    expect(evaluate.params!.expression).toMatch(/^\(\(\) => \{ let receiver; const wsLensWorker = \{ binding: "__wsLens\w+"/);
    dbg.evaluations[0]('receiver-1');
    await flush();
    expect(dbg.sent.at(-1)).toMatchObject({ sessionId: 's1', method: 'Debugger.disable' });
  });

  it('a worker that was already running is counted, not hooked', async () => {
    await started();
    attached('old', 'worker', false);
    expect(dbg.sent.filter((c) => c.sessionId === 'old')).toEqual([]);
  });

  it("the worker's hello becomes the panel's, with the browser's url and context; later messages must carry its document", async () => {
    await started();
    attached('s1', 'service_worker');
    binding('s1', envelope({ type: 'link-open', docId: 'd1' }));
    expect(toPanel.at(-1)).toEqual(
      envelope({ type: 'from-frame', frameId: -1, message: envelope({ type: 'hello', doc: { docId: 'd1', url: 'http://127.0.0.1/w.js', origin: 'http://127.0.0.1', context: 'service_worker' } }) }),
    );
    const events = envelope({ type: 'events', docId: 'd1', json: '[]', dropped: 0 });
    binding('s1', events);
    expect(toPanel.at(-1)).toEqual(envelope({ type: 'from-frame', frameId: -1, message: events }));
    const n = toPanel.length;
    binding('s1', envelope({ type: 'events', docId: 'another', json: '[]', dropped: 0 }));
    binding('s1', envelope({ type: 'hello', doc: { docId: 'd1', url: 'http://evil/' } }));
    binding('s1', 'not json at all');
    expect(toPanel.length).toBe(n);
  });

  it("the panel's messages wait for the hook's receiver, then go to it in order", async () => {
    const w = await started();
    attached('s1');
    dbg.event({ tabId: 5, sessionId: 's1' }, 'Debugger.paused', { reason: 'instrumentation' });
    await flush();
    // the hook says hello during its own evaluation: the panel subscribes before the evaluation answered
    binding('s1', envelope({ type: 'link-open', docId: 'd1' }));
    const subscribe = envelope({ type: 'command' as const, docId: 'd1', cmd: 'subscribe' as const, since: -1 });
    expect(w.deliver(5, -1, subscribe)).toBe(true);
    expect(dbg.sent.some((c) => c.method === 'Runtime.callFunctionOn')).toBe(false);
    dbg.evaluations[0]('receiver-1');
    await flush();
    const call = dbg.sent.find((c) => c.method === 'Runtime.callFunctionOn')!;
    expect(call.params).toMatchObject({ objectId: 'receiver-1', arguments: [{ value: JSON.stringify(subscribe) }] });
    expect(w.deliver(5, -7, subscribe)).toBe(false);
  });

  it('a worker that ends, and a closed debugging bar, are said to the panel', async () => {
    await started();
    attached('s1');
    binding('s1', envelope({ type: 'link-open', docId: 'd1' }));
    dbg.event({ tabId: 5 }, 'Target.detachedFromTarget', { sessionId: 's1' });
    expect(toPanel.at(-1)).toEqual(envelope({ type: 'frame-gone', frameId: -1, docId: 'd1' }));
    dbg.detach(5, 'canceled_by_user');
    expect(toPanel.at(-1)).toMatchObject({ type: 'workers', status: { state: 'off', reason: expect.stringMatching(/debugging bar was closed/) } });
  });
});

describe('worker capture, stopping', () => {
  it('unsubscribes every hooked worker before it detaches, so no hook goes on encoding for nobody', async () => {
    const w = await started();
    attached('s1');
    dbg.event({ tabId: 5, sessionId: 's1' }, 'Debugger.paused', { reason: 'instrumentation' });
    await flush();
    binding('s1', envelope({ type: 'link-open', docId: 'd1' }));
    dbg.evaluations[0]('receiver-1');
    await flush();
    w.stop(5);
    await flush();
    const call = dbg.sent.filter((c) => c.method === 'Runtime.callFunctionOn').at(-1)!;
    expect(JSON.parse((call.params!.arguments as { value: string }[])[0].value)).toMatchObject({ docId: 'd1', cmd: 'unsubscribe' });
    expect(dbg.api.detach).toHaveBeenCalledWith({ tabId: 5 });
    expect(toPanel.at(-1)).toEqual(envelope({ type: 'frame-gone', frameId: -1, docId: 'd1' }));
  });
});
