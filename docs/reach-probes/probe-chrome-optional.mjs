// Is "debugger" accepted as an MV3 optional permission in Chromium 156? (manifest, permissions.request with/without a gesture)
import puppeteer from 'puppeteer-core';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
const ext = path.resolve('ext-chrome-opt');
const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'reach-opt-'));
const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, userDataDir: udd, ignoreDefaultArgs: ['--disable-extensions'],
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', `--disable-extensions-except=${ext}`, `--load-extension=${ext}`] });
try {
  const swT = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'));
  const id = new URL(swT.url()).host;
  const bg = await swT.worker();
  console.log('bg check', JSON.stringify(await bg.evaluate(() => globalThis.check())));
  for (const perm of ['debugger', 'bookmarks']) {
    const p = await browser.newPage();
    p.goto(`chrome-extension://${id}/opt.html?p=${perm}`).catch(() => {});
    await p.waitForSelector('#b');
    await p.click('#b');
    await new Promise((r) => setTimeout(r, 1500));
    console.log(`request ${perm} after a real click:`, await p.evaluate(() => window.__res));
  }
} catch (e) { console.log('FAIL', e); } finally { await browser.close(); fs.rmSync(udd, { recursive: true, force: true }); }
