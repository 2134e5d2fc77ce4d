/**
 * The hook, installed in one global: it wraps the global's sockets (adapters/), records what they do (recorder.ts),
 * applies traffic rules (control.ts) and answers the panel's commands (commands.ts), over a link to the content
 * bridge (link.ts). A function of the global it wraps, so a unit test can install it in a DOM of its own and a
 * worker's global can get it too.
 */
import { natives as N, clean } from './natives';
import { captureDom, type HookGlobal } from './dom';
import { createRecorder, type Post } from './recorder';
import { createControl } from './control';
import { createCommands } from './commands';
import { maskToString } from './disguise';
import { SocketTable } from './socket';
import { hookWebSocket } from './adapters/websocket';
import { hookWebSocketStream } from './adapters/websocketstream';
import { windowLink, type Link } from './link';

export interface InstallOptions {
  /** Firefox workers: see AdapterContext.realmKey */
  realmKey?: string;
  /** the toString disguise to use, when the caller wraps more of the global with it (worker-hook-firefox.ts) */
  mask?: ReturnType<typeof maskToString>;
  /** more wrappers of the global, given the disguise and the link (Firefox: worker-wrap-firefox.ts) */
  extend?: (mask: ReturnType<typeof maskToString>, post: (msg: unknown, transfer: Transferable[]) => void) => void;
}

export function install(g: HookGlobal, link?: Link, options?: InstallOptions): void {
  const dom = captureDom(g);
  const docId = N.String(N.timeOrigin) + '-' + N.stringSlice(N.String(N.mathRandom()), 2, 10);
  const sockets = new SocketTable();
  // the recorder posts only once a panel subscribed, which is after the link is open
  let toPanel: Post = () => {};
  const recorder = createRecorder(docId, sockets, dom, (msg) => toPanel(msg));
  const control = createControl({
    record: recorder.record,
    socket: (sid) => sockets.get(sid),
    each: (fn) => sockets.each(fn),
    send: (socket, data) => {
      socket.send(data);
      recorder.watchSent(socket);
    },
    now: N.perfNow,
    wall: () => N.timeOrigin + N.perfNow(),
  });

  const adapterContext = { dom, sockets, recorder, control, mask: options?.mask ?? maskToString(), realmKey: options?.realmKey };
  hookWebSocket(g, adapterContext);
  try {
    hookWebSocketStream(g, adapterContext);
  } catch (err) {
    // a WebSocketStream of another shape (an older Chromium's experimental one): WebSocket is still captured
    recorder.fault(err);
  }

  // The page is going away (reload, navigation): frames a rule holds go on as they were while the socket can still
  // carry them. Firefox closes a document's sockets before `pagehide` (readyState is CLOSED there, checked), so held
  // frames are let go at `beforeunload`, which is only listened to once rules were used on this page (a listener
  // there can cost a page its back/forward cache in some engines).
  const guarded = (fn: () => void) => () => {
    try {
      fn();
    } catch (err) {
      recorder.fault(err);
    }
  };
  dom.addEventListener(g, 'pagehide', guarded(() => control.stop()), true);
  let unloadHooked = false;
  function rulesUsed(): void {
    if (unloadHooked || !control.used) return;
    unloadHooked = true;
    dom.addEventListener(g, 'beforeunload', guarded(() => control.releaseAll()), true);
  }

  const onCommand = createCommands({ docId, post: (msg) => toPanel(msg), sockets, recorder, control, rulesUsed });
  toPanel = (link ?? windowLink(g, dom))(docId, (data) => onCommand(clean(data)), recorder.fault);
  options?.extend?.(adapterContext.mask, (msg, transfer) => (toPanel as (m: unknown, t: Transferable[]) => void)(msg, transfer));
}
