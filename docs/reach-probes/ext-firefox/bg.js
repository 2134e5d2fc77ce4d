// Firefox probe: log every request's webRequest type + Sec-Fetch-Dest; prepend a hook to worker scripts with filterResponseData.
const HOOK = `(() => { if (self.__wsl) { self.__wsl.push('again'); return; } self.__wsl = ['filter']; const N = self.WebSocket; const W = function WebSocket(...a) { self.__wslCount = (self.__wslCount || 0) + 1; return Reflect.construct(N, a, new.target || W); }; W.prototype = N.prototype; self.WebSocket = W; })();`;
const CHANNEL = `(() => { const f = self.fetch; f('/__wslens-' + Math.random().toString(36).slice(2), { method: 'POST', body: 'hello from ' + self.location.href }).catch((e) => { self.__wslChan = e.name; }); })();`;
const events = [];
let logUrl = null;
const log = (o) => { events.push(o); if (logUrl) fetch(logUrl, { method: 'POST', body: JSON.stringify(o) }).catch(() => {}); };
const cfg = Object.assign({ newline: false, filter: true }, self.CFG || {});
browser.webRequest.onBeforeSendHeaders.addListener((d) => {
  const u = new URL(d.url);
  if (u.pathname === '/log') return;
  if (!logUrl) logUrl = u.origin + '/log';
  if (u.pathname === '/cfg') return;
  const dest = (d.requestHeaders.find((h) => h.name.toLowerCase() === 'sec-fetch-dest') || {}).value;
  const ev = { wr: u.pathname, type: d.type, dest, tabId: d.tabId, frameId: d.frameId, fromDoc: (d.documentUrl || '').slice(0, 60), originUrl: (d.originUrl || '').slice(0, 60) };
  if (cfg.filter && /^(worker|sharedworker|serviceworker)$/.test(dest) && !(cfg.skip && u.pathname.includes(cfg.skip))) {
    try {
      const f = browser.webRequest.filterResponseData(d.requestId);
      let first = true;
      f.onstart = () => { f.write(new TextEncoder().encode(HOOK + (cfg.channel ? CHANNEL : '') + (cfg.newline ? '\n' : ''))); };
      f.ondata = (e) => { f.write(e.data); };
      f.onstop = () => { f.close(); };
      f.onerror = () => log({ filterError: u.pathname, error: f.error });
      ev.filtered = true;
    } catch (e) { ev.filterThrow = String(e); }
  }
  log(ev);
}, { urls: ['http://127.0.0.1/*'] }, cfg.nonblocking ? ['requestHeaders'] : ['blocking', 'requestHeaders']);
browser.webRequest.onCompleted.addListener((d) => { const p = new URL(d.url).pathname; if (p.startsWith('/w/')) log({ done: p, fromCache: d.fromCache, type: d.type }); }, { urls: ['http://127.0.0.1/*'] });

// the channel probe: a worker hook POSTs to a same-origin /__wslens-* URL; the background reads the body and cancels it
browser.webRequest.onBeforeRequest.addListener((d) => {
  const raw = d.requestBody && d.requestBody.raw && d.requestBody.raw[0] && d.requestBody.raw[0].bytes;
  log({ channel: new URL(d.url).pathname.slice(0, 12), tabId: d.tabId, body: raw ? new TextDecoder().decode(raw) : JSON.stringify(d.requestBody) });
  return { cancel: true };
}, { urls: ['http://127.0.0.1/__wslens-*'] }, ['blocking', 'requestBody']);
