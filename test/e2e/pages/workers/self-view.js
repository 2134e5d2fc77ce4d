'use strict';
// Records, from inside a worker, what the worker's own code sees; the end-to-end test compares this record with and
// without the extension (test/e2e/workers.test.mjs). Line 1 is a directive: it must stay one (strict mode below).
const R = {};
R.strict = (function () { return this === undefined; })();
R.firstError = String(new Error('line 5').stack).split('\n')[0];
const tryIt = (fn) => { try { const v = fn(); return { value: typeof v === 'object' && v !== null ? Object.prototype.toString.call(v) : v }; } catch (e) { return { threw: e && e.name, message: String(e && e.message) }; } };
const desc = (o, k) => { const d = Object.getOwnPropertyDescriptor(o, k); return d && { writable: d.writable, enumerable: d.enumerable, configurable: d.configurable, hasGet: !!d.get, type: typeof d.value }; };
R.location = [self.location.href, String(self.location), self.location.pathname, self.origin];
R.globalNames = Object.getOwnPropertyNames(self).sort();
R.globalSymbols = Object.getOwnPropertySymbols(self).map(String);
R.protoNames = Object.getOwnPropertyNames(Object.getPrototypeOf(self)).sort();
R.typeof = typeof WebSocket;
R.name = WebSocket.name;
R.length = WebSocket.length;
R.toString = String(WebSocket);
R.sendToString = String(WebSocket.prototype.send);
R.toStringOfToString = String(Function.prototype.toString);
R.ownNames = Object.getOwnPropertyNames(WebSocket).sort();
R.wsProtoNames = Object.getOwnPropertyNames(WebSocket.prototype).sort();
R.globalDesc = desc(self, 'WebSocket');
R.callWithoutNew = tryIt(() => WebSocket('ws://' + self.location.host + '/echo'));
R.badUrl = tryIt(() => new WebSocket('not a url'));
R.lensKey = tryIt(() => typeof new WebSocket('wslens:0123456789abcdef0123456789abcdef'));
class Sub extends WebSocket {}
const sub = new Sub('ws://' + self.location.host + '/echo?from=self-view-sub');
R.subclass = [sub instanceof Sub, sub instanceof WebSocket, Object.getPrototypeOf(sub) === Sub.prototype];
R.sendConnecting = tryIt(() => sub.send('too early'));
sub.close();
// relative URLs resolve against the worker's own location
importScripts('self-view-dep.js');
R.importScripts = self.__dep;
R.topThis = typeof topLevelFunction === 'function' && self.topLevelFunction === topLevelFunction;
function topLevelFunction() {}
Promise.all([
  fetch('socket.js').then((r) => [r.status, r.url.replace(self.location.origin, '')]),
  new Promise((resolve) => {
    const ws = new WebSocket('ws://' + self.location.host + '/echo?from=self-view');
    ws.onopen = () => ws.send('hi');
    ws.onmessage = (e) => { resolve([e.data, ws.readyState, ws.protocol, ws.url.replace(self.location.host, 'HOST')]); ws.close(); };
    ws.onerror = () => resolve('error');
  }),
]).then(([fetched, echo]) => {
  R.fetch = fetched;
  R.echo = echo;
  R.resources = performance.getEntriesByType('resource').map((e) => e.name.replace(self.location.origin, '')).sort();
  postMessage(R);
});
