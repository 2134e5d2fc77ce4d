/**
 * WS Lens page hook. Runs in the page's MAIN world at document_start in every frame, as a self-contained classic
 * script (built by crxjs as a standalone IIFE: no loader, no `import()`), so it wraps `WebSocket` before the page's
 * first script. It must be invisible: no globals, no extra events on `window` after the one-time handshake,
 * native-identical constructor/prototype/statics/errors. See install.ts for how it is put together.
 */
import { install } from './install';
import type { HookGlobal } from './dom';

install(globalThis as HookGlobal);
