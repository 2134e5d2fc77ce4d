/** the worker hook's bundle as text, in Firefox's build only ('' in Chromium's): vite.config.ts `define` */
declare const __WS_LENS_WORKER_HOOK__: string;
