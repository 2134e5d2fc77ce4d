// A module worker's view: its static import ran first, with the same location and WebSocket as without the extension.
import { dep } from './self-view-dep.mjs';
const R = { dep, url: import.meta.url, strict: (function () { return this === undefined; })() };
R.location = self.location.href;
R.globalNames = Object.getOwnPropertyNames(self).sort();
R.toString = String(WebSocket);
R.sendToString = String(WebSocket.prototype.send);
R.firstError = String(new Error().stack).split('\n')[0];
postMessage(R);
