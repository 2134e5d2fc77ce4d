// npm run bench -- --browser firefox [--smoke]: the benchmark in headless Firefox ESR (Marionette), the scenarios of
// Chromium's (bench/run.mjs) in these variants, each its own Firefox, runs interleaved (A B C D E, E D C B A, ...):
//   none              no add-on, no toolbox                         (the baseline)
//   closed            WS Lens installed, toolbox closed
//   open              WS Lens installed, toolbox open on the WebSockets panel
//   devtools          no add-on, toolbox open on its default panel (the Inspector): what the toolbox itself costs
//   devtools-network  no add-on, toolbox open on Firefox's own Network panel (the reference row)
// Page-side time is the page's own measure (burst.html). Panel figures come from the live store in the panel
// (`window.__wsLens.store`), read by code put into the panel document's own realm through the Debugger API (the
// panel's CSP forbids eval, and a function of the frame script's realm would pay a cross-compartment call per frame).
// What differs from Chromium (bench/README.md, "Firefox"):
//   longest task  Firefox has no `longtask` entries (PerformanceObserver.supportedEntryTypes, measured in ESR 153);
//                 an event-loop lag probe in the panel document instead: a 5 ms timer chain, the longest lateness
//   memory        the panel window's JS (its realm's and zone's reports in the memory reporter manager, unused GC
//                 cells left out) after a GC and CC of the panel's process (Cu.forceGC / forceCC in a frame script)
import fs from 'node:fs';
import path from 'node:path';
import { root, run } from '../scripts/env.mjs';
import { headline, interleaved, median, panelFigures, printGoals, round, scenarioList, sleep, sustainedFigures, sustainedOf, SUSTAINED_REQUEST, WRAP_RECEIVE } from './lib.mjs';
import { startServer } from '../test/e2e/lib/server.mjs';
import { launchFirefox, waitFor } from '../test/e2e/lib/sessions.mjs';

const smoke = process.argv.includes('--smoke');
const RUNS = smoke ? 1 : Number(process.env.RUNS || 5);
const WARMUP = smoke ? 0 : 1;
const VARIANTS = ['none', 'closed', 'open', 'devtools', 'devtools-network'];
const SCENARIOS = scenarioList(smoke).map(({ maxRuns, ...sc }) => ({ ...sc, ...(maxRuns ? { runs: Math.min(RUNS, maxRuns) } : {}) }));
const ONLY = process.env.BENCH_ONLY?.split(',');
const CHOSEN = ONLY ? SCENARIOS.filter((sc) => ONLY.includes(sc.id)) : SCENARIOS;
const SUSTAINED = sustainedOf(smoke);
/** the lag probe's timer: its lateness is the longest time the panel's event loop could not run it */
const LAG_MS = 5;

/**
 * Firefox rounds performance.now() to 1 ms in pages and in the panel (privacy.reduceTimerPrecision, measured in ESR
 * 153): too coarse for a batch's ingest time or a 150 ms page burst. The bench's profiles read the clock unrounded.
 */
const FIREFOX_PREFS = { 'privacy.reduceTimerPrecision': false };

/** The Firefox build to measure (WS_LENS_DIST: another build), built first if missing. */
function firefoxBuild() {
  const distDir = process.env.WS_LENS_DIST ? path.resolve(process.env.WS_LENS_DIST) : path.join(root, 'dist');
  if (!fs.existsSync(path.join(distDir, 'firefox/manifest.json')) && !run(process.execPath, ['scripts/build.mjs', 'firefox']).ok) process.exit(1);
  return path.join(distDir, 'firefox');
}

/**
 * Run `code` (a script's text whose completion value is a string) in the panel document's own realm: a frame script
 * makes the panel's window a debuggee just for the call (Debugger.Object.executeInGlobal runs code there whatever
 * the page's CSP), then lets it go.
 */
const IN_PANEL_REALM = `(w, code) => {
  if (typeof Debugger === 'undefined') {
    const { addDebuggerToGlobal } = ChromeUtils.importESModule('resource://gre/modules/jsdebugger.sys.mjs');
    addDebuggerToGlobal(globalThis);
  }
  const dbg = new Debugger();
  try {
    const c = dbg.addDebuggee(content).executeInGlobal(code);
    if (!c) throw new Error('the panel code was terminated');
    if ('throw' in c) throw new Error('in the panel: ' + (c.throw && c.throw.unsafeDereference ? String(c.throw.unsafeDereference()) : String(c.throw)));
    return c.return;
  } finally {
    dbg.removeAllDebuggees();
  }
}`;
async function inPanel(s, code) {
  return JSON.parse(await s.panelEvalPrivileged(IN_PANEL_REALM, `JSON.stringify(${code})`));
}

// Installed in the panel before each run: time spent in the store's ingest, arrivals for latency, and the lag probe.
const PANEL_PROBE = `(() => {
  const w = window;
  const store = w.__wsLens.store;
  if (!w.__bench) {
    const b = (w.__bench = { busy: 0, lag: 0, latencies: [], seen: 0, first: 0, last: 0, due: 0 });
    ${WRAP_RECEIVE}
    // the event-loop lag probe: a timer every ${LAG_MS} ms; how late it fires is how long the loop was busy
    const tick = () => {
      const now = w.performance.now();
      if (b.due && now - b.due > b.lag) b.lag = now - b.due;
      b.due = now + ${LAG_MS};
      w.setTimeout(tick, ${LAG_MS});
    };
    tick();
  }
  const b = w.__bench;
  store.clear();
  b.busy = 0; b.ingest0 = w.__wsLens.ingest?.busyMs; b.lag = 0; b.latencies = []; b.first = 0; b.last = 0; b.seen = store.log.nextId; b.startId = store.log.nextId;
  return true;
})()`;
const PANEL_READ = `(() => { const b = window.__bench; const s = window.__wsLens.store; return { ingested: s.log.nextId - b.startId, busy: b.ingest0 === undefined ? b.busy : window.__wsLens.ingest.busyMs - b.ingest0, span: b.last - b.first, longest: b.lag, latencies: b.latencies, dropped: s.log.droppedInPage, trimmed: s.log.trimmed, decoded: s.log.frames.filter((f) => f.decoded).length }; })()`;
/**
 * Polled while the panel ingests: through the frame script's (waived) view of the panel window, a few property reads,
 * so the panel is not made a debuggee every 100 ms of a burst
 */
const PANEL_INGESTED = `(w) => w.__wsLens.store.log.nextId - w.__bench.startId`;
/** ...and what it will not get: the frames the page's ring dropped before the panel had them (counted in the JSON) */
const PANEL_ACCOUNTED = `(w) => w.__wsLens.store.log.nextId - w.__bench.startId + w.__wsLens.store.log.droppedInPage`;

/** A full GC and CC in the panel's process (the extension process), from a frame script there. */
const PANEL_GC = `(w) => { const cu = Components.utils; cu.forceGC(); cu.forceCC(); cu.forceGC(); return Services.appinfo.processID; }`;
/**
 * The panel window's JS memory from the memory reporter manager (all processes' reports, as about:memory reads them):
 * every report under the panel's top window that belongs to its JS realm or zone (objects, strings, shapes, scripts,
 * JIT code), without `unused-gc-things` (free cells in the zone's arenas). About:memory writes a URL's "/" as "\\".
 */
const PANEL_JS_BYTES = `(pid) => new Promise((resolve) => {
  const mgr = Cc['@mozilla.org/memory-reporter-manager;1'].getService(Ci.nsIMemoryReporterManager);
  const sum = { js: 0, unused: 0, window: 0, windows: 0 };
  const tops = new Set();
  // by kind of thing (the report's path inside the realm or zone): where the bytes are
  const parts = {};
  mgr.getReports((proc, p, kind, units, amount) => {
    if (units !== Ci.nsIMemoryReporter.UNITS_BYTES || !p.startsWith('explicit/window-objects/top(moz-extension:') || !proc.endsWith('(pid ' + pid + ')')) return;
    const top = p.slice(0, p.indexOf(')/') + 1);
    if (!top.includes('\\\\panel\\\\index.html')) return;
    tops.add(top);
    sum.window += amount;
    if (!/\\/js-(realm|zone)\\(/.test(p)) return;
    if (p.endsWith('/unused-gc-things')) sum.unused += amount;
    else sum.js += amount;
    const part = p.replace(/^.*\\/js-(realm|zone)\\([^)]*\\)\\//, '$1/').replace(/\\(0x[0-9a-f]+\\)/g, '');
    parts[part] = (parts[part] || 0) + amount;
  }, null, () => resolve({ ...sum, windows: tops.size, parts }), null, false);
})`;
async function panelHeap(s) {
  const pid = await s.panelEvalPrivileged(PANEL_GC);
  const r = await s.chromeEval(PANEL_JS_BYTES, pid);
  if (r.windows !== 1) throw new Error(`panel memory: ${r.windows} panel windows in process ${pid}`);
  return r;
}

/** The toolbox on `toolId` (none: its default panel), for the tab Marionette drives. */
const SHOW_TOOLBOX = `async (toolId) => {
  const { require } = ChromeUtils.importESModule('resource://devtools/shared/loader/Loader.sys.mjs');
  const { gDevTools } = require('devtools/client/framework/devtools');
  const win = Services.wm.getMostRecentWindow('navigator:browser');
  const toolbox = await gDevTools.showToolboxForTab(win.gBrowser.selectedTab, toolId ? { toolId } : {});
  if (toolId && toolbox.currentToolId !== toolId) await toolbox.selectTool(toolId);
  return toolbox.currentToolId;
}`;

const extDir = firefoxBuild();
const server = await startServer();

async function launch(variant) {
  const ext = variant === 'closed' || variant === 'open';
  const s = await launchFirefox({ extDir: ext ? extDir : undefined, prefs: FIREFOX_PREFS });
  await s.goto(`${server.origin}/blank.html`);
  let tool = null;
  if (variant === 'open') {
    await s.openPanel();
    tool = 'WS Lens';
  }
  if (variant === 'devtools') tool = await s.chromeEval(SHOW_TOOLBOX, null);
  if (variant === 'devtools-network') tool = await s.chromeEval(SHOW_TOOLBOX, 'netmonitor');
  return { variant, s, tool };
}

async function oneRun(v, sc) {
  const reads = v.variant === 'open';
  if (reads) await inPanel(v.s, PANEL_PROBE);
  await v.s.goto(`${server.origin}/burst.html?${sc.q}`);
  const ms = await waitFor(() => v.s.pageEval(`() => window.__burstMs`), { timeout: 180000, interval: 100, message: `${sc.id}: the page's burst` });
  const out = { ms };
  if (reads) {
    const want = sc.frames + 3;
    await waitFor(async () => (await v.s.panelEval(PANEL_ACCOUNTED)) >= want, { timeout: 120000, interval: 100, message: `${sc.id}: the panel to ingest ${want}` }).catch(() => {});
    out.panel = await inPanel(v.s, PANEL_READ);
    delete out.panel.latencies;
  }
  return out;
}

const t0 = Date.now();
const browsers = [];
const results = { browser: 'firefox', scenarios: {} };
try {
  for (const variant of VARIANTS) browsers.push(await launch(variant));
  results.toolbox_tool = Object.fromEntries(browsers.filter((b) => b.tool).map((b) => [b.variant, b.tool]));
  const pids = browsers.map((b) => b.s.pid);
  for (const sc of CHOSEN) {
    const runs = sc.runs ?? RUNS;
    const per = await interleaved(browsers, { runs, warmup: WARMUP, pids }, (v) => oneRun(v, sc));
    const med = (v) => median(per[v].map((o) => o.ms));
    const base = med('none');
    results.scenarios[sc.id] = {
      label: sc.label,
      runs,
      page_ms: Object.fromEntries(VARIANTS.map((v) => [v, round(med(v), 1)])),
      runs_ms: Object.fromEntries(VARIANTS.map((v) => [v, per[v].map((o) => Math.round(o.ms))])),
      ratio_closed: round(med('closed') / base),
      ratio_open: round(med('open') / base),
      ratio_devtools: round(med('devtools') / base),
      ratio_devtools_network: round(med('devtools-network') / base),
      // WS Lens's own share with the toolbox open: the open panel against the toolbox open without the add-on
      ratio_open_vs_devtools: round(med('open') / med('devtools')),
      ...panelFigures(per.open.map((o) => o.panel)),
    };
    console.log(`${sc.label}: done (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }

  // Memory of a large log: the panel window's JS after a GC, before and after 100,000 small frames
  const open = browsers.find((b) => b.variant === 'open');
  await inPanel(open.s, PANEL_PROBE);
  const before = await panelHeap(open.s);
  const n = smoke ? 10000 : 100000;
  await open.s.goto(`${server.origin}/burst.html?mode=text&n=${n}`);
  await waitFor(() => open.s.pageEval(`() => window.__burstMs`), { timeout: 180000, interval: 250, message: 'the memory run' });
  // the page's ring may drop frames the panel had not fetched yet: the growth is per row the panel holds
  await waitFor(async () => (await open.s.panelEval(PANEL_ACCOUNTED)) >= n + 3, { timeout: 120000, message: 'the panel to ingest the memory run' }).catch(() => {});
  const rows = await open.s.panelEval(PANEL_INGESTED);
  const lost = (await open.s.panelEval(PANEL_ACCOUNTED)) - rows;
  const after = await panelHeap(open.s);
  results.panel_mb_per_100k_frames = round(((after.js - before.js) / 1048576) * (100000 / rows), 1);
  // what grew most, in MB per 100,000 frames
  const grew = Object.keys(after.parts)
    .map((k) => [k, ((after.parts[k] - (before.parts[k] ?? 0)) / 1048576) * (100000 / rows)])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8);
  results.panel_memory = {
    frames: n,
    rows,
    dropped_in_page: lost,
    js_bytes: { before: before.js, after: after.js },
    unused_gc_bytes: { before: before.unused, after: after.unused },
    window_mb_per_100k_frames: round(((after.window - before.window) / 1048576) * (100000 / rows), 1),
    largest_growth_mb_per_100k: Object.fromEntries(grew.map(([k, v]) => [k, round(v, 1)])),
  };

  // Sustained stream: frame-to-panel latency
  await inPanel(open.s, PANEL_PROBE);
  await open.s.pageEval(SUSTAINED_REQUEST, `rate:${SUSTAINED.perSecond}:${SUSTAINED.seconds}`);
  await sleep(500);
  const sus = await inPanel(open.s, PANEL_READ);
  results.sustained = sustainedFigures(SUSTAINED, sus);
} finally {
  for (const b of browsers) await b.s.close().catch(() => {});
  await server.close();
}

Object.assign(results, headline(results, { smoke, only: ONLY, t0, machine: { firefox: browsers[0]?.s.version } }));

// ---- report
const pad = (x, n) => String(x ?? '—').padStart(n);
console.log(`\nWS Lens benchmark${smoke ? ' (smoke)' : ''}: headless Firefox ${results.machine.firefox}, ${results.machine.cpus} cores, medians of ${RUNS} interleaved runs`);
console.log('page-side time: ratios to `none`; TB = toolbox open (Inspector) without WS Lens; open/TB = WS Lens open against the toolbox alone');
console.log('lag ms: the panel event loop\'s longest lag (a 5 ms timer\'s lateness; Firefox has no longtask entries)');
console.log(`${'scenario'.padEnd(28)}${pad('none ms', 9)}${pad('closed', 8)}${pad('open', 7)}${pad('TB', 6)}${pad('TB net', 8)}${pad('open/TB', 9)}${pad('ingest/s', 10)}${pad('lag ms', 8)}`);
for (const s of Object.values(results.scenarios))
  console.log(`${s.label.padEnd(28)}${pad(round(s.page_ms.none, 0), 9)}${pad(s.ratio_closed, 8)}${pad(s.ratio_open, 7)}${pad(s.ratio_devtools, 6)}${pad(s.ratio_devtools_network, 8)}${pad(s.ratio_open_vs_devtools, 9)}${pad(s.panel_ingest_per_s, 10)}${pad(s.panel_long_task_ms, 8)}`);
console.log(`sustained ${SUSTAINED.perSecond}/s for ${SUSTAINED.seconds} s: latency median ${results.latency_ms_median} ms, p99 ${results.latency_ms_p99} ms, longest panel lag ${results.sustained.panel_long_task_ms} ms (${results.sustained.frames} frames)`);
console.log(`panel memory: ${results.panel_mb_per_100k_frames} MB of JS per 100k small frames (the whole panel window, DOM and layout too: ${results.panel_memory.window_mb_per_100k_frames} MB; ${results.panel_memory.rows} rows held, ${results.panel_memory.dropped_in_page} dropped by the page's ring)`);
console.log(`  grew most (MB per 100k): ${Object.entries(results.panel_memory.largest_growth_mb_per_100k).slice(0, 4).map(([k, v]) => `${k} ${v}`).join(', ')}`);
const CHROME_TRACE_ONLY = 'Chromium only (read from a Chrome trace); the lag probe above is the Firefox figure';
results.goals = printGoals(results, {
  smoke,
  why: { 'panel thread clock: no task over 50 ms, 100,000 frames': CHROME_TRACE_ONLY, 'panel thread clock: no task over 50 ms, 64 KB burst': CHROME_TRACE_ONLY },
});

const missing = ['overhead_ratio_closed', 'overhead_ratio_open', 'panel_ingest_per_s', 'panel_long_task_ms', 'panel_mb_per_100k_frames', 'latency_ms_median'].filter((k) => !Number.isFinite(results[k]));
const out = process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : path.join(root, 'bench', smoke ? 'results-smoke-firefox.json' : 'results-firefox.json');
fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote ${path.relative(root, out)} in ${results.seconds} s`);
if (missing.length) {
  console.error(`measurements missing: ${missing.join(', ')}`);
  process.exitCode = 1;
}
