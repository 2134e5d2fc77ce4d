/**
 * WS Lens background: a per-tab router between DevTools panels and the content bridges of that tab's frames.
 * It holds nothing that must survive: the MV3 service worker (Chrome) or event page (Firefox) may be stopped at
 * any time; every port then disconnects, the panel reconnects, and the bridges resubscribe on its request.
 * Routing is keyed by the sender's tab as the browser reports it, never by anything a page says, so a page
 * cannot reach another tab or make the extension act.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import {
  PORT_BRIDGE,
  PORT_PANEL,
  envelope,
  isLensMessage,
  isPageToPanel,
  isPanelToBackground,
  type BackgroundToBridge,
  type BridgeHelloReply,
  type BackgroundToPanel,
} from '../shared/protocol';
import { createWorkerCapture } from './workers';
import { createFirefoxWorkerCapture } from './workers-firefox';
import type { WorkerCapture } from './worker-capture';

const panels = new Map<number, Runtime.Port>();
const bridges = new Map<number, Map<number, Runtime.Port>>();

function tellBridges(tabId: number, message: BackgroundToBridge): void {
  // without a frameId this reaches every frame's bridge in the tab; tabs without our bridge just reject
  browser.tabs.sendMessage(tabId, message).catch(() => {});
}

function toPanel(tabId: number, message: BackgroundToPanel): void {
  panels.get(tabId)?.postMessage(message);
}

// Workers: Firefox filters their scripts and their traffic comes through their frame's bridge (workers-firefox.ts);
// Chromium's reach the panel through the debugger while a panel is open (workers.ts)
const workers: WorkerCapture =
  createFirefoxWorkerCapture({ toPanel, hasPanel: (tabId) => panels.has(tabId), bridgePort: (tabId, frameId) => bridges.get(tabId)?.get(frameId) }) ?? createWorkerCapture(toPanel);

function onPanel(port: Runtime.Port): void {
  let tabId: number | undefined;
  port.onMessage.addListener((msg: unknown) => {
    if (!isPanelToBackground(msg)) return;
    if (msg.type === 'panel-hello') {
      tabId = msg.tabId;
      panels.set(tabId, port);
      tellBridges(tabId, envelope({ type: 'panel-present' as const }));
      if (msg.captureWorkers ?? workers.defaultOn) void workers.start(tabId);
      else workers.idle(tabId);
      return;
    }
    if (tabId === undefined) return;
    if (msg.type === 'capture-workers') {
      if (msg.on) void workers.start(tabId);
      else workers.stop(tabId, true);
      return;
    }
    if (workers.isWorkerFrame(msg.frameId) && workers.deliver(tabId, msg.frameId, msg.message)) return;
    const bridge = bridges.get(tabId)?.get(msg.frameId);
    if (bridge) bridge.postMessage(msg.message);
    else
      port.postMessage(
        envelope({
          type: 'route-error' as const,
          frameId: msg.frameId,
          docId: msg.message.docId,
          reqId: 'reqId' in msg.message ? msg.message.reqId : undefined,
          error: workers.isWorkerFrame(msg.frameId)
            ? 'That worker has ended, or is no longer captured; nothing was sent.'
            : 'That frame is gone (it navigated or was removed); nothing was sent.',
        }),
      );
  });
  port.onDisconnect.addListener(() => {
    if (tabId === undefined || panels.get(tabId) !== port) return;
    panels.delete(tabId);
    tellBridges(tabId, envelope({ type: 'panel-gone' as const }));
    workers.stop(tabId);
  });
}

function onBridge(port: Runtime.Port): void {
  const tabId = port.sender?.tab?.id;
  const frameId = port.sender?.frameId ?? 0;
  if (tabId === undefined) return port.disconnect();
  let frames = bridges.get(tabId);
  if (!frames) bridges.set(tabId, (frames = new Map()));
  frames.set(frameId, port);
  let docId = '';
  port.onMessage.addListener((msg: unknown) => {
    if (workers.fromBridge?.(tabId, frameId, senderOrigin(port.sender), docId, msg)) return;
    if (!isPageToPanel(msg)) return;
    if (msg.type === 'hello') {
      docId = msg.doc.docId;
      // The document's origin is the browser's word, not the page's: traffic rules are kept per origin.
      msg.doc.origin = senderOrigin(port.sender);
      msg.doc.context = 'document';
    }
    toPanel(tabId, envelope({ type: 'from-frame' as const, frameId, message: msg }));
    if (msg.type === 'hello' && frameId === 0) workers.newTopDocument?.(tabId);
  });
  port.onDisconnect.addListener(() => {
    const current = bridges.get(tabId);
    // a navigation reuses the frameId: only forget the port if it is still the one on record
    if (current?.get(frameId) === port) current.delete(frameId);
    workers.bridgeGone?.(tabId, frameId, docId);
    if (docId) toPanel(tabId, envelope({ type: 'frame-gone' as const, frameId, docId }));
  });
}

/**
 * The origin of the frame a port came from, as the browser reports it: Chrome gives `sender.origin` (right for
 * about:blank and srcdoc frames too, which inherit their creator's); Firefox gives only `sender.url`.
 */
export function senderOrigin(sender: Runtime.MessageSender | undefined): string {
  const given = (sender as { origin?: string } | undefined)?.origin;
  if (given) return given;
  try {
    return new URL(sender?.url ?? '').origin;
  } catch {
    return 'null';
  }
}

browser.runtime.onConnect.addListener((port) => {
  if (port.name === PORT_PANEL) onPanel(port);
  else if (port.name === PORT_BRIDGE) onBridge(port);
});

// A bridge starting up asks whether anyone is listening to its tab; the answer is the only thing it acts on.
browser.runtime.onMessage.addListener((msg: unknown, sender: Runtime.MessageSender) => {
  if (!isLensMessage(msg) || msg.type !== 'bridge-hello' || sender.tab?.id === undefined) return undefined;
  const reply: BridgeHelloReply = { panel: panels.has(sender.tab.id) };
  const channels = workers.channelsOf?.(senderOrigin(sender));
  if (!channels) return Promise.resolve(reply);
  return channels.then(({ shared, service }) => {
    if (shared.length) reply.shared = shared;
    if (service.length) reply.service = service;
    return reply;
  }, () => reply);
});

browser.tabs.onRemoved.addListener((tabId) => {
  bridges.delete(tabId);
});
