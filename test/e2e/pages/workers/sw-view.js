'use strict';
// A service worker that records what its own code sees (the e2e compares the record with and without the extension,
// test/e2e/workers.test.mjs), tells the page of its lifecycle events, and answers the page's own messages.
const R = {};
R.strict = (function () { return this === undefined; })();
R.firstError = String(new Error('line 5').stack).split('\n')[0];
importScripts('view-record.js');
viewRecord(R, 'sw-view');
R.scope = self.registration.scope;
// relative URLs resolve against the worker's own location (a service worker may import only while it is evaluated)
importScripts('self-view-dep.js');
R.importScripts = self.__dep;
R.topThis = typeof topLevelFunction === 'function' && self.topLevelFunction === topLevelFunction;
function topLevelFunction() {}

// the page's own BroadcastChannel: how many times this worker was installed and activated, load after load
const log = new BroadcastChannel('sw-view-log');
self.addEventListener('install', () => {
  log.postMessage('install');
  self.skipWaiting();
});
self.addEventListener('activate', (e) => {
  log.postMessage('activate');
  e.waitUntil(self.clients.claim());
});

// what the page posts: counted, each answered where it asked (its source, or the port it sent)
let seen = 0;
let ws;
const relative = () =>
  new Promise((resolve) => {
    // a relative URL: resolved against the worker's location (http: becomes ws:)
    const s = new WebSocket('/echo?from=sw-view');
    ws = s;
    s.onopen = () => s.send('hi');
    s.onmessage = (e) => {
      if (e.data === 'hi') resolve([e.data, s.readyState, s.protocol, s.url.replace(self.location.host, 'HOST')]);
      else log.postMessage('got:' + e.data);
    };
    s.onclose = (e) => log.postMessage(`closed:${e.code}:${e.reason}`);
    s.onerror = () => resolve('error');
  });
self.addEventListener('message', (e) => {
  seen++;
  const d = e.data;
  if (d && d.type === 'ping') return (e.ports[0] || e.source).postMessage({ pong: d.n, seen, ports: e.ports.length, origin: e.origin, sourceType: e.source && e.source.type });
  if (d === 'send' && ws) return ws.send('from-sw-view');
  if (d !== 'report') return;
  e.waitUntil(
    Promise.all([
      fetch('socket.js').then((r) => [r.status, r.url.replace(self.location.origin, '')]),
      relative(),
      // its own script as a fetch gets it: the text the server sent (the hook and its channel's name are not in it)
      fetch(self.location.href).then((r) => r.text()),
    ]).then(([fetched, echo, own]) => {
      R.fetch = fetched;
      R.ownText = own.slice(0, 80);
      R.echo = echo;
      R.resources = performance.getEntriesByType('resource').map((x) => x.name.replace(self.location.origin, '')).sort();
      e.source.postMessage({ report: R, seen });
    }),
  );
});
