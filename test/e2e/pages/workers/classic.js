// A classic dedicated worker: its socket opens at once (the hook must be in before this line).
importScripts('socket.js');
const ws = openEchoSocket('classic', (r) => postMessage(r));
onmessage = (e) => ws.send(e.data);
