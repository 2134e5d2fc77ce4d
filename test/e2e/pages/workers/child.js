importScripts('socket.js');
const ws = openEchoSocket('nested', (r) => postMessage(r));
onmessage = (e) => ws.send(e.data);
