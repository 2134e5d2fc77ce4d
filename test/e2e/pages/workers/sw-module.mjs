// A module service worker: its static import is evaluated before this module, and opens a socket as it is.
import { early } from './sw-module-dep.mjs';
let ws;
const tell = async (r) => {
  for (const c of await self.clients.matchAll({ includeUncontrolled: true, type: 'window' })) c.postMessage(r);
};
early.onmessage = (e) => tell({ kind: 'swmodule-dep', got: e.data });
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('message', (e) => {
  if (e.data !== 'open') return ws && ws.send(e.data);
  ws = new WebSocket(`ws://${self.location.host}/echo?from=swmodule`);
  ws.onopen = () => ws.send('hello-from-swmodule');
  ws.onmessage = (m) => tell({ kind: 'swmodule', got: m.data });
  // (its state, for a failing run's report)
  tell({ kind: 'swmodule-dep-state', got: early.readyState });
  if (early.readyState === WebSocket.OPEN) early.send('hello-from-swmodule-dep');
  else early.addEventListener('open', () => early.send('hello-from-swmodule-dep'));
});
