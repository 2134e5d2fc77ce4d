/**
 * WS Lens page hook. Runs in the page's MAIN world at document_start in every frame, as a self-contained classic
 * script (built by crxjs as a standalone IIFE: no loader, no `import()`), so it wraps `WebSocket` before the page's
 * first script. It must be invisible: no globals, no extra events on `window` after the one-time handshake,
 * native-identical constructor/prototype/statics/errors. See install.ts for how it is put together.
 * Firefox's build carries the worker hook's bundle too (empty in Chromium's, whose debugger reaches every dedicated
 * worker): the page's blob: and data: workers get it from here (worker-wrap-firefox.ts).
 */
import { install } from './install';
import { wrapWorkers } from './worker-wrap-firefox';
import { envelope } from '../shared/protocol';
import type { HookGlobal } from './dom';

const g = globalThis as HookGlobal;
const workerHookCode = typeof __WS_LENS_WORKER_HOOK__ === 'string' ? __WS_LENS_WORKER_HOOK__ : '';
install(g, undefined, {
  extend: workerHookCode
    ? (mask, post) => wrapWorkers(g, { mask, code: workerHookCode, handOver: (port) => post(envelope({ type: 'worker-port' as const }), [port]) })
    : undefined,
});
