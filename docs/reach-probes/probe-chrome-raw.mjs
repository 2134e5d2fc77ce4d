// Chromium with no CDP client of ours: the extension's background drives (see ext-chrome/bg.js "auto" mode).
// env: OPTS='{"nested":true,"binding":true,"hook":true}'  (attach:false for a baseline), WAIT ms
import { spawn } from 'node:child_process';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { startServer } from './server.mjs';
import { workersPage, postReports } from './pages.mjs';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const srv = await startServer();
const WAIT = Number(process.env.WAIT || 5000);
if (process.env.CACHE) srv.opts.cacheable = true;
srv.pages.set('/oopif.html', { type: 'text/html', body: `<script>const w = new Worker('/w/oopif-worker.js'); w.onmessage = (e) => parent.postMessage(e.data, '*');</script>` });
srv.pages.set('/blank.html', { type: 'text/html', body: '<!doctype html><title>blank</title>blank' });
srv.pages.set('/workers.html', { type: 'text/html', body: workersPage(srv.port, { kinds: process.env.KINDS ? process.env.KINDS.split(',') : undefined }) + postReports(WAIT - 1500) });
if (process.env.EXTRA_PAGES) { const m = await import(path.resolve(process.env.EXTRA_PAGES)); m.register(srv); }
const ext = path.resolve('ext-chrome');
const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'reach-chr-'));
const opts = process.env.OPTS || '{}';
const args = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--user-data-dir=${udd}`, `--disable-extensions-except=${ext}`, `--load-extension=${ext}`, ...(process.env.DEVTOOLS ? ['--auto-open-devtools-for-tabs'] : []),
  `${srv.origin}/blank.html?auto=${encodeURIComponent(opts)}`];
const chr = spawn('/usr/bin/chromium', args, { stdio: ['ignore', 'pipe', 'pipe'] });
let err = ''; chr.stderr.on('data', (d) => { err += d; }); chr.stdout.on('data', (d) => { err += d; });
const short = (x) => JSON.stringify(x, (k, v) => typeof v === 'string' && v.length > 110 ? v.slice(0, 60) + '…' + v.slice(-40) : v);
const t0 = Date.now();
while (Date.now() - t0 < WAIT + 4000 && !srv.logs.some((l) => l.reports)) await sleep(200);
await sleep(300);
console.log('opts', opts);
if (process.env.SRVLOG) console.log('server:', short(srv.logs.filter((l) => l.srv || l.ws)));
for (const l of srv.logs) {
  if (l.bg) console.log('bg', short(l.bg));
  else if (l.reports) { console.log(`--- ${l.reports.length} reports`); for (const x of l.reports.sort((a, b) => String(a.who).localeCompare(b.who))) console.log(short(x)); }
}
if (!srv.logs.some((l) => l.reports)) console.log('NO REPORTS; server saw', short(srv.logs.filter((l) => l.srv).map((l) => l.srv)), 'chromium stderr tail:\n' + err.split('\n').filter((l) => !/dbus|cpufreq/.test(l)).slice(-15).join('\n'));
chr.kill('SIGTERM'); await new Promise((r) => chr.once('exit', r)); await srv.close(); await sleep(500); try { fs.rmSync(udd, { recursive: true, force: true }); } catch {}
