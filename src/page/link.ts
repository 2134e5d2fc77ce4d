/**
 * The hook's link to the content bridge. In a window: one window.postMessage hands a private MessagePort to the
 * isolated-world bridge (which swallows that event in a capturing listener registered before any page script);
 * everything after goes over the port. A link is a function of the global, so a worker's global can get another.
 */
import { natives as N, getter, uncurry } from './natives';
import { jsonText } from './encode';
import { captureDom, type Dom, type HookGlobal } from './dom';
import type { Post } from './recorder';
import { HANDSHAKE_KEY, PROTOCOL_VERSION, SOURCE, workerChannel } from '../shared/protocol';

/**
 * Open the link for document `docId`: messages from the panel go to `receive` (what goes wrong there goes to `fault`,
 * never to the page); returns how to post to the panel.
 */
export type Link = (docId: string, receive: (data: unknown) => void, fault: (err: unknown) => void) => Post;

export function windowLink(g: typeof globalThis, dom: Dom): Link {
  const portPostMessage = uncurry(g.MessagePort.prototype.postMessage) as (p: MessagePort, msg: unknown, transfer: Transferable[]) => void;
  const portStart = uncurry(g.MessagePort.prototype.start);
  const windowPostMessage = uncurry(g.postMessage) as (w: unknown, msg: unknown, origin: string, transfer: Transferable[]) => void;
  const Channel = g.MessageChannel;
  return (docId, receive, fault) => {
    const channel = new Channel();
    const port = channel.port1;
    dom.addEventListener(port, 'message', (e: MessageEvent) => {
      try {
        receive(dom.messageEventData(e));
      } catch (err) {
        fault(err);
      }
    });
    portStart(port);
    windowPostMessage(g, { [HANDSHAKE_KEY]: true, source: SOURCE, v: PROTOCOL_VERSION, docId }, '*', [channel.port2]);
    // Firefox: a blob:/data: worker's port goes to the bridge this way too (worker-wrap-firefox.ts, handOver)
    return ((msg: unknown, transfer?: Transferable[]) => portPostMessage(port, msg, transfer ?? [])) as Post;
  };
}

/**
 * A worker's link (Chromium): a CDP binding the background added to the worker's global before its first script
 * (`Runtime.addBinding`). The hook takes the binding's function and deletes it from the global, so the page never
 * sees it; calls still reach the background (measured, docs/reach-findings.md §3). The panel's messages come back as
 * JSON text through the function handed to `setReceiver`, which the background calls by its object id: nothing of
 * this channel is reachable from the page's code.
 */
export function bindingLink(g: typeof globalThis, name: string, setReceiver: (fn: (json: string) => void) => void): Link {
  const binding = N.getOwnPropertyDescriptor(g, name)?.value as ((text: string) => void) | undefined;
  N.reflectDeleteProperty(g, name);
  return (docId, receive, fault) => {
    if (typeof binding !== 'function') {
      fault(new N.Error('the worker binding is missing'));
      return () => {};
    }
    const call = (text: string) => N.reflectApply(binding, undefined, [text]);
    setReceiver((json) => {
      try {
        receive(N.parse(json));
      } catch (err) {
        fault(err);
      }
    });
    call(jsonText({ source: SOURCE, v: PROTOCOL_VERSION, type: 'link-open', docId }));
    return (msg) => call(jsonText(msg));
  };
}

/**
 * A worker's link (Firefox): BroadcastChannels whose names only the extension knows. The background bakes the
 * frame's discovery channel name into the worker scripts it filters (webRequest.filterResponseData) and tells the
 * frame's content bridge; the page's own fetch of a worker script gets the unfiltered text, so the page never learns
 * the name (measured, docs/reach-findings.md, "Firefox: a channel back from a worker"). The hook says `link-open`
 * (its document id and the worker's URL, read before any of the worker's code ran) on the discovery channel, again
 * whenever the bridge pings it, and carries its traffic both ways on a channel of its own document. Nothing of this
 * is on the worker's global: the channels are held here.
 */
export function broadcastLink(g: typeof globalThis, name: string): Link {
  const BC = g.BroadcastChannel;
  const post = uncurry(BC.prototype.postMessage) as (bc: BroadcastChannel, msg: unknown) => void;
  const dom = captureDom(g as HookGlobal);
  // the worker's own URL, as the browser says it, before the worker's code could change anything
  const href = getter(N.getPrototypeOf(g.location) as object, 'href') as (l: unknown) => string;
  const url = href(g.location);
  return (docId, receive, fault) => {
    const discovery = new BC(name);
    const traffic = new BC(workerChannel(name, docId));
    const hello = () => post(discovery, { __proto__: null, source: SOURCE, v: PROTOCOL_VERSION, type: 'link-open', docId, url });
    dom.addEventListener(discovery, 'message', (e: MessageEvent) => {
      try {
        const d = dom.messageEventData(e) as { type?: unknown } | null;
        if (d && typeof d === 'object' && d.type === 'link-ping') hello();
      } catch (err) {
        fault(err);
      }
    });
    dom.addEventListener(traffic, 'message', (e: MessageEvent) => {
      try {
        receive(dom.messageEventData(e));
      } catch (err) {
        fault(err);
      }
    });
    hello();
    return (msg) => post(traffic, msg);
  };
}

/**
 * A worker's link (Firefox, a worker the page built from a blob: or data: URL): a MessagePort the document hook's
 * Worker wrapper posts to the worker right after constructing it, before the page can post anything
 * (worker-wrap-firefox.ts); its other end is the frame's content bridge. A data: worker's origin is opaque, so no
 * BroadcastChannel of the page's origin reaches it: the port does, for both. The hook listens on the worker's global
 * before any of the worker's code, and takes the first trusted message that is `key` with a port, stopping it there:
 * the worker's own listeners never see it (measured, docs/reach-findings.md §9 (b)). `url` is the URL the page gave
 * (the worker's own is the re-made one).
 */
export function portLink(g: typeof globalThis, key: string, url: string): Link {
  const dom = captureDom(g as HookGlobal);
  const portPost = uncurry(g.MessagePort.prototype.postMessage) as (p: MessagePort, msg: unknown) => void;
  const portStart = uncurry(g.MessagePort.prototype.start);
  const removeEventListener = uncurry(g.EventTarget.prototype.removeEventListener) as (t: EventTarget, type: string, fn: (e: never) => void) => void;
  const ports = getter(g.MessageEvent.prototype, 'ports') as (e: MessageEvent) => readonly MessagePort[];
  let port: MessagePort | undefined;
  let opened: ((p: MessagePort) => void) | undefined;
  const take = (e: MessageEvent) => {
    if (port) return;
    const p = ports(e)[0];
    // isTrusted is an own, unforgeable property of each event
    if (!p || e.isTrusted !== true || dom.messageEventData(e) !== key) return;
    dom.stopImmediatePropagation(e);
    removeEventListener(g, 'message', take);
    port = p;
    opened?.(p);
  };
  dom.addEventListener(g, 'message', take);
  return (docId, receive, fault) => {
    opened = (p) => {
      dom.addEventListener(p, 'message', (e: MessageEvent) => {
        try {
          receive(dom.messageEventData(e));
        } catch (err) {
          fault(err);
        }
      });
      portStart(p);
      portPost(p, { __proto__: null, source: SOURCE, v: PROTOCOL_VERSION, type: 'link-open', docId, url });
    };
    if (port) opened(port);
    // the recorder posts only once a panel subscribed, which comes over the port
    return (msg) => {
      if (port) portPost(port, msg);
    };
  };
}
