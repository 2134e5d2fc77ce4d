// npm run bench:profile-panel [-- <mode> <n>]: where the panel's ingest time goes, by function, from a CPU profile of
// the panel's own document (not a guess). One Chromium with WS Lens and its panel open; a warm-up burst of `n` frames
// of burst.html's `mode` (text, sio, phx, bin), then a profiled one. Prints the time in the panel's ingest (the queue, decoding included) and the
// functions with the most self time. WS_LENS_NOMINIFY=1 node scripts/build.mjs chrome first for readable names.
import { chromeBuild } from './lib.mjs';
import { startServer } from '../test/e2e/lib/server.mjs';
import { launchChromium, waitFor } from '../test/e2e/lib/sessions.mjs';

const mode = process.argv[2] || 'phx';
const n = Number(process.argv[3] || 20000);
// the decoded modes send one frame before the n (an open packet, a join reply)
const want = mode === 'sio' || mode === 'phx' ? n + 1 : n;
// WS_LENS_DIST: another build's dist directory (a before/after), as for npm run bench
const extDir = chromeBuild();
const server = await startServer();
const s = await launchChromium({ extDir, devtools: true });
const TIME_INGEST = `(w) => {
  const store = w.__wsLens.store;
  store.clear();
  w.__ingestMs = 0;
  w.__ingest0 = w.__wsLens.ingest?.busyMs;
  if (!w.__timed) {
    w.__timed = true;
    const receive = store.receive.bind(store);
    store.receive = (m, events) => { const t = w.performance.now(); receive(m, events); w.__ingestMs += w.performance.now() - t; };
  }
  return store.log.nextId;
}`;
try {
  await s.goto(`${server.origin}/blank.html`);
  await s.openPanel();
  const panelTarget = s.browser.targets().find((t) => t.url().includes('/panel/index.html'));
  const cdp = await panelTarget.createCDPSession();
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  for (const profiled of [false, true]) {
    const first = await s.panelEval(TIME_INGEST);
    if (profiled) await cdp.send('Profiler.start');
    await s.page.goto(`${server.origin}/burst.html?mode=${mode}&n=${n}`, { waitUntil: 'load' });
    await s.page.waitForFunction(() => window.__burstMs, { timeout: 180000, polling: 50 });
    await waitFor(async () => (await s.panelEval(`(w) => w.__wsLens.store.log.nextId`)) - first >= want, { timeout: 120000, message: 'the panel to ingest the burst' });
    await new Promise((r) => setTimeout(r, 300));
    // the ingest queue's own count includes decoding the batches, which happens before the store sees them
    const ms = await s.panelEval(`(w) => (w.__ingest0 === undefined ? w.__ingestMs : w.__wsLens.ingest.busyMs - w.__ingest0)`);
    console.log(`${profiled ? 'profiled' : 'warm-up '} ${mode} x${n}: ${Math.round(ms)} ms in ingest, ${Math.round((want / ms) * 1000)} frames/s`);
    if (!profiled) continue;
    const { profile } = await cdp.send('Profiler.stop');
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const self = new Map();
    profile.samples.forEach((id, i) => {
      const { functionName, url, lineNumber } = byId.get(id).callFrame;
      const key = `${functionName || '(anonymous)'} ${url ? `${url.split('/').pop()}:${lineNumber + 1}` : ''}`;
      self.set(key, (self.get(key) || 0) + (profile.timeDeltas[i] || 0));
    });
    console.log('self ms  function');
    for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(us / 1000).toFixed(1).padStart(7)}  ${key}`);
  }
} finally {
  await s.close();
  server.close?.();
}
