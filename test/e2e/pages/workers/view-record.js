// What a worker's code sees of its global and of WebSocket, into R: shared by self-view.js (a dedicated worker) and
// sw-view.js (a service worker), each of which imports it (importScripts) and compares R with and without WS Lens.
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- a global for the scripts that importScripts this one
function viewRecord(R, name) {
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
  const sub = new Sub('ws://' + self.location.host + '/echo?from=' + name + '-sub');
  R.subclass = [sub instanceof Sub, sub instanceof WebSocket, Object.getPrototypeOf(sub) === Sub.prototype];
  R.sendConnecting = tryIt(() => sub.send('too early'));
  sub.close();
}
