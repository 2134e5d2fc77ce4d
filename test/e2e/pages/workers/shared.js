// A SharedWorker: one socket for every page that connects, opened when a page asks; each port hears what it receives.
importScripts('socket.js');
const ports = [];
let ws;
onconnect = (e) => {
  const port = e.ports[0];
  ports.push(port);
  port.onmessage = (m) => {
    if (m.data === 'open') {
      if (!ws) ws = openEchoSocket('shared', (r) => ports.forEach((p) => p.postMessage(r)));
      else port.postMessage({ kind: 'shared', got: 'already-open' });
    } else if (ws) ws.send(m.data);
  };
};
