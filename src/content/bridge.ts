/**
 * WS Lens content bridge (ISOLATED world, document_start, every frame). A few lines of plumbing: it takes the
 * hook's private MessagePort from the one-time handshake, and while a DevTools panel watches this tab it relays
 * page -> background over a runtime port and panel commands back. It never acts on what the page says.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import {
  HANDSHAKE_KEY,
  PORT_BRIDGE,
  envelope,
  isBackgroundToBridge,
  isPageToPanel,
  isPanelToPage,
  isWorkerLinkOpen,
  isWorkerPortHandOver,
  type WorkerGone,
  workerChannel,
  type BridgeHelloReply,
  type PageToPanel,
  type PanelToPage,
  type WorkerLinkOpen,
} from '../shared/protocol';

let hookPort: MessagePort | undefined;
let docId = '';
let bg: Runtime.Port | undefined;

// Capturing listener registered before any page script: it runs first for the handshake and stops it, so the
// page never sees that one message. Only a trusted event is the handshake (a page can build a MessageEvent with
// `source: window` and dispatch it synchronously from its first script, before the hook's own message arrives), and
// only the first: the hook posts it before any page script runs, so the first trusted one is the hook's. Anything
// else that looks like a handshake is the page's own business and reaches the page's listeners untouched.
window.addEventListener(
  'message',
  (e) => {
    if (hookPort || !e.isTrusted || e.source !== window) return;
    const d = e.data as Record<string, unknown> | null;
    if (!d || typeof d !== 'object' || d[HANDSHAKE_KEY] !== true || !e.ports[0] || typeof d.docId !== 'string') return;
    e.stopImmediatePropagation();
    hookPort = e.ports[0];
    docId = d.docId;
    hookPort.onmessage = (m) => {
      // The hook speaks for its own document only, and never introduces one: `hello` is the bridge's alone.
      const msg: unknown = m.data;
      if (isWorkerPortHandOver(msg) && m.ports[0]) return adoptWorkerPort(m.ports[0]);
      if (bg && isPageToPanel(msg) && msg.type !== 'hello' && msg.docId === docId) bg.postMessage(msg);
    };
    void browser.runtime
      .sendMessage(envelope({ type: 'bridge-hello' }))
      .then((reply) => {
        const r = reply as BridgeHelloReply | undefined;
        // Firefox: the SharedWorkers of this origin running already (a tab that connects later to one still sees it)
        for (const name of Array.isArray(r?.shared) ? r.shared : []) if (typeof name === 'string') listenForWorkers(name, 'shared_worker');
        // and its service workers' (one may be running, its script not fetched again before this document's end)
        for (const name of Array.isArray(r?.service) ? r.service : []) if (typeof name === 'string') listenForWorkers(name, 'service_worker');
        if (r?.panel) attach();
      })
      .catch(() => {});
  },
  true,
);

function toHook(message: PanelToPage): void {
  if (message.docId === docId) hookPort?.postMessage(message);
  else workers.get(message.docId)?.traffic.postMessage(message);
}

// Firefox: this frame's dedicated workers, each hooked by its filtered script (src/background/workers-firefox.ts).
// The background names a discovery channel (a BroadcastChannel of this frame's origin, with a name the page never
// sees); each worker's hook says `link-open` there and carries its traffic on a channel of its own document.
// Only the hooks know the names, and a hook speaks for its own document only: what it says on its channel is
// relayed if it carries that document's id, and a `hello` never is.
type SharedContext = NonNullable<WorkerLinkOpen['context']>;
/** discovery channels by name; `shared` says which kind when the channel serves every tab of the origin */
const discovery = new Map<string, { channel: BroadcastChannel; shared?: SharedContext }>();
const workers = new Map<string, { open: WorkerLinkOpen; traffic: BroadcastChannel | MessagePort; heard?: number }>();
/**
 * a worker of every tab of its origin (a SharedWorker, a service worker: the bridge set `context`): its panel going
 * does not unsubscribe it (see `worker-release`)
 */
const servesOrigin = (w: { open: WorkerLinkOpen }) => w.open.context !== undefined;

// Firefox: a worker the page built from a blob: or data: URL, hooked by this frame's document hook, which hands this
// bridge the worker's port (src/page/worker-wrap-firefox.ts). Its first word is `link-open`; after that only messages
// of that document pass, as on a channel.
function adoptWorkerPort(port: MessagePort): void {
  let id: string | undefined;
  port.onmessage = (m) => {
    const msg: unknown = m.data;
    if (id === undefined) {
      if (!isWorkerLinkOpen(msg) || typeof msg.url !== 'string' || msg.docId === docId || workers.has(msg.docId)) return;
      id = msg.docId;
      workers.set(id, { open: envelope({ type: 'link-open' as const, docId: id, url: msg.url }), traffic: port });
      if (bg) bg.postMessage(workers.get(id)!.open);
      return;
    }
    if (bg && isPageToPanel(msg) && msg.type !== 'hello' && msg.docId === id) bg.postMessage(msg);
  };
}

/**
 * `shared`: a SharedWorker's or the service workers' channel of this origin (the background names them per origin
 * and tells every bridge of that origin). Those serve every tab of their origin: each bridge listening relays them to
 * its own tab's panel, and the background says when the last panel showing one let go (`worker-release`), so one
 * tab's panel closing does not unsubscribe it for the others.
 */
function listenForWorkers(name: string, shared?: SharedContext): void {
  if (discovery.has(name)) return;
  const channel = new BroadcastChannel(name);
  discovery.set(name, { channel, shared });
  channel.onmessage = (e) => {
    const open: unknown = e.data;
    if (!isWorkerLinkOpen(open) || typeof open.url !== 'string' || open.docId === docId) return;
    const known = workers.get(open.docId);
    if (known) known.heard = Date.now();
    else {
      const id = open.docId;
      const traffic = new BroadcastChannel(workerChannel(name, id));
      traffic.onmessage = (m) => {
        const msg: unknown = m.data;
        const w = workers.get(id);
        if (w) w.heard = Date.now();
        if (bg && isPageToPanel(msg) && msg.type !== 'hello' && msg.docId === id) bg.postMessage(msg);
      };
      const said: WorkerLinkOpen = envelope({ type: 'link-open' as const, docId: id, url: open.url });
      if (shared) said.context = shared;
      workers.set(id, { open: said, traffic, heard: Date.now() });
      if (shared === 'service_worker') watchServiceWorkers();
      if (bg) bg.postMessage(workers.get(id)!.open);
    }
  };
  // workers that started before this channel was listened to say link-open again
  channel.postMessage(envelope({ type: 'link-ping' as const }));
}

// Firefox stops an idle service worker (about 30 s after its last event, measured, with and without WS Lens) and its
// sockets with it, and its hook cannot say so: while a panel watches, the bridge pings the service workers' channel,
// and one that has not answered for a while (nor sent anything) is gone, which the panel is told
const PING_MS = 5000;
const GONE_MS = 16000;
let pinging: ReturnType<typeof setInterval> | undefined;
function watchServiceWorkers(): void {
  if (pinging !== undefined) return;
  pinging = setInterval(() => {
    if (!bg) return;
    const now = Date.now();
    let any = false;
    for (const [id, w] of workers) {
      if (w.open.context !== 'service_worker') continue;
      if (now - (w.heard ?? now) < GONE_MS) {
        any = true;
        continue;
      }
      workers.delete(id);
      w.traffic.close();
      const gone: WorkerGone = envelope({ type: 'worker-gone' as const, docId: id });
      bg.postMessage(gone);
    }
    if (!any) {
      clearInterval(pinging);
      pinging = undefined;
      return;
    }
    for (const d of discovery.values()) if (d.shared === 'service_worker') d.channel.postMessage(envelope({ type: 'link-ping' as const }));
  }, PING_MS);
}

function attach(): void {
  if (bg || !hookPort) return;
  bg = browser.runtime.connect({ name: PORT_BRIDGE });
  bg.onMessage.addListener((msg: unknown) => {
    if (isPanelToPage(msg)) toHook(msg);
  });
  // The background went away (the MV3 service worker was stopped, or the panel closed): stop paying for
  // streaming. The panel reconnects and resubscribes from the last seq it has; the page ring covers the gap.
  bg.onDisconnect.addListener(detach);
  const hello: PageToPanel = envelope({ type: 'hello' as const, doc: { docId, url: location.href } });
  bg.postMessage(hello);
  for (const w of workers.values()) {
    w.heard = Date.now();
    bg.postMessage(w.open);
  }
  if ([...workers.values()].some((w) => w.open.context === 'service_worker')) watchServiceWorkers();
}

browser.runtime.onMessage.addListener((msg: unknown) => {
  if (!isBackgroundToBridge(msg)) return;
  if (msg.type === 'worker-channel') {
    if (msg.shared === undefined) listenForWorkers(msg.name);
    else if (msg.shared === location.origin) listenForWorkers(msg.name, msg.context ?? 'shared_worker');
  } else if (msg.type === 'worker-release') {
    const w = workers.get(msg.docId);
    if (w && servesOrigin(w)) toHook(envelope({ type: 'command' as const, docId: msg.docId, cmd: 'unsubscribe' as const }));
  }
  else if (msg.type === 'panel-present') attach();
  else detach();
});

function detach(): void {
  if (!bg) return;
  try {
    bg.disconnect();
  } catch {
    // already gone with the service worker
  }
  bg = undefined;
  toHook(envelope({ type: 'command' as const, docId, cmd: 'unsubscribe' as const }));
  // a SharedWorker may still be watched from another tab: the background releases it when the last panel goes
  for (const [id, w] of workers) if (!servesOrigin(w)) toHook(envelope({ type: 'command' as const, docId: id, cmd: 'unsubscribe' as const }));
}
