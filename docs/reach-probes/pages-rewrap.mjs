// /rewrap.html?mode=none|worker&csp=...&tt=1 : a page whose first script stands in for the MAIN-world hook and re-wraps
// blob:/data: workers with the hook prepended (NoScript's way: sync XHR of the URL, a new URL of the same scheme).
import { workerBody } from './server.mjs';
const WRAP = String(function install(mode, useTT) {
  const HOOK = "self.__wsl=['rewrap'];(()=>{const N=self.WebSocket;const W=function WebSocket(...a){self.__wslCount=(self.__wslCount||0)+1;return Reflect.construct(N,a,new.target||W)};W.prototype=N.prototype;self.WebSocket=W})();";
  const NW = window.Worker, createObjectURL = URL.createObjectURL;
  window.__wrapLog = [];
  let policy = null;
  if (useTT && window.trustedTypes) {
    try { policy = trustedTypes.createPolicy('wslens', { createScriptURL: (s) => s }); window.__wrapLog.push('own TT policy ok'); }
    catch (e) { window.__wrapLog.push('own TT policy: ' + e); }
  }
  if (mode !== 'worker') return;
  window.Worker = function Worker(url, opts) {
    const u = String(url);
    if (/^(blob|data):/.test(u)) {
      let src;
      try { const x = new XMLHttpRequest(); x.open('GET', u, false); x.send(); src = x.responseText; }
      catch (e) { window.__wrapLog.push('sync XHR of ' + u.slice(0, 12) + ' failed: ' + e.name); return new NW(url, opts); }
      const hooked = HOOK + src; // same line: line numbers kept, line 1 columns move
      let u2 = u.startsWith('data:') ? 'data:text/javascript,' + encodeURIComponent(hooked) : createObjectURL(new Blob([hooked], { type: 'text/javascript' }));
      if (policy) u2 = policy.createScriptURL(u2);
      try { const w = new NW(u2, opts); window.__wrapLog.push('rewrapped ' + u.slice(0, 12)); return w; }
      catch (e) { window.__wrapLog.push('new Worker(rewrapped) threw: ' + e.name + ' ' + String(e.message).slice(0, 90)); return new NW(url, opts); }
    }
    return new NW(url, opts);
  };
  window.Worker.prototype = NW.prototype;
});
export function register(srv) {
  const bodies = {};
  for (const n of ['blob-classic', 'data-classic', 'blob-module']) bodies[n] = workerBody(n, srv.port, `
    R.given = self.name; // the page passes the URL it created as the worker's name
    try { importScripts('dep.js'); R.relImport = 'ok'; } catch (e) { R.relImport = e.name; }
    try { R.relUrl = new URL('/w/dep.js', self.location.href).href; } catch (e) { R.relUrl = e.name; }
    fetch('/w/dep.js').then((r) => { R.relFetch = r.status; }, (e) => { R.relFetch = e.name; });`.replace(/importScripts\('dep.js'\)/, n === 'blob-module' ? "throw new TypeError('module')" : "importScripts('dep.js')"));
  srv.pages.set('/rewrap.html', { type: 'text/html', body: (u) => {
    const mode = u.searchParams.get('mode') || 'worker';
    const tt = u.searchParams.get('tt') === '1';
    return `<!doctype html><html><head><meta charset="utf-8"><script>(${WRAP})(${JSON.stringify(mode)}, ${tt});</script>
<script>
window.__r = []; window.__csp = []; const add = (x) => window.__r.push(x);
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + String(e.blockedURI).slice(0, 30)));
const BODIES = ${JSON.stringify(bodies)};
let pol = null; try { if (${tt} && window.trustedTypes) pol = trustedTypes.createPolicy('pagepolicy', { createScriptURL: (s) => s }); } catch (e) { add({ who: 'page', error: 'page policy ' + e }); }
const T = (s) => (pol ? pol.createScriptURL(s) : s);
function ded(url, opts, label) {
  try { const w = new Worker(T(url), { ...opts, name: url.slice(0, 60) }); w.onmessage = (e) => add(e.data); w.onerror = (e) => add({ who: label, error: 'onerror' }); }
  catch (e) { add({ who: label, error: 'throw ' + e.name + ' ' + String(e.message).slice(0, 80) }); }
}
ded(URL.createObjectURL(new Blob([BODIES['blob-classic']], { type: 'text/javascript' })), {}, 'blob-classic');
ded('data:text/javascript,' + encodeURIComponent(BODIES['data-classic']), {}, 'data-classic');
ded(URL.createObjectURL(new Blob([BODIES['blob-module']], { type: 'text/javascript' })), { type: 'module' }, 'blob-module');
setTimeout(() => { add({ who: 'zz-wrapLog', log: window.__wrapLog, csp: window.__csp }); fetch('/log', { method: 'POST', body: JSON.stringify({ reports: window.__r }) }).catch(() => {}); }, 2500);
</script></head><body>rewrap</body></html>`; } });
}
