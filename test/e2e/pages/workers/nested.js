// A worker that starts a worker: the child's reports come back through this one.
const child = new Worker('child.js');
child.onmessage = (e) => postMessage(e.data);
onmessage = (e) => child.postMessage(e.data);
