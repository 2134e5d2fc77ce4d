// The one place where Chrome and Firefox differ: derive each browser's manifest from the root manifest.json.
import fs from 'node:fs';

export const GECKO_ID = 'ws-lens@ws-lens.dev';

export function readManifest(root = process.cwd()) {
  return JSON.parse(fs.readFileSync(`${root}/manifest.json`, 'utf8'));
}

/** @param {'chrome' | 'firefox'} browser */
export function manifestFor(browser, base = readManifest()) {
  const m = structuredClone(base);
  // Chromium reaches workers' sockets only through the debugger (src/background/workers.ts); it cannot be an
  // optional permission (measured: permissions.request rejects it), and Firefox has no such API
  if (browser === 'chrome') return { ...m, permissions: [...m.permissions, 'debugger'] };
  // Firefox MV3 runs the background as an event page: `scripts`, not `service_worker` (crxjs reads scripts[0]).
  const { service_worker, ...rest } = m.background;
  m.background = { ...rest, scripts: [service_worker] };
  // Firefox reaches workers' sockets by writing the hook in front of their scripts (src/background/workers-firefox.ts):
  // a blocking webRequest listener and filterResponseData, on every site's worker scripts; a service worker's script
  // is filtered only with the serviceWorkerScript permission (measured: without it, filter.onerror "Invalid request ID")
  m.permissions = [...m.permissions, 'webRequest', 'webRequestBlocking', 'webRequestFilterResponse', 'webRequestFilterResponse.serviceWorkerScript'];
  m.host_permissions = [...(m.host_permissions ?? []), '<all_urls>'];
  m.browser_specific_settings = {
    gecko: { id: GECKO_ID, strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } },
    gecko_android: { strict_min_version: '142.0' },
  };
  return m;
}
