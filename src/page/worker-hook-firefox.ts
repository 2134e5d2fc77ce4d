/**
 * WS Lens worker hook (Firefox): the same install() as a document's, in a dedicated worker's global, with a link
 * only the extension knows. Not a content script: it is written in front of each worker script's first line,
 * inside an arrow function that declares `wsLensWorker`, so the bundle adds nothing to the worker's global and the
 * worker's own code keeps its top-level scope, `this` and module semantics. Built by the `ws-lens:worker-hook`
 * plugin (vite.config.ts) as one IIFE on one line, `worker-hook-firefox.js`. Two writers:
 * - the background, for workers loaded from http(s) URLs (webRequest.filterResponseData, see
 *   src/background/workers-firefox.ts): the link is a BroadcastChannel whose name it baked in (link.ts, broadcastLink);
 * - the document hook, for workers the page builds from blob: and data: URLs (worker-wrap-firefox.ts): `port` is the
 *   key of the MessagePort it posts to the worker (link.ts, portLink), `href` the URL the page gave, which
 *   `self.location` then says (worker-location.ts).
 *
 * Every module of a module worker is filtered (its static imports are evaluated before it, so each must carry the
 * hook), and the first one evaluated installs it. Whether the hook is in already is asked with a secret of the
 * background's: `new WebSocket(realmKey)` (a URL of a scheme no WebSocket takes) builds an object where the native throws a SyntaxError. Only the first
 * module of a realm runs before the worker's own code; a later one may find a `WebSocket` the worker replaced and
 * then asks that (see docs/reach-findings.md for what a page can do with that).
 */
import { install } from './install';
import { broadcastLink, portLink } from './link';
import { maskToString } from './disguise';
import { disguiseLocation } from './worker-location';
import type { HookGlobal } from './dom';

declare const wsLensWorker: { channel: string; realm: string; port?: string; href?: string };

function installedHere(g: HookGlobal, realm: string): boolean {
  try {
    return typeof Reflect.construct(g.WebSocket, [realm]) === 'object';
  } catch {
    return false;
  }
}

const g = globalThis as HookGlobal;
const config = wsLensWorker;
if (typeof g.WebSocket === 'function' && !installedHere(g, config.realm)) {
  if (config.port !== undefined && config.href !== undefined) {
    // the link and the location's getters are taken before any of the worker's code runs
    const link = portLink(g, config.port, config.href);
    const mask = maskToString();
    install(g, link, { realmKey: config.realm, mask });
    disguiseLocation(g, config.href, mask);
  } else if (typeof g.BroadcastChannel === 'function') install(g, broadcastLink(g, config.channel), { realmKey: config.realm });
}
