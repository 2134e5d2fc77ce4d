/**
 * WS Lens worker hook (Firefox): the same install() as a document's, in a dedicated worker's global, with a link
 * over BroadcastChannels only the extension knows (link.ts, broadcastLink). Not a content script: the background
 * writes this bundle in front of each worker script's first line (webRequest.filterResponseData, see
 * src/background/workers-firefox.ts), inside an arrow function that declares `wsLensWorker`, so the bundle adds
 * nothing to the worker's global and the worker's own code keeps its top-level scope, `this` and module semantics.
 * Built by the `ws-lens:worker-hook` plugin (vite.config.ts) as one IIFE on one line, `worker-hook-firefox.js`.
 *
 * Every module of a module worker is filtered (its static imports are evaluated before it, so each must carry the
 * hook), and the first one evaluated installs it. Whether the hook is in already is asked with a secret of the
 * background's: `new WebSocket(realmKey)` (a URL of a scheme no WebSocket takes) builds an object where the native throws a SyntaxError. Only the first
 * module of a realm runs before the worker's own code; a later one may find a `WebSocket` the worker replaced and
 * then asks that (see docs/reach-findings.md for what a page can do with that).
 */
import { install } from './install';
import { broadcastLink } from './link';
import type { HookGlobal } from './dom';

declare const wsLensWorker: { channel: string; realm: string };

function installedHere(g: HookGlobal, realm: string): boolean {
  try {
    return typeof Reflect.construct(g.WebSocket, [realm]) === 'object';
  } catch {
    return false;
  }
}

const g = globalThis as HookGlobal;
if (typeof g.WebSocket === 'function' && typeof g.BroadcastChannel === 'function' && !installedHere(g, wsLensWorker.realm))
  install(g, broadcastLink(g, wsLensWorker.channel), { realmKey: wsLensWorker.realm });
