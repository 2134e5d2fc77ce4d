// One socket to the echo server from whatever worker imports this (importScripts), reporting to `report`:
// every frame it receives, and its close. `kind` names the worker in the socket's URL and in each report.
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- a global for the scripts that importScripts this one
function openEchoSocket(kind, report) {
  const ws = new WebSocket(`ws://${self.location.host}/echo?from=${kind}`);
  ws.onopen = () => ws.send(`hello-from-${kind}`);
  ws.onmessage = (e) => report({ kind, got: e.data });
  ws.onclose = (e) => report({ kind, closed: e.code, reason: e.reason });
  return ws;
}
