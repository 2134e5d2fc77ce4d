// Chromium probe: worker kinds + chrome.debugger auto-attach injection + devtools.network HAR.
// env: MODE=none|debugger  DEVTOOLS=1 (auto-open DevTools on the tab)  RELOAD=1 (load the workers page twice)
import puppeteer from 'puppeteer-core';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { startServer } from './server.mjs';
import { workersPage } from './pages.mjs';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MODE = process.env.MODE || 'debugger';
const srv = await startServer();
srv.pages.set('/blank.html', { type: 'text/html', body: '<!doctype html><title>blank</title>blank' });
srv.pages.set('/workers.html', { type: 'text/html', body: workersPage(srv.port, { kinds: process.env.KINDS ? process.env.KINDS.split(',') : undefined }) });
const ext = path.resolve('ext-chrome');
const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'reach-chr-'));
const browser = await puppeteer.launch({ dumpio: !!process.env.DUMPIO, executablePath: '/usr/bin/chromium', headless: true, devtools: !!process.env.DEVTOOLS, userDataDir: udd,
  ignoreDefaultArgs: ['--disable-extensions'],
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--window-size=1280,900', `--disable-extensions-except=${ext}`, `--load-extension=${ext}`] });
try {
  console.log('version', await browser.version());
  const swT = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'));
  const bg = await swT.worker();
  const page = (await browser.pages()).find((p) => !p.url().startsWith('devtools://'));
  page.on('error', (e) => console.log('PAGE ERROR EVENT', String(e)));
  await page.goto(srv.origin + '/blank.html');
  let f;
  if (process.env.DEVTOOLS) {
    for (let i = 0; i < 100 && !f; i++) {
      const dtT = browser.targets().find((t) => t.url().startsWith('devtools://devtools/bundled/devtools_app.html'));
      const dt = dtT && (await dtT.asPage());
      f = dt && dt.frames().find((x) => x.url().endsWith('/devtools.html'));
      if (!f) await sleep(100);
    }
    await f.waitForFunction(() => window.__getHAR);
    console.log('devtools page ready');
  }
  const h0 = await page.evaluate(() => [innerWidth, innerHeight, outerHeight]);
  if (process.env.OPTS) await bg.evaluate((o) => { Object.assign(globalThis.opts, JSON.parse(o)); }, process.env.OPTS);
  if (MODE === 'debugger') console.log('attach:', await bg.evaluate((u) => globalThis.attach(u), srv.origin + '/*'));
  await sleep(300);
  console.log('viewport before/after attach', JSON.stringify(h0), JSON.stringify(await page.evaluate(() => [innerWidth, innerHeight, outerHeight])));
  for (let round = 1; round <= (process.env.RELOAD ? 2 : 1); round++) {
    await page.goto(srv.origin + '/workers.html');
    const want = process.env.KINDS ? process.env.KINDS.split(',').length + (process.env.KINDS.includes('nested') ? 1 : 0) : 14;
    for (let i = 0; i < 60; i++) { if ((await page.evaluate(() => window.__r.length)) >= want) break; await sleep(100); }
    await sleep(500);
    const r = await page.evaluate(() => window.__r);
    console.log(`--- round ${round}: ${r.length} reports`);
    for (const x of r.sort((a, b) => String(a.who).localeCompare(b.who))) console.log(JSON.stringify(x, (k, v) => typeof v === 'string' && v.length > 110 ? v.slice(0, 60) + '…' + v.slice(-40) : v));
  }
  if (process.env.SWWAKE) {
    srv.pages.set('/wake.html', { type: 'text/html', body: `<script>window.__r = []; navigator.serviceWorker.onmessage = (e) => window.__r.push(e.data);
      navigator.serviceWorker.getRegistration('/w/').then((r) => { window.__state = r && r.active && r.active.state; r.active.postMessage('wake'); });</script>` });
    await page.goto(srv.origin + '/blank.html');
    const t0 = Date.now();
    await sleep(Number(process.env.SWWAKE));
    console.log('--- bg events so far'); for (const e of await bg.evaluate(() => globalThis.events.splice(0))) console.log(JSON.stringify(e).slice(0, 200));
    await page.goto(srv.origin + '/wake.html');
    await sleep(1500);
    console.log(`--- after ${(Date.now() - t0) / 1000}s idle, woken SW reports:`, JSON.stringify(await page.evaluate(() => window.__r)).slice(0, 300));
  }
  console.log('--- bg events');
  for (const e of await bg.evaluate(() => globalThis.events)) console.log(JSON.stringify(e));
  console.log('--- debugger.getTargets', JSON.stringify(await bg.evaluate(() => globalThis.targets()), null, 0));
  if (process.env.DEVTOOLS) {
    console.log('--- devtools.network onRequestFinished (before closing sockets)', JSON.stringify(await f.evaluate(() => window.__finished)));
    console.log('--- devtools.network getHAR (sockets still open)', JSON.stringify(await f.evaluate(() => window.__getHAR())));
    await page.goto(srv.origin + '/blank.html'); await sleep(800);
    console.log('--- onRequestFinished after navigating away', JSON.stringify(await f.evaluate(() => window.__finished)), 'all finished:', JSON.stringify(await f.evaluate(() => window.__all)));
  }
  if (process.env.SRVLOG) console.log('--- server', JSON.stringify(srv.logs.filter((l) => l.srv || l.ws)));
} catch (e) { console.log('FAIL', String(e).slice(0, 200)); process.exitCode = 1; try { console.log('browser still alive:', await browser.version(), (await browser.targets()).map((t) => t.type() + ' ' + t.url().slice(0, 50)).join(', ')); const bgT = (await browser.targets()).find((t) => t.type() === 'service_worker'); const w = await bgT.worker(); for (const e of await w.evaluate(() => globalThis.events)) console.log(JSON.stringify(e)); } catch (e2) { console.log('browser gone', String(e2).slice(0, 100)); } }
finally { await browser.close(); await srv.close(); fs.rmSync(udd, { recursive: true, force: true }); }
