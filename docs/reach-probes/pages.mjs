// Pages the probes load. workersPage: opens every worker kind; each reports { who, hooked, loc, origin, firstFrame, echo, wsCount }.
import { workerBody } from './server.mjs';

export function workersPage(port, { prelude = '', kinds } = {}) {
  const bodies = {};
  for (const n of ['blob-classic', 'data-classic', 'blob-module', 'blob-nested-parent']) bodies[n] = workerBody(n, port,
    n === 'blob-nested-parent' ? `try { const c = new Worker(URL.createObjectURL(new Blob([BODY_CHILD], { type: 'text/javascript' }))); c.onmessage = (e) => report(e.data); } catch (e) { R.nestedErr = String(e); }` : '');
  bodies['blob-nested-parent'] = `const BODY_CHILD = ${JSON.stringify(workerBody('blob-nested-child', port))};\n` + bodies['blob-nested-parent'];
  return `<!doctype html><html><head><meta charset="utf-8"><title>workers</title>
<script>${prelude}</script>
<script>
window.__r = []; const add = (x) => { x.tMs = Math.round(performance.now()); window.__r.push(x); };
window.addEventListener('message', (e) => { if (e.data && e.data.who) add(e.data); });
const BODIES = ${JSON.stringify(bodies)};
const KINDS = ${JSON.stringify(kinds || null)};
const want = (k) => !KINDS || KINDS.includes(k);
function ded(url, opts, label) {
  if (!want(label)) return;
  try { const w = new Worker(url, opts); w.onmessage = (e) => add(e.data); w.onerror = (e) => add({ who: label, error: 'onerror ' + (e.message || '') }); }
  catch (e) { add({ who: label, error: 'throw ' + e }); }
}
if (want('page')) { const c = new WebSocket('ws://' + location.host + '/echo?from=page-closed'); c.onopen = () => c.send('hi-page'); c.onmessage = (e) => { add({ who: 'page-closed', echo: e.data }); c.close(1000, 'done'); };
  const o = new WebSocket('ws://' + location.host + '/echo?from=page-open'); o.onopen = () => o.send('hi-page-open'); o.onmessage = (e) => add({ who: 'page-open', echo: e.data }); }
ded('/w/classic.js', undefined, 'classic');
ded('/w/mod.mjs', { type: 'module' }, 'mod');
ded('/w/nested.js', undefined, 'nested');
ded('/w/imp.js', undefined, 'imp');
ded(URL.createObjectURL(new Blob([BODIES['blob-classic']], { type: 'text/javascript' })), undefined, 'blob-classic');
ded('data:text/javascript,' + encodeURIComponent(BODIES['data-classic']), undefined, 'data-classic');
ded(URL.createObjectURL(new Blob([BODIES['blob-module']], { type: 'text/javascript' })), { type: 'module' }, 'blob-module');
ded(URL.createObjectURL(new Blob([BODIES['blob-nested-parent']], { type: 'text/javascript' })), undefined, 'blob-nested-parent');
if (want('shared')) try { const s = new SharedWorker('/w/shared.js'); s.port.onmessage = (e) => add(e.data); s.port.start(); s.onerror = (e) => add({ who: 'shared', error: 'onerror' }); } catch (e) { add({ who: 'shared', error: 'throw ' + e }); }
if (want('oopif')) { const f = document.createElement('iframe'); f.src = 'http://localhost:' + location.port + '/oopif.html'; document.documentElement.appendChild(f); }
if (want('sw')) { navigator.serviceWorker.onmessage = (e) => add(e.data); navigator.serviceWorker.register('/w/sw.js').catch((e) => add({ who: 'sw', error: 'register ' + e })); }
</script></head><body>workers</body></html>`;
}
// appended to a page: POST window.__r to /log after `ms`
export const postReports = (ms) => `<script>setTimeout(() => fetch('/log', { method: 'POST', body: JSON.stringify({ reports: window.__r }) }), ${ms});</script>`;
