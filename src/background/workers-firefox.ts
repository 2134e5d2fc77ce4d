/**
 * Worker capture in Firefox: the worker build of the hook (`worker-hook-firefox.js`) is written in front of every
 * dedicated worker's script by `webRequest.filterResponseData`, chosen by `Sec-Fetch-Dest: worker` (classic, module
 * and each of a module's static imports, nested workers). Measured in docs/reach-findings.md (§1 and "Firefox: a
 * channel back from a worker"), which is why:
 * - the hook goes on the same line as the script's first line (only line 1's columns move), after a byte-order mark,
 *   a `#!` line and a directive prologue (`'use strict'` must stay the worker's first statement to mean anything);
 * - the channel back is a BroadcastChannel whose name the background makes up per frame and bakes into the filtered
 *   script: a Firefox content script's BroadcastChannel reaches the workers of its frame's origin, and the page's own
 *   fetch of a worker script (and the worker's fetch of itself) gets the unfiltered text, so only the hook and the
 *   frame's content bridge know the name;
 * - a request for a worker script names its tab and the frame of the document that owns the worker (a nested worker's
 *   too), so the background tells exactly that frame's bridge which channel to listen on.
 * Each worker is a "document" of the tab for the panel under a frame id of its own below zero, as in Chromium
 * (workers.ts). What a worker says reaches the background through its frame's bridge and is checked as a bridge's
 * messages are: its `link-open` names its document id and its URL (which must be of the frame's origin), and every
 * later message must carry that id.
 */
import browser, { type Runtime, type WebRequest } from 'webextension-polyfill';
import { originOf } from './workerLink';
import { createSwLinks, secret } from './sw-links-firefox';
import { hookOffset } from '../shared/hook-offset';
import { envelope, isPageToPanel, isWorkerGone, isWorkerLinkOpen, type BackgroundToBridge, type BackgroundToPanel, type PanelToPage } from '../shared/protocol';
import type { WorkerCapture } from './worker-capture';

interface FirefoxWorker {
  tabId: number;
  /** the frame whose bridge carries this worker's traffic, and that frame's document */
  bridgeFrameId: number;
  bridgeDocId: string;
  frameId: number;
  docId: string;
  url: string;
  context: 'worker' | 'shared_worker' | 'service_worker';
}

interface Deps {
  toPanel(tabId: number, message: BackgroundToPanel): void;
  /** whether a panel is open on the tab */
  hasPanel(tabId: number): boolean;
  /** the runtime port of a frame's content bridge */
  bridgePort(tabId: number, frameId: number): Runtime.Port | undefined;
}

type Filtering = Pick<WebRequest.Static, 'filterResponseData' | 'onBeforeSendHeaders'>;

const DESTS = new Set(['worker', 'sharedworker', 'serviceworker']);
/** how much of a script is read before the hook is placed (a BOM, a `#!` line and a directive prologue fit) */
const HEAD_BYTES = 2048;

export { hookOffset };

export function createFirefoxWorkerCapture(deps: Deps): WorkerCapture | undefined {
  const webRequest = (browser as unknown as { webRequest?: Partial<Filtering> }).webRequest;
  if (typeof webRequest?.filterResponseData !== 'function' || !webRequest.onBeforeSendHeaders) return undefined;
  const filterResponseData = webRequest.filterResponseData.bind(webRequest);

  /** the discovery channel's name of each frame (`tabId:frameId`): made up when its first worker starts */
  const channels = new Map<string, string>();
  /**
   * the SharedWorker channel of each origin: a SharedWorker serves every tab of its origin, and its script's request
   * names no tab (`tabId -1`), so every bridge of a frame of that origin listens on it (told now, and at its start)
   */
  const sharedChannels = new Map<string, string>();
  /**
   * asks a realm whether the hook is in (worker-hook-firefox.ts); the page never sees a filtered script. A URL of a
   * scheme no WebSocket takes: the native throws a SyntaxError at once, opening nothing (a relative one would be
   * resolved to an http: URL, which Firefox's WebSocket accepts and connects to)
   */
  const realm = 'wslens:' + secret();
  /** a service worker's names are kept (sw-links-firefox.ts): a script that changes is an update */
  const swLinks = createSwLinks();
  const tabs = new Map<number, { next: number; byFrame: Map<number, FirefoxWorker> }>();
  /** tabs whose panel has worker capture switched off */
  const off = new Set<number>();
  let bundle: Promise<string> | undefined;
  const hookBundle = () =>
    (bundle ??= fetch(browser.runtime.getURL('worker-hook-firefox.js'))
      .then((r) => r.text())
      .catch((err) => {
        bundle = undefined;
        throw err;
      }));

  function tab(tabId: number) {
    let t = tabs.get(tabId);
    if (!t) tabs.set(tabId, (t = { next: -1, byFrame: new Map() }));
    return t;
  }

  function filter(requestId: string, prefix: Promise<string>): void {
    const f = filterResponseData(requestId);
    const encoder = new TextEncoder();
    let head: Uint8Array[] = [];
    let headBytes = 0;
    let placed = false;
    const place = async () => {
      placed = true;
      const bytes = new Uint8Array(headBytes);
      let at = 0;
      for (const c of head) {
        bytes.set(c, at);
        at += c.length;
      }
      head = [];
      let text = '';
      try {
        text = await prefix;
      } catch (err) {
        console.warn('WS Lens: the worker hook is missing', err);
      }
      // UTF-16 (a BOM says so) would be garbled by UTF-8 bytes: such a worker runs as it is, unhooked
      const utf16 = bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
      if (!text || utf16) return f.write(bytes);
      const start = new TextDecoder().decode(bytes);
      const cut = encoder.encode(start.slice(0, hookOffset(start))).length;
      f.write(bytes.subarray(0, cut));
      f.write(encoder.encode(text));
      f.write(bytes.subarray(cut));
    };
    // writes keep their order: each waits for the one before (the first waits for the hook's text)
    let queue: Promise<unknown> = Promise.resolve();
    const then = (fn: () => unknown) => (queue = queue.then(fn).catch(() => {}));
    f.ondata = (e) => {
      const chunk = new Uint8Array(e.data);
      if (placed) return void then(() => f.write(chunk));
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes >= HEAD_BYTES) then(place);
    };
    f.onstop = () => {
      if (!placed) then(place);
      then(() => f.close());
    };
    f.onerror = () => {};
  }

  /** every tab's bridges: a bridge of another origin leaves it (a shared or service worker is no tab's) */
  const tellEveryTab = (message: BackgroundToBridge) =>
    void browser.tabs.query({}).then((all) => {
      for (const t of all) if (t.id !== undefined) browser.tabs.sendMessage(t.id, message).catch(() => {});
    });

  /** the hook and its config, inside an arrow function of its own: the worker's top-level declarations, `this` and module code stay the worker's */
  const prefix = (config: Promise<{ channel: string; realm: string }>) =>
    Promise.all([config, hookBundle()]).then(([c, code]) => `(()=>{const wsLensWorker=${JSON.stringify({ channel: c.channel, realm: c.realm })};${code}})();`);

  /**
   * the scripts of shared and service workers, by URL, with the config their hook got: a module one's static imports
   * say `Sec-Fetch-Dest: worker` and `tabId -1` (measured, Firefox 153), and name the importing module as their
   * `originUrl`; each gets the same config (one realm key, so the first module evaluated installs the hook)
   */
  const ofNoTab = new Map<string, Promise<{ channel: string; realm: string }>>();
  const remember = (url: string, config: Promise<{ channel: string; realm: string }>) => {
    ofNoTab.delete(url);
    ofNoTab.set(url, config);
    if (ofNoTab.size > 500) ofNoTab.delete(ofNoTab.keys().next().value!);
  };

  webRequest.onBeforeSendHeaders.addListener(
    (d) => {
      const dest = d.requestHeaders?.find((h) => h.name.toLowerCase() === 'sec-fetch-dest')?.value;
      if (!dest || !DESTS.has(dest)) return undefined;
      if (dest === 'serviceworker') {
        // the origin's names, the same at every update check (the browser compares the filtered bytes); the
        // Workers switch is per tab, and a service worker is no tab's (`tabId -1`)
        const origin = originOf(d.url);
        if (origin === 'null') return undefined;
        const link = swLinks.of(origin);
        void link.then((l) => tellEveryTab(envelope({ type: 'worker-channel' as const, name: l.channel, shared: origin, context: 'service_worker' as const })));
        remember(d.url, link);
        filter(d.requestId, prefix(link));
        return undefined;
      }
      if (dest === 'worker' && d.tabId < 0) {
        const importer = d.originUrl === undefined ? undefined : ofNoTab.get(d.originUrl);
        if (!importer || originOf(d.url) !== originOf(d.originUrl!)) return undefined;
        remember(d.url, importer);
        filter(d.requestId, prefix(importer));
        return undefined;
      }
      let name: string | undefined;
      if (dest === 'sharedworker') {
        const origin = originOf(d.url);
        if (origin === 'null') return undefined;
        name = sharedChannels.get(origin);
        if (!name) sharedChannels.set(origin, (name = 'wslens-' + secret()));
        tellEveryTab(envelope({ type: 'worker-channel' as const, name, shared: origin }));
        remember(d.url, Promise.resolve({ channel: name, realm }));
      } else {
        if (d.tabId < 0 || off.has(d.tabId)) return undefined;
        const key = `${d.tabId}:${d.frameId}`;
        name = channels.get(key);
        if (!name) channels.set(key, (name = 'wslens-' + secret()));
        const message: BackgroundToBridge = envelope({ type: 'worker-channel' as const, name });
        browser.tabs.sendMessage(d.tabId, message, { frameId: d.frameId }).catch(() => {});
      }
      filter(d.requestId, prefix(Promise.resolve({ channel: name, realm })));
      return undefined;
    },
    { urls: ['<all_urls>'], types: ['script'] },
    ['blocking', 'requestHeaders'],
  );

  browser.tabs.onRemoved.addListener((tabId) => {
    tabs.delete(tabId);
    off.delete(tabId);
    for (const key of [...channels.keys()]) if (key.startsWith(`${tabId}:`)) channels.delete(key);
  });

  const hello = (w: FirefoxWorker) => {
    const doc = { docId: w.docId, url: w.url, origin: originOf(w.url), context: w.context };
    deps.toPanel(w.tabId, envelope({ type: 'from-frame' as const, frameId: w.frameId, message: envelope({ type: 'hello' as const, doc }) }));
  };

  const ofBridge = (tabId: number, bridgeFrameId: number, bridgeDocId: string, docId: unknown) => {
    if (typeof docId !== 'string') return undefined;
    for (const w of tabs.get(tabId)?.byFrame.values() ?? []) if (w.bridgeFrameId === bridgeFrameId && w.bridgeDocId === bridgeDocId && w.docId === docId) return w;
    return undefined;
  };

  /**
   * The tab's panel went away: a SharedWorker or service worker it showed is unsubscribed (through this tab's bridge)
   * only if no other tab's panel shows it (the bridge leaves those subscribed when its panel goes)
   */
  const release = (tabId: number) => {
    for (const w of tabs.get(tabId)?.byFrame.values() ?? []) {
      if (w.context === 'worker') continue;
      let watched = false;
      for (const [other, t] of tabs) if (other !== tabId && deps.hasPanel(other)) for (const x of t.byFrame.values()) if (x.docId === w.docId) watched = true;
      if (!watched) browser.tabs.sendMessage(tabId, envelope({ type: 'worker-release' as const, docId: w.docId }), { frameId: w.bridgeFrameId }).catch(() => {});
    }
  };

  const status = (tabId: number, on: boolean) =>
    deps.toPanel(tabId, envelope({ type: 'workers' as const, status: on ? { state: 'on' as const, runningBefore: 0 } : { state: 'off' as const, reason: '' } }));

  return {
    // Capture is on without a panel (a worker's ring replays to a panel that opens later, as a document's does);
    // the panel's Workers switch turned off leaves the tab's new workers alone: their scripts are not filtered
    start(tabId) {
      off.delete(tabId);
      status(tabId, true);
    },
    stop(tabId, tell = false) {
      if (!tell) {
        release(tabId);
        return void off.delete(tabId);
      }
      off.add(tabId);
      status(tabId, false);
    },
    idle(tabId) {
      off.add(tabId);
      status(tabId, false);
    },
    isWorkerFrame: (frameId) => frameId < 0,
    async channelsOf(origin) {
      const name = sharedChannels.get(origin);
      const service = await swLinks.channelOf(origin);
      return { shared: name ? [name] : [], service: service ? [service] : [] };
    },
    defaultOn: true,
    deliver(tabId, frameId, message: PanelToPage) {
      const w = tabs.get(tabId)?.byFrame.get(frameId);
      const port = w && deps.bridgePort(tabId, w.bridgeFrameId);
      if (!w || !port || message.docId !== w.docId) return false;
      port.postMessage(message);
      return true;
    },
    fromBridge(tabId, bridgeFrameId, bridgeOrigin, bridgeDocId, msg) {
      if (isWorkerLinkOpen(msg)) {
        // a worker of this frame (its bridge heard it on the frame's secret channel): of the frame's origin, and
        // never the frame's own document
        let origin: string | undefined;
        try {
          origin = msg.url === undefined ? undefined : new URL(msg.url).origin;
        } catch {
          origin = undefined;
        }
        // a data: worker (its origin is opaque) can only have come through its document hook's port (a BroadcastChannel
        // of the page's origin does not reach it): the page's own data: URL, like a blob: one, is of the bridge's frame
        const opaque = origin === 'null' && msg.url !== undefined && msg.url.slice(0, 5).toLowerCase() === 'data:';
        if (!origin || (origin !== bridgeOrigin && !opaque) || !bridgeDocId || msg.docId === bridgeDocId) return true;
        let w = ofBridge(tabId, bridgeFrameId, bridgeDocId, msg.docId);
        if (!w) {
          const t = tab(tabId);
          w = { tabId, bridgeFrameId, bridgeDocId, frameId: t.next--, docId: msg.docId, url: msg.url!, context: msg.context === 'shared_worker' || msg.context === 'service_worker' ? msg.context : 'worker' };
          t.byFrame.set(w.frameId, w);
        }
        hello(w);
        return true;
      }
      if (isWorkerGone(msg)) {
        // a service worker its bridge no longer hears (stopped by the browser): its sockets went with it
        const w = ofBridge(tabId, bridgeFrameId, bridgeDocId, msg.docId);
        if (w?.context === 'service_worker') {
          tabs.get(tabId)?.byFrame.delete(w.frameId);
          deps.toPanel(tabId, envelope({ type: 'frame-gone' as const, frameId: w.frameId, docId: w.docId }));
        }
        return true;
      }
      if (!isPageToPanel(msg) || msg.type === 'hello' || ('docId' in msg && msg.docId === bridgeDocId)) return false;
      const w = ofBridge(tabId, bridgeFrameId, bridgeDocId, (msg as { docId?: unknown }).docId);
      if (!w) return false;
      deps.toPanel(tabId, envelope({ type: 'from-frame' as const, frameId: w.frameId, message: msg }));
      return true;
    },
    bridgeGone(tabId, bridgeFrameId, bridgeDocId) {
      const t = tabs.get(tabId);
      if (!t) return;
      for (const w of [...t.byFrame.values()])
        if (w.bridgeFrameId === bridgeFrameId && w.bridgeDocId === bridgeDocId) {
          t.byFrame.delete(w.frameId);
          deps.toPanel(tabId, envelope({ type: 'frame-gone' as const, frameId: w.frameId, docId: w.docId }));
        }
    },
  };
}
