/**
 * SharedWorkers in Chromium, attached late. A tab's debugger never auto-attaches to a SharedWorker (it belongs to no
 * tab), and fulfilling its script from the extension breaks its sockets (docs/reach-findings.md §3). What works: the
 * worker is listed by `chrome.debugger.getTargets()` about 100 ms after it starts, and can be attached by its target
 * id; the hook then goes in while it runs. So its sockets are captured from the moment it is attached: a socket it
 * opened in its first script is missed (the panel's heading says so).
 * One SharedWorker serves every tab of its origin: it is one document, shown in the panel of each captured tab of that
 * origin under a frame id of that tab's own; what it says goes to all of them (the panels drop what they already
 * have by seq), and it is unsubscribed only when the last of them lets go.
 */
import { envelope, type BackgroundToPanel, type PanelToPage } from '../shared/protocol';
import { originOf, readWorkerCall, toWorkerHook } from './workerLink';

interface DebuggerTarget {
  targetId?: string;
  tabId?: number;
}

export interface SharedDebuggerApi {
  attach(target: DebuggerTarget, version: string): Promise<void>;
  detach(target: DebuggerTarget): Promise<void>;
  sendCommand(target: DebuggerTarget, method: string, params?: object): Promise<unknown>;
  getTargets(): Promise<{ id: string; type: string; url: string; title: string; tabId?: number }[]>;
  onEvent: { addListener(fn: (source: DebuggerTarget, method: string, params?: unknown) => void): void };
  onDetach: { addListener(fn: (source: DebuggerTarget, reason: string) => void): void };
}

interface Shared {
  targetId: string;
  url: string;
  origin: string;
  docId?: string;
  receiver?: string;
  /** the captured tabs it is shown in, with its frame id in each */
  frames: Map<number, number>;
}

export interface SharedWorkerHost {
  /** the tabs being captured now */
  tabs(): Set<number>;
  /** a frame id (below zero) of the tab's own, for a document that is not one of its frames */
  frameIdFor(tabId: number): number;
  /** the evaluation that installs the hook (the same as a dedicated worker's) */
  hookExpression(): Promise<string>;
  binding: string;
  toPanel(tabId: number, message: BackgroundToPanel): void;
}

const POLL_MS = 1000;

export function createSharedWorkerCapture(api: SharedDebuggerApi, host: SharedWorkerHost) {
  const byTarget = new Map<string, Shared>();
  /** targets looked at and left alone (a dedicated worker of a tab not captured, another origin's worker) */
  const passed = new Set<string>();
  let timer: ReturnType<typeof setInterval> | undefined;

  const send = (s: Shared, method: string, params?: object) => api.sendCommand({ targetId: s.targetId }, method, params);

  async function poll(): Promise<void> {
    const captured = host.tabs();
    if (!captured.size) return;
    let targets;
    try {
      targets = await api.getTargets();
    } catch {
      return;
    }
    const origins = new Map<number, string>();
    for (const t of targets) if (t.type === 'page' && t.tabId !== undefined && captured.has(t.tabId)) origins.set(t.tabId, originOf(t.url));
    for (const t of targets) {
      if (t.type !== 'worker' || t.title.startsWith('Service Worker') || byTarget.has(t.id) || passed.has(t.id)) continue;
      const origin = originOf(t.url);
      const tabsOfOrigin = [...origins].filter(([, o]) => o === origin).map(([id]) => id);
      if (!tabsOfOrigin.length) continue;
      passed.add(t.id);
      void adopt(t.id, t.url, origin, tabsOfOrigin);
    }
    // tabs of an origin that opened after a shared worker was adopted see it too
    for (const s of byTarget.values()) for (const [tabId, o] of origins) if (o === s.origin && !s.frames.has(tabId)) show(s, tabId);
  }

  async function adopt(targetId: string, url: string, origin: string, tabsOfOrigin: number[]): Promise<void> {
    const s: Shared = { targetId, url, origin, frames: new Map() };
    try {
      await api.attach({ targetId }, '1.3');
    } catch {
      return; // attached by someone else, or gone
    }
    try {
      // a dedicated worker of a tab not captured is listed as a "worker" too: only a SharedWorker's global is taken
      const kind = (await send(s, 'Runtime.evaluate', { expression: 'typeof SharedWorkerGlobalScope === "function" && self instanceof SharedWorkerGlobalScope', returnByValue: true })) as { result?: { value?: unknown } };
      if (kind.result?.value !== true) throw new Error('not a SharedWorker');
      byTarget.set(targetId, s);
      await send(s, 'Runtime.addBinding', { name: host.binding });
      const result = (await send(s, 'Runtime.evaluate', { expression: await host.hookExpression(), objectGroup: 'ws-lens', silent: true })) as { result?: { objectId?: string }; exceptionDetails?: unknown };
      if (result.exceptionDetails || !result.result?.objectId) throw new Error('the hook did not install');
      s.receiver = result.result.objectId;
    } catch {
      byTarget.delete(targetId);
      void api.detach({ targetId }).catch(() => {});
      return;
    }
    const captured = host.tabs();
    for (const tabId of tabsOfOrigin) if (captured.has(tabId) && !s.frames.has(tabId)) show(s, tabId);
  }

  function hello(s: Shared) {
    return envelope({ type: 'hello' as const, doc: { docId: s.docId!, url: s.url, origin: s.origin, context: 'shared_worker' as const } });
  }

  function show(s: Shared, tabId: number): void {
    if (!s.docId) return;
    const frameId = host.frameIdFor(tabId);
    s.frames.set(tabId, frameId);
    host.toPanel(tabId, envelope({ type: 'from-frame' as const, frameId, message: hello(s) }));
  }

  function onBinding(s: Shared, payload: string): void {
    const { opened, message } = readWorkerCall(payload, s.docId);
    // the tabs it is shown in are decided once its hook is in (adopt), or at the next poll
    if (opened !== undefined) s.docId = opened;
    else if (message) for (const [tabId, frameId] of s.frames) host.toPanel(tabId, envelope({ type: 'from-frame' as const, frameId, message }));
  }

  function forget(s: Shared): void {
    byTarget.delete(s.targetId);
    for (const [tabId, frameId] of s.frames) if (s.docId) host.toPanel(tabId, envelope({ type: 'frame-gone' as const, frameId, docId: s.docId }));
  }

  api.onEvent.addListener((source, method, params) => {
    const s = source.targetId ? byTarget.get(source.targetId) : undefined;
    if (!s || method !== 'Runtime.bindingCalled') return;
    const p = params as { name: string; payload: string };
    if (p.name === host.binding) onBinding(s, p.payload);
  });
  api.onDetach.addListener((source) => {
    const s = source.targetId ? byTarget.get(source.targetId) : undefined;
    if (s) forget(s);
  });

  function post(s: Shared, message: PanelToPage): Promise<unknown> {
    return toWorkerHook((method, params) => send(s, method, params), s.receiver, message);
  }

  return {
    /** Capture began on a tab: look for its origin's shared workers now and while any tab is captured. */
    watch(): void {
      void poll();
      timer ??= setInterval(() => void poll(), POLL_MS);
    },
    /** A tab's capture ended: the shared workers it showed let go of it; the last tab out unsubscribes and detaches. */
    leave(tabId: number): void {
      for (const s of [...byTarget.values()]) {
        if (!s.frames.delete(tabId) || s.frames.size) continue;
        const bye = s.docId ? post(s, envelope({ type: 'command' as const, docId: s.docId, cmd: 'unsubscribe' as const })) : Promise.resolve();
        byTarget.delete(s.targetId);
        passed.delete(s.targetId);
        void bye.then(() => api.detach({ targetId: s.targetId }).catch(() => {}));
      }
      if (!host.tabs().size && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    },
    /** A panel message for a frame id of `tabId`: true if it was a shared worker's (and went to it). */
    deliver(tabId: number, frameId: number, message: PanelToPage): boolean {
      for (const s of byTarget.values()) {
        if (s.frames.get(tabId) !== frameId) continue;
        // one panel letting go is not every panel letting go (leave() unsubscribes for the last one)
        if (s.receiver && !(message.type === 'command' && message.cmd === 'unsubscribe')) void post(s, message);
        return true;
      }
      return false;
    },
  };
}
