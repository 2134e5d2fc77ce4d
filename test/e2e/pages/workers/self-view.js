'use strict';
// Records, from inside a worker, what the worker's own code sees; the end-to-end test compares this record with and
// without the extension (test/e2e/workers.test.mjs). Line 1 is a directive: it must stay one (strict mode below).
const R = {};
R.strict = (function () { return this === undefined; })();
R.firstError = String(new Error('line 5').stack).split('\n')[0];
importScripts('view-record.js');
viewRecord(R, 'self-view');
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
