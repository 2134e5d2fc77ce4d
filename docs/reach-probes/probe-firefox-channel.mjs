// Firefox probe: a channel back from a filtered worker to the extension (docs/reach-findings.md, "Firefox: a channel
// back from a worker"). Generates its own extension: a filterResponseData hook for worker scripts (Sec-Fetch-Dest)
// that opens a BroadcastChannel with a name baked in by the background, an ISOLATED content script listening on the
// same name, and (CFG.port) a MAIN-world Worker wrapper that hands each dedicated worker a MessagePort in a first
// message the worker's hook swallows. Everything measured is POSTed to the server's /log and printed.
// env: CFG='{"port":true,"xray":true,"late":500}'  CACHE=1 (worker scripts max-age=3600)  KINDS=classic,mod,nested,shared,sw
//      BFCACHE=1 (navigate away and back, report pageshow.persisted)  DEBUG=1
import { spawn } from 'node:child_process';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { startServer, workerBody } from './server.mjs';
import { connectMarionette } from './marionette.mjs';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CFG = JSON.parse(process.env.CFG || '{}');
const NAME = 'wsl-probe-' + Math.random().toString(36).slice(2);
const SECRET = 'sec-' + Math.random().toString(36).slice(2);
const srv = await startServer();
srv.opts.cacheable = !!process.env.CACHE;
const kinds = (process.env.KINDS || 'classic,mod,nested,shared,sw,msg,msgmod').split(',');

// a worker that counts the message events its own code sees (onmessage + addEventListener) and reports them later
const msgBody = (who) => `const seen = [];
self.addEventListener('message', (e) => seen.push({ via: 'listener', data: typeof e.data === 'string' ? e.data : JSON.stringify(e.data), ports: e.ports.length, trusted: e.isTrusted }));
self.onmessage = (e) => seen.push({ via: 'onmessage', data: typeof e.data === 'string' ? e.data : JSON.stringify(e.data) });
setTimeout(() => postMessage({ who: ${JSON.stringify(who)}, seen, portHook: self.__wslPortInfo || null }), 800);`;
const cacheHdr = process.env.CACHE ? { 'cache-control': 'max-age=3600' } : {};
srv.pages.set('/w/msg.js', { type: 'text/javascript', headers: cacheHdr, body: msgBody('msg') });
srv.pages.set('/w/msgmod.mjs', { type: 'text/javascript', headers: cacheHdr, body: msgBody('msgmod') });
// a worker that fetches its own script: does it get the filtered body?
srv.pages.set('/w/selffetch.js', { type: 'text/javascript', headers: cacheHdr, body: `Promise.all([fetch(self.location.href).then((r) => r.text()), fetch(self.location.href, { cache: 'force-cache' }).then((r) => r.text())]).then(([a, b]) => postMessage({ who: 'selffetch', hookInDefault: a.startsWith('(() =>'), hookInForceCache: b.startsWith('(() =>'), len: a.length }));` });
srv.pages.set('/frame.html', { type: 'text/html', body: `<!doctype html><script>const w = new Worker('/w/classic.js'); w.onmessage = (e) => parent.postMessage({ ...e.data, who: 'iframe-' + e.data.who }, '*');</script>` });
srv.pages.set('/other.html', { type: 'text/html', body: '<!doctype html><p>other</p>' });
srv.pages.set('/chan.html', { type: 'text/html', body: `<!doctype html><html><head><meta charset="utf-8"><title>chan</title><script>
window.__r = []; const add = (x) => window.__r.push(x);
window.__pageshow = []; addEventListener('pageshow', (e) => window.__pageshow.push(e.persisted));
const K = ${JSON.stringify(kinds)};
function ded(url, opts, label) {
  if (!K.includes(label)) return;
  try { const w = new Worker(url, opts); w.onmessage = (e) => add(e.data); w.onerror = (e) => add({ who: label, error: 'onerror ' + (e.message || '') }); if (label.startsWith('msg')) w.postMessage('page-first'); return w; }
  catch (e) { add({ who: label, error: 'throw ' + e }); }
}
ded('/w/classic.js', undefined, 'classic');
ded('/w/mod.mjs', { type: 'module' }, 'mod');
ded('/w/nested.js', undefined, 'nested');
ded('/w/msg.js', undefined, 'msg');
ded('/w/msgmod.mjs', { type: 'module' }, 'msgmod');
ded('/w/selffetch.js', undefined, 'selffetch');
if (K.includes('iframe')) { const f = document.createElement('iframe'); f.src = 'http://localhost:' + location.port + '/frame.html'; document.documentElement.appendChild(f); addEventListener('message', (e) => e.data && e.data.who && add(e.data)); }
if (K.includes('shared')) { const s = new SharedWorker('/w/shared.js'); s.port.onmessage = (e) => add(e.data); s.port.start(); }
if (K.includes('sw')) { navigator.serviceWorker.onmessage = (e) => add(e.data); navigator.serviceWorker.register('/w/sw.js').catch((e) => add({ who: 'sw', error: 'register ' + e })); }
// the page reads the worker script itself: filtered or not?
for (const [u, o] of [['/w/classic.js', {}], ['/w/classic.js', { cache: 'force-cache' }], ['/w/mod.mjs', { cache: 'force-cache' }]])
  setTimeout(() => fetch(u, o).then((r) => r.text()).then((t) => add({ who: 'pagefetch ' + u + ' ' + JSON.stringify(o), hookInBody: t.startsWith('(() =>'), len: t.length })), 1200);
setTimeout(() => add({ who: 'page-resources', names: performance.getEntriesByType('resource').map((x) => x.name.replace(location.origin, '')).join(' ') }), 1500);
</script></head><body>chan</body></html>` });

// ---- the extension
const ext = fs.mkdtempSync(path.join(os.tmpdir(), 'chan-ext-'));
const LOG = srv.origin + '/log';
const HOOK = `(() => { const N = ${JSON.stringify(NAME)}; const loc = String(self.location.href); const log = (o) => fetch(${JSON.stringify(LOG)}, { method: 'POST', body: JSON.stringify(o) }).catch(() => {});
  self.__wsl = ['filter'];
  try { const bc = new BroadcastChannel(N); let acked = false;
    const hi = () => bc.postMessage({ kind: 'open', from: loc, scope: self.constructor.name });
    bc.onmessage = (e) => { if (e.data && e.data.kind === 'ping' && !acked) hi(); if (e.data && e.data.kind === 'ack' && e.data.to === loc && !acked) { acked = true; log({ workerGotAck: loc, data: e.data }); } };
    hi();
  } catch (e) { log({ workerBcError: loc, error: String(e) }); }
  ${CFG.port ? `self.addEventListener('message', (e) => { const d = e.data; if (!e.isTrusted || !d || d.wslSecret !== ${JSON.stringify(SECRET)}) return; e.stopImmediatePropagation(); const p = e.ports[0]; self.__wslPortInfo = { got: true, ports: e.ports.length }; p.onmessage = (m) => log({ workerPortGot: loc, data: m.data }); p.postMessage({ kind: 'port-hello', from: loc }); });` : ''}
})();`;
const bg = `const LOG = ${JSON.stringify(LOG)}; const HOOK = ${JSON.stringify(HOOK)};
const log = (o) => fetch(LOG, { method: 'POST', body: JSON.stringify(o) }).catch(() => {});
browser.runtime.onMessage.addListener((m, sender) => { log({ ...m, senderTab: sender.tab && sender.tab.id, senderFrame: sender.frameId }); });
browser.webRequest.onBeforeSendHeaders.addListener((d) => {
  const u = new URL(d.url); if (u.pathname === '/log') return;
  const dest = (d.requestHeaders.find((h) => h.name.toLowerCase() === 'sec-fetch-dest') || {}).value;
  if (!/^(worker|sharedworker|serviceworker)$/.test(dest)) { if (u.pathname.startsWith('/w/')) log({ wr: u.pathname, dest, tabId: d.tabId, frameId: d.frameId }); return; }
  log({ wr: u.pathname, dest, tabId: d.tabId, frameId: d.frameId, parentFrameId: d.parentFrameId, documentUrl: d.documentUrl, originUrl: d.originUrl });
  const f = browser.webRequest.filterResponseData(d.requestId);
  f.onstart = () => f.write(new TextEncoder().encode(HOOK));
  f.ondata = (e) => f.write(e.data); f.onstop = () => f.close(); f.onerror = () => log({ filterError: u.pathname, error: f.error });
}, { urls: ['http://127.0.0.1/*', 'http://localhost/*'] }, ['blocking', 'requestHeaders']);
browser.webRequest.onCompleted.addListener((d) => { const p = new URL(d.url).pathname; if (p.startsWith('/w/')) log({ done: p, fromCache: d.fromCache }); }, { urls: ['http://127.0.0.1/*'] });`;
const cs = `const N = ${JSON.stringify(NAME)}; const tell = (o) => browser.runtime.sendMessage(o).catch(() => {});
const start = () => {
  let bc;
  try { bc = ${CFG.xray ? 'new window.wrappedJSObject.BroadcastChannel(N)' : 'new BroadcastChannel(N)'}; } catch (e) { tell({ csBcError: String(e) }); return; }
  tell({ csBc: 'created', proto: Object.prototype.toString.call(bc), frame: location.href });
  bc.onmessage = (e) => { const d = e.data; tell({ csGot: d && d.kind, from: d && d.from, scope: d && d.scope }); if (d && d.kind === 'open') bc.postMessage({ kind: 'ack', to: d.from }); };
  bc.postMessage({ kind: 'ping' });
};
${CFG.nocs ? '' : CFG.late ? `setTimeout(start, ${CFG.late});` : 'start();'}`;
const main = `(() => { const NW = window.Worker; const SECRET = ${JSON.stringify(SECRET)};
  window.Worker = function Worker(url, opts) { const w = new NW(url, opts); try { const ch = new MessageChannel(); ch.port1.onmessage = (m) => fetch(${JSON.stringify(LOG)}, { method: 'POST', body: JSON.stringify({ mainPortGot: m.data }) }); NW.prototype.postMessage.call(w, { wslSecret: SECRET }, [ch.port2]); } catch (e) {} return w; };
  window.Worker.prototype = NW.prototype; })();`;
const manifest = { manifest_version: 3, name: 'Channel probe', version: '0.0.1',
  permissions: ['webRequest', 'webRequestBlocking', 'webRequestFilterResponse', 'webRequestFilterResponse.serviceWorkerScript'],
  host_permissions: ['<all_urls>'], background: { scripts: ['bg.js'] },
  content_scripts: [{ matches: ['<all_urls>'], js: ['cs.js'], run_at: 'document_start', all_frames: true },
    ...(CFG.port ? [{ matches: ['<all_urls>'], js: ['main.js'], run_at: 'document_start', all_frames: true, world: 'MAIN' }] : [])],
  browser_specific_settings: { gecko: { id: 'chan-probe@example.org', strict_min_version: '140.0' } } };
fs.writeFileSync(path.join(ext, 'manifest.json'), JSON.stringify(manifest));
fs.writeFileSync(path.join(ext, 'bg.js'), bg); fs.writeFileSync(path.join(ext, 'cs.js'), cs); fs.writeFileSync(path.join(ext, 'main.js'), main);

const prof = fs.mkdtempSync(path.join(os.tmpdir(), 'chan-ff-'));
const MPORT = 28000 + Math.floor(Math.random() * 1000);
fs.writeFileSync(path.join(prof, 'user.js'), [['marionette.port', MPORT], ['browser.shell.checkDefaultBrowser', false], ['datareporting.policy.dataSubmissionEnabled', false],
  ['browser.startup.homepage_override.mstone', 'ignore'], ['toolkit.telemetry.reportingpolicy.firstRun', false], ['app.update.disabledForTesting', true], ['browser.aboutwelcome.enabled', false]]
  .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n'));
const ff = spawn('/usr/lib/firefox-esr/firefox-esr', ['--headless', '--marionette', '--no-remote', '--profile', prof, 'about:blank'], { stdio: ['ignore', 'pipe', 'pipe'] });
let ffOut = ''; ff.stdout.on('data', (d) => { ffOut += d; }); ff.stderr.on('data', (d) => { ffOut += d; });
const m = await connectMarionette(MPORT);
const short = (x) => JSON.stringify(x, (k, v) => typeof v === 'string' && v.length > 140 ? v.slice(0, 80) + '…' + v.slice(-50) : v);
const exec = async (script) => (await m.send('WebDriver:ExecuteScript', { script, args: [] })).value;
try {
  const sess = await m.send('WebDriver:NewSession', { capabilities: { alwaysMatch: { acceptInsecureCerts: true } } });
  console.log('firefox', sess.capabilities.browserVersion, 'cfg', JSON.stringify(CFG), 'kinds', kinds.join(','));
  await m.send('Addon:Install', { path: ext, temporary: true });
  await sleep(300);
  for (let round = 1; round <= (process.env.CACHE ? 2 : 1); round++) {
    srv.logs.length = 0;
    await m.send('WebDriver:Navigate', { url: srv.origin + '/chan.html' });
    await sleep(3000);
    console.log(`--- round ${round}: page reports`);
    for (const x of (await exec('return window.__r')) || []) console.log(short(x));
    console.log('--- log');
    for (const l of srv.logs.filter((l) => !l.srv && !l.ws)) console.log(short(l));
  }
  if (process.env.BFCACHE) {
    await m.send('WebDriver:Navigate', { url: srv.origin + '/other.html' });
    await sleep(500);
    await m.send('WebDriver:Back', {});
    await sleep(1000);
    console.log('--- bfcache: pageshow persisted list', JSON.stringify(await exec('return window.__pageshow')));
  }
} catch (e) { console.log('FAIL', e.message); process.exitCode = 1; }
finally { m.close(); ff.kill('SIGTERM'); await new Promise((r) => ff.once('exit', r)); await srv.close(); fs.rmSync(prof, { recursive: true, force: true }); fs.rmSync(ext, { recursive: true, force: true }); if (process.env.DEBUG) console.log(ffOut.slice(-4000)); }
