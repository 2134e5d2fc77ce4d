// Firefox probe: worker kinds under a webRequest.filterResponseData hook (ext-firefox), via Marionette.
// env: CFG='{"newline":true}'  PERMS=comma list to drop from the manifest  RELOAD=1  CACHE=1 (worker scripts max-age)  PAGE=workers|rewrap|wss
import { spawn } from 'node:child_process';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { startServer } from './server.mjs';
import { workersPage } from './pages.mjs';
import { connectMarionette } from './marionette.mjs';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const srv = await startServer();
srv.opts.cacheable = !!process.env.CACHE;
srv.pages.set('/workers.html', { type: 'text/html', body: workersPage(srv.port, { kinds: process.env.KINDS ? process.env.KINDS.split(',') : undefined }) });
if (process.env.EXTRA_PAGES) { const m = await import(path.resolve(process.env.EXTRA_PAGES)); m.register(srv); }
const prof = fs.mkdtempSync(path.join(os.tmpdir(), 'reach-ff-'));
const extDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reach-ffext-'));
for (const f of fs.readdirSync('ext-firefox')) fs.copyFileSync(path.join('ext-firefox', f), path.join(extDir, f));
const man = JSON.parse(fs.readFileSync(path.join(extDir, 'manifest.json')));
const drop = (process.env.PERMS || '').split(',').filter(Boolean);
man.permissions = man.permissions.filter((p) => !drop.includes(p));
man.background.scripts = ['cfg.js', 'bg.js'];
if (process.env.NOEXT) man.background.scripts = ['cfg.js'];
fs.writeFileSync(path.join(extDir, 'manifest.json'), JSON.stringify(man));
fs.writeFileSync(path.join(extDir, 'cfg.js'), `self.CFG = ${process.env.CFG || '{}'};`);
const MPORT = 28000 + Math.floor(Math.random() * 1000);
fs.writeFileSync(path.join(prof, 'user.js'), [['marionette.port', MPORT], ['browser.shell.checkDefaultBrowser', false], ['datareporting.policy.dataSubmissionEnabled', false],
  ['browser.startup.homepage_override.mstone', 'ignore'], ['toolkit.telemetry.reportingpolicy.firstRun', false], ['app.update.disabledForTesting', true], ['browser.aboutwelcome.enabled', false],
  // let our 127.0.0.1 origin count as potentially trustworthy for service workers (it is anyway for 127.0.0.1)
  ['devtools.console.stdout.content', true]].map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n'));
const ff = spawn('/usr/lib/firefox-esr/firefox-esr', ['--headless', '--marionette', '--no-remote', '--profile', prof, 'about:blank'], { stdio: ['ignore', 'pipe', 'pipe'] });
let ffOut = ''; ff.stdout.on('data', (d) => { ffOut += d; }); ff.stderr.on('data', (d) => { ffOut += d; });
const m = await connectMarionette(MPORT);
const short = (x) => JSON.stringify(x, (k, v) => typeof v === 'string' && v.length > 110 ? v.slice(0, 60) + '…' + v.slice(-40) : v);
try {
  const sess = await m.send('WebDriver:NewSession', { capabilities: { alwaysMatch: { acceptInsecureCerts: true } } });
  console.log('firefox', sess.capabilities.browserVersion, 'perms', man.permissions.join(' '), 'cfg', process.env.CFG || '{}');
  if (!process.env.NOEXT) console.log('addon', JSON.stringify(await m.send('Addon:Install', { path: extDir, temporary: true })));
  await sleep(300);
  const PAGE = process.env.PAGE || 'workers';
  for (let round = 1; round <= (Number(process.env.RELOAD) > 1 ? Number(process.env.RELOAD) : process.env.RELOAD ? 2 : 1); round++) {
    srv.logs.length = 0;
    await m.send('WebDriver:Navigate', { url: srv.origin + '/' + PAGE + '.html' + (process.env.QS || '') });
    const want = Number(process.env.WANT || 12);
    let r = [];
    for (let i = 0; i < 80; i++) { r = (await m.send('WebDriver:ExecuteScript', { script: 'return window.__r', args: [] })).value || []; if (r.length >= want) break; await sleep(100); }
    await sleep(400);
    r = (await m.send('WebDriver:ExecuteScript', { script: 'return window.__r', args: [] })).value || [];
    console.log(`--- round ${round}: ${r.length} reports`);
    for (const x of r.sort((a, b) => String(a.who).localeCompare(b.who))) console.log(short(x));
    console.log('--- webRequest log (bg)');
    for (const l of srv.logs.filter((l) => l.wr || l.done || l.filterError || l.channel)) console.log(short(l));
    if (process.env.SRVLOG) for (const l of srv.logs.filter((l) => l.srv || l.ws)) console.log(short(l));
  }
} catch (e) { console.log('FAIL', e.message); process.exitCode = 1; }
finally { m.close(); ff.kill('SIGTERM'); await new Promise((r) => ff.once('exit', r)); await srv.close(); fs.rmSync(prof, { recursive: true, force: true }); fs.rmSync(extDir, { recursive: true, force: true }); if (process.env.DEBUG) console.log(ffOut.slice(-3000)); }
