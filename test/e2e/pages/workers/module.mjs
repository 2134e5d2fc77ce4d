// A module worker with a static import: the import is evaluated before this module.
import { echoUrl } from './dep.mjs';
const ws = new WebSocket(echoUrl('module'));
ws.onopen = () => ws.send('hello-from-module');
ws.onmessage = (e) => postMessage({ kind: 'module', got: e.data });
ws.onclose = (e) => postMessage({ kind: 'module', closed: e.code, reason: e.reason });
onmessage = (e) => ws.send(e.data);
