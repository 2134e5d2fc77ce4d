// What a worker's code can see of its world, reported to the page: the same with and without WS Lens. Loaded as a
// classic and as a module worker (no importScripts, no import: both parse it), and as a blob: copy.
(async () => {
  const r = {};
  const q = (k, fn) => {
    try {
      r[k] = fn();
    } catch (e) {
      r[k] = `threw ${e.name}: ${e.message}`;
    }
  };
  // a blob: URL is new each run, a data: one is long: the page checks that the worker's location is the URL it gave
  q('href', () => self.location.href.replace(/^blob:.*$/, 'blob:(url)').replace(/^data:.*$/s, 'data:(url)'));
  q('rawHref', () => self.location.href);
  // (Chromium's pathname of a blob: worker holds the blob's UUID, new each run)
  q('locationParts', () => ['protocol', 'host', 'pathname', 'search', 'hash'].map((k) => self.location[k].replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, '(uuid)').slice(0, 40)).join('|'));
  q('locationString', () => String(self.location) === self.location.href);
  q('locationLook', () => [String(Object.getOwnPropertyDescriptor(WorkerLocation.prototype, 'href').get), Object.getOwnPropertyDescriptor(WorkerLocation.prototype, 'href').get.name, String(WorkerLocation.prototype.toString)]);
  q('origin', () => self.origin);
  q('isolated', () => self.crossOriginIsolated);
  q('globals', () => Object.getOwnPropertyNames(self).sort().join(','));
  q('globalSymbols', () => Object.getOwnPropertySymbols(self).map(String).join(','));
  q('scopeProto', () => Object.getOwnPropertyNames(Object.getPrototypeOf(self)).sort().join(','));
  q('wsLook', () => [String(WebSocket), String(WebSocket.prototype.send), String(Object.getOwnPropertyDescriptor(WebSocket.prototype, 'readyState').get), WebSocket.length, WebSocket.name]);
  q('wsProto', () => Object.getOwnPropertyNames(WebSocket.prototype).join(','));
  q('wsStatics', () => Object.getOwnPropertyNames(WebSocket).join(','));
  q('streamLook', () => (typeof WebSocketStream === 'function' ? String(WebSocketStream) : typeof WebSocketStream));
  q('badUrl', () => new WebSocket('nope:'));
  q('noNew', () => WebSocket('ws://x/'));
  q('badThis', () => WebSocket.prototype.send.call({}, 'x'));
  q('stackDepth', () => {
    try {
      new WebSocket('nope:');
    } catch (e) {
      return e.stack.split('\n').filter((l) => l.includes('conformance')).length;
    }
  });
  r.fetchRelative = await fetch('dep.mjs').then((res) => res.status, (e) => `failed ${e.name}`);
  r.echo = await new Promise((resolve) => {
    let ws;
    try {
      ws = new WebSocket(`ws://${self.location.host || '127.0.0.1'}/echo?from=conformance-${self.name}`);
    } catch (e) {
      return resolve(`threw ${e.name}`);
    }
    ws.onopen = () => ws.send('conformance');
    ws.onmessage = (e) => {
      resolve(`${e.data} ${ws.readyState} ${ws.protocol === ''}`);
      ws.close();
    };
    ws.onerror = () => resolve('error');
  });
  postMessage({ kind: self.name, report: r });
})();
