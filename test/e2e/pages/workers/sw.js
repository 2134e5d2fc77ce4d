// A service worker that opens a socket when a page asks, and tells every client what it receives.
importScripts('socket.js');
let ws;
const tell = async (r) => {
  for (const c of await self.clients.matchAll({ includeUncontrolled: true, type: 'window' })) c.postMessage(r);
};
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('message', (e) => {
  if (e.data === 'open') ws = openEchoSocket('sw', tell);
  else if (ws) ws.send(e.data);
});
