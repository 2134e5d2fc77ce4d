/**
 * WS Lens worker hook (Chromium): the same install() as a document's, in a dedicated or service worker's global,
 * with a link over a CDP binding. Not a content script: the background evaluates this bundle in the worker while it
 * is paused before its first script (src/background/workers.ts), inside a function that declares `wsLensWorker`, so
 * the bundle adds nothing to the worker's global. Built by the `ws-lens:worker-hook` plugin (vite.config.ts) as one
 * IIFE, `worker-hook.js` in the extension.
 */
import { install } from './install';
import { bindingLink } from './link';
import type { HookGlobal } from './dom';

declare const wsLensWorker: { binding: string; receiver(fn: (json: string) => void): void };

install(globalThis as HookGlobal, bindingLink(globalThis, wsLensWorker.binding, wsLensWorker.receiver));
