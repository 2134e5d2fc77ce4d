// Records what chrome.devtools.network says about WebSockets: onRequestFinished (live) and getHAR (polled).
window.__finished = [];
window.__har = null;
const t0 = Date.now();
chrome.devtools.network.onRequestFinished.addListener((entry) => {
  if (/^wss?:/.test(entry.request.url) || entry._resourceType === 'websocket')
    window.__finished.push({ t: Date.now() - t0, url: entry.request.url, type: entry._resourceType, msgs: (entry._webSocketMessages || []).length, status: entry.response.status });
});
window.__all = []; chrome.devtools.network.onRequestFinished.addListener((e) => window.__all.push(e.request.url.slice(-30) + ' ' + e._resourceType));
window.__getHAR = () => new Promise((res) => chrome.devtools.network.getHAR((har) => res({ total: har.entries.length, urls: har.entries.map((e) => e.request.url.slice(-25) + ' ' + e._resourceType), ws: har.entries.filter((e) => /^wss?:/.test(e.request.url) || e._resourceType === 'websocket')
  .map((e) => ({ url: e.request.url, type: e._resourceType, msgs: (e._webSocketMessages || []).length, first: (e._webSocketMessages || [])[0], time: e.time })) })));
