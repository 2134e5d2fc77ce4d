/**
 * Worker capture in Chromium: while a WS Lens panel is open on a tab, the background attaches `chrome.debugger` to it
 * and auto-attaches to its dedicated and service workers, each paused before its first script. Each worker gets a
 * private binding (the hook's channel back), an instrumentation breakpoint before its first script, and on that pause
 * the worker build of the hook (`worker-hook.js`); then it runs. Measured in docs/reach-findings.md §3, which is why:
 * - commands to a worker that has not started are sent without waiting for their answers (a service worker's thread
 *   does not exist before `runIfWaitingForDebugger`, so an awaited command never answers);
 * - the hook is evaluated at the instrumentation pause, never on a worker merely waiting at start (that crashes the
 *   renderer);
 * - nested workers need auto-attach on their parent worker's session too.
 * Each worker is a "document" of the tab for the panel, under a frame id of its own below zero (browser frames are 0
 * and up), so the panel's routing, answers and rules work as for frames. What a worker says is checked as a bridge's
 * messages are: its first message names its document id, and every later one must carry it.
 */
import { envelope, type BackgroundToPanel, type DocContext, type PanelToPage } from '../shared/protocol';
import { originOf, readWorkerCall, toWorkerHook } from './workerLink';
import { createSharedWorkerCapture, type SharedDebuggerApi } from './sharedWorkers';

interface Target {
  tabId?: number;
  sessionId?: string;
}

/** The part of `chrome.debugger` used here (Chrome's own API; webextension-polyfill has no such namespace). */
interface DebuggerApi extends SharedDebuggerApi {
  attach(target: Target, version: string): Promise<void>;
  detach(target: Target): Promise<void>;
  sendCommand(target: Target, method: string, params?: object): Promise<unknown>;
  onEvent: { addListener(fn: (source: Target, method: string, params?: unknown) => void): void };
  onDetach: { addListener(fn: (source: Target, reason: string) => void): void };
}

interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
}

interface Worker {
  sessionId: string;
  frameId: number;
  context: DocContext;
  url: string;
  docId?: string;
  /** the object id of the hook's receiver: how the panel's messages reach it */
  receiver?: string;
  /**
   * the panel's messages that came before `receiver` was known: the hook says hello during its own evaluation, so
   * the panel's `subscribe` can come back before that evaluation has answered (measured: 1 run in 9 lost a worker)
   */
  pending: PanelToPage[];
  hooked: boolean;
}

interface TabCapture {
  tabId: number;
  bySession: Map<string, Worker>;
  byFrame: Map<number, Worker>;
  nextFrameId: number;
  attached: boolean;
  /** workers that were running when capture began: not hooked (their first script ran long ago) */
  runningBefore: number;
}

/** the binding's name in each worker: the hook deletes it from the global before any of the worker's code runs */
const BINDING = `__wsLens${Math.random().toString(36).slice(2)}`;
const WORKER_TYPES: Record<string, DocContext> = { worker: 'worker', service_worker: 'service_worker' };

export function createWorkerCapture(toPanel: (tabId: number, message: BackgroundToPanel) => void) {
  const api = (globalThis as { chrome?: { debugger?: DebuggerApi } }).chrome?.debugger;
  const tabs = new Map<number, TabCapture>();
  let hookSource: Promise<string> | undefined;
  const hookCode = () =>
    (hookSource ??= fetch((globalThis as unknown as { chrome: { runtime: { getURL(p: string): string } } }).chrome.runtime.getURL('worker-hook.js')).then((r) => r.text()));
  const shared =
    api &&
    createSharedWorkerCapture(api, {
      tabs: () => new Set([...tabs.values()].filter((t) => t.attached).map((t) => t.tabId)),
      frameIdFor: (tabId) => tabs.get(tabId)!.nextFrameId--,
      hookExpression: async () => hookExpression(await hookCode()),
      binding: BINDING,
      toPanel,
    });

  const status = (tab: TabCapture, s: Extract<BackgroundToPanel, { type: 'workers' }>['status']) => toPanel(tab.tabId, envelope({ type: 'workers' as const, status: s }));

  function send(tab: TabCapture, sessionId: string | undefined, method: string, params?: object): Promise<unknown> {
    return api!.sendCommand({ tabId: tab.tabId, sessionId }, method, params);
  }

  function hookExpression(code: string): string {
    // the bundle is one IIFE that reads `wsLensWorker`: declared here, in a function's scope, not on the global
    return `(() => { let receiver; const wsLensWorker = { binding: ${JSON.stringify(BINDING)}, receiver: (fn) => { receiver = fn; } };\n${code}\nreturn receiver; })()`;
  }

  function onAttached(tab: TabCapture, params: { sessionId: string; targetInfo: TargetInfo; waitingForDebugger: boolean }): void {
    const { sessionId, targetInfo, waitingForDebugger } = params;
    const context = WORKER_TYPES[targetInfo.type];
    const fail = () => {};
    if (!context) {
      // a cross-site iframe (its document has the content-script hook) may start workers of its own
      if (targetInfo.type === 'iframe') void send(tab, sessionId, 'Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }).catch(fail);
      if (waitingForDebugger) void send(tab, sessionId, 'Runtime.runIfWaitingForDebugger').catch(fail);
      return;
    }
    const worker: Worker = { sessionId, frameId: tab.nextFrameId--, context, url: targetInfo.url, pending: [], hooked: false };
    tab.bySession.set(sessionId, worker);
    tab.byFrame.set(worker.frameId, worker);
    if (!waitingForDebugger) {
      // it ran before capture began: hooking it now would miss its first script's sockets and could wrap twice a
      // worker hooked by an earlier panel; the panel says a reload shows it
      tab.runningBefore++;
      return;
    }
    for (const [method, p] of [
      ['Runtime.addBinding', { name: BINDING }],
      ['Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }],
      ['Debugger.enable', {}],
      ['Debugger.setInstrumentationBreakpoint', { instrumentation: 'beforeScriptExecution' }],
      ['Runtime.runIfWaitingForDebugger', {}],
    ] as const)
      void send(tab, sessionId, method, p).catch(fail);
  }

  async function onPaused(tab: TabCapture, worker: Worker): Promise<void> {
    if (worker.hooked) return;
    worker.hooked = true;
    try {
      const result = (await send(tab, worker.sessionId, 'Runtime.evaluate', {
        expression: hookExpression(await hookCode()),
        objectGroup: 'ws-lens',
        silent: true,
      })) as { result?: { objectId?: string }; exceptionDetails?: { text?: string; exception?: { description?: string } } };
      if (result.exceptionDetails) throw new Error(result.exceptionDetails.exception?.description ?? result.exceptionDetails.text ?? 'the hook threw');
      worker.receiver = result.result?.objectId;
      for (const m of worker.pending.splice(0)) void post(tab, worker, m);
    } catch (err) {
      console.warn('WS Lens: could not hook the worker', worker.url, err);
    } finally {
      // disabling the debugger resumes the worker (a resume after it says "not paused")
      void send(tab, worker.sessionId, 'Debugger.disable').catch(() => {});
    }
  }

  function post(tab: TabCapture, worker: Worker, message: PanelToPage): Promise<unknown> {
    return toWorkerHook((method, params) => send(tab, worker.sessionId, method, params), worker.receiver, message);
  }

  function hello(tab: TabCapture, worker: Worker & { docId: string }): void {
    const doc = { docId: worker.docId, url: worker.url, origin: originOf(worker.url), context: worker.context };
    toPanel(tab.tabId, envelope({ type: 'from-frame' as const, frameId: worker.frameId, message: envelope({ type: 'hello' as const, doc }) }));
  }

  function onBinding(tab: TabCapture, worker: Worker, payload: string): void {
    const { opened, message } = readWorkerCall(payload, worker.docId);
    if (opened !== undefined) {
      worker.docId = opened;
      hello(tab, worker as Worker & { docId: string });
    } else if (message) toPanel(tab.tabId, envelope({ type: 'from-frame' as const, frameId: worker.frameId, message }));
  }

  function forget(tab: TabCapture, worker: Worker): void {
    tab.bySession.delete(worker.sessionId);
    tab.byFrame.delete(worker.frameId);
    if (worker.docId) toPanel(tab.tabId, envelope({ type: 'frame-gone' as const, frameId: worker.frameId, docId: worker.docId }));
  }

  api?.onEvent.addListener((source, method, params) => {
    const tab = source.tabId === undefined ? undefined : tabs.get(source.tabId);
    if (!tab) return;
    const worker = source.sessionId ? tab.bySession.get(source.sessionId) : undefined;
    if (method === 'Target.attachedToTarget') onAttached(tab, params as Parameters<typeof onAttached>[1]);
    else if (method === 'Target.detachedFromTarget') {
      const gone = tab.bySession.get((params as { sessionId: string }).sessionId);
      if (gone) forget(tab, gone);
    } else if (!worker) return;
    else if (method === 'Debugger.paused') void onPaused(tab, worker);
    else if (method === 'Runtime.bindingCalled') {
      const p = params as { name: string; payload: string };
      if (p.name === BINDING) onBinding(tab, worker, p.payload);
    }
  });

  api?.onDetach.addListener((source, reason) => {
    const tab = source.tabId === undefined ? undefined : tabs.get(source.tabId);
    if (!tab) return;
    for (const w of [...tab.bySession.values()]) forget(tab, w);
    tabs.delete(tab.tabId);
    shared?.leave(tab.tabId);
    status(tab, {
      state: 'off',
      reason:
        reason === 'canceled_by_user'
          ? 'Worker capture stopped: the debugging bar was closed. Close and reopen DevTools to capture workers again.'
          : `Worker capture stopped (${reason}).`,
    });
  });

  return {
    /** A panel opened on the tab: capture its workers from now on. */
    async start(tabId: number): Promise<void> {
      if (!api) return;
      if (tabs.has(tabId)) return status(tabs.get(tabId)!, { state: 'on', runningBefore: tabs.get(tabId)!.runningBefore });
      const tab: TabCapture = { tabId, bySession: new Map(), byFrame: new Map(), nextFrameId: -1, attached: false, runningBefore: 0 };
      tabs.set(tabId, tab);
      try {
        await api.attach({ tabId }, '1.3');
        tab.attached = true;
        await send(tab, undefined, 'Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true });
        status(tab, { state: 'on', runningBefore: tab.runningBefore });
        shared?.watch();
      } catch (err) {
        tabs.delete(tabId);
        status(tab, { state: 'off', reason: `Worker capture is off: ${(err as Error).message}` });
      }
    },
    /**
     * The tab's panel went away, or the user switched worker capture off (`tell`: say so to the panel): let go of
     * the workers. Their hooks stay, unsubscribed, until the workers end.
     */
    stop(tabId: number, tell = false): void {
      const tab = tabs.get(tabId);
      if (!tab) return;
      // a hook left subscribed would go on encoding batches for nobody, at the page's expense: unsubscribe first
      const said = [...tab.bySession.values()].map((w) =>
        w.receiver && w.docId ? post(tab, w, envelope({ type: 'command' as const, docId: w.docId, cmd: 'unsubscribe' as const })) : undefined,
      );
      for (const w of [...tab.bySession.values()]) forget(tab, w);
      tabs.delete(tabId);
      shared?.leave(tabId);
      if (tab.attached) void Promise.all(said).then(() => api?.detach({ tabId }).catch(() => {}));
      if (tell) status(tab, { state: 'off', reason: '' });
    },
    /** A panel opened with worker capture switched off: it still learns that the browser can capture workers. */
    idle(tabId: number): void {
      if (api) toPanel(tabId, envelope({ type: 'workers' as const, status: { state: 'off' as const, reason: '' } }));
    },
    /** A panel message for a worker's document; false if that worker is not (or no longer) captured. */
    deliver(tabId: number, frameId: number, message: PanelToPage): boolean {
      const tab = tabs.get(tabId);
      const worker = tab?.byFrame.get(frameId);
      if (tab && !worker) return shared?.deliver(tabId, frameId, message) ?? false;
      if (!tab || !worker?.docId) return false;
      if (worker.receiver) void post(tab, worker, message);
      else worker.pending.push(message);
      return true;
    },
    newTopDocument(tabId: number): void {
      const tab = tabs.get(tabId);
      for (const w of tab?.bySession.values() ?? []) if (w.context === 'service_worker' && w.docId !== undefined) hello(tab!, w as Worker & { docId: string });
    },
    isWorkerFrame: (frameId: number) => frameId < 0,
    defaultOn: false,
  };
}
