// Chromium, no extension: WebSocketStream shape + backpressure per wrapping variant. env VARIANTS=native,transform,pull,tee
import puppeteer from 'puppeteer-core';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { startServer } from './server.mjs';
import { register } from './pages-wss.mjs';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const srv = await startServer(); register(srv);
const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'reach-wss-'));
const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, userDataDir: udd, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
try {
  const page = await browser.newPage();
  for (const v of (process.env.VARIANTS || 'native,transform,pull,tee').split(',')) {
    srv.conns.length = 0;
    await page.goto(srv.origin + '/wss.html?variant=' + v);
    await page.waitForFunction(() => window.__measure || window.__r.length, { timeout: 15000 });
    const c = srv.conns.find((x) => x.url.includes('wss=' + v) && x.burstTotal);
    const buffered = c ? c.ws.bufferedAmount : null;
    await page.waitForFunction(() => window.__r.length, { timeout: 20000 });
    const r = (await page.evaluate(() => window.__r))[0];
    console.log(v, 'server: burst', c && c.burstTotal, 'still unsent after 2 s stall', buffered, '=> taken by browser', c && c.burstTotal - buffered);
    console.log('  ', JSON.stringify(r));
  }
} catch (e) { console.log('FAIL', e); process.exitCode = 1; }
finally { await browser.close(); await srv.close(); fs.rmSync(udd, { recursive: true, force: true }); }
