// npm run bench [-- --smoke | --soak] [--browser chromium|firefox|both]: what WS Lens costs a busy page, and how the
// panel keeps up. The full run measures headless Chromium unless --browser says otherwise; --smoke runs both browsers
// (each measurement once at small sizes). Firefox's bench is bench/firefox.mjs; this file is Chromium's.
// Variants, each its own browser, runs interleaved (A B C D, then D C B A, ...) so machine drift hits all alike:
//   none              no extension, no DevTools                    (the baseline)
//   closed            WS Lens loaded, DevTools closed
//   open              WS Lens loaded, DevTools open on its panel
//   rules             as `open`, with ten enabled traffic rules that match none of the frames
//   devtools          no extension, DevTools open (its default panel): what DevTools itself costs the page, since
//                     it instruments every WebSocket frame whichever panel is shown
//   devtools-network  no extension, DevTools open on Chrome's own Network panel (the reference row)
//   stacks            as `open`, with *Send stacks* on (a stack taken per send()); only in the scenarios that send
//   untimed           as `open`, with *Handler timing* off (on by default): `open` / `untimed` is what timing the
//                     page's listeners for every frame costs
// Page-side time is the page's own measure: from asking the server for the traffic to its handler seeing the last
// frame. Ratios are medians against `none`. Panel figures come from the live store in the panel.
import fs from 'node:fs';
import path from 'node:path';
import { root, run } from '../scripts/env.mjs';
import { chromeBuild, headline, interleaved, median, pageHeapMB, panelFigures, panelThreadClock, printGoals, round, scenarioList, sleep, sustainedFigures, sustainedOf, SUSTAINED_REQUEST, WRAP_RECEIVE } from './lib.mjs';
import { startServer } from '../test/e2e/lib/server.mjs';
import { launchChromium, waitFor } from '../test/e2e/lib/sessions.mjs';

// --soak: the long sustained run instead (bench/soak.mjs)
if (process.argv.includes('--soak')) {
  await import('./soak.mjs');
  process.exit(0);
}
const smoke = process.argv.includes('--smoke');
const browserArg = process.argv.indexOf('--browser');
const BROWSER = browserArg > 0 ? process.argv[browserArg + 1] : smoke ? 'both' : 'chromium';
if (!['chromium', 'firefox', 'both'].includes(BROWSER)) {
  console.error(`--browser ${BROWSER}: chromium, firefox or both`);
  process.exit(2);
}
if (BROWSER === 'both') {
  // one after the other, each in its own process (each holds only its own browsers)
  const rest = process.argv.slice(2).filter((a, i, all) => a !== '--browser' && all[i - 1] !== '--browser');
  let failed = 0;
  for (const b of ['chromium', 'firefox']) {
    console.log(`\n=== bench: ${b}`);
    // BENCH_OUT names Chromium's file; Firefox's gets "-firefox" before its extension
    const env = { ...process.env, ...(process.env.BENCH_OUT && b === 'firefox' ? { BENCH_OUT: process.env.BENCH_OUT.replace(/(\.json)?$/, '-firefox$1') } : {}) };
    if (!run(process.execPath, [path.join(root, 'bench', 'run.mjs'), ...rest, '--browser', b], { env }).ok) failed++;
  }
  process.exit(failed ? 1 : 0);
}
if (BROWSER === 'firefox') {
  await import('./firefox.mjs');
  process.exit(process.exitCode ?? 0);
}
const RUNS = smoke ? 1 : Number(process.env.RUNS || 5);
const WARMUP = smoke ? 0 : 1;
const VARIANTS = ['none', 'closed', 'open', 'rules', 'devtools', 'devtools-network', 'stacks', 'untimed'];
/** the variants a scenario runs in unless it names its own: `stacks` differs from `open` only when the page sends */
const RECEIVING = VARIANTS.filter((v) => v !== 'stacks');
/** ...and `untimed` only when it receives */
const SENDING = VARIANTS.filter((v) => v !== 'untimed');
const SCENARIOS = scenarioList(smoke).map(({ sends, maxRuns, ...sc }) => ({ ...sc, ...(sends ? { variants: SENDING } : {}), ...(maxRuns ? { runs: Math.min(RUNS, maxRuns) } : {}) }));
// BENCH_ONLY=phoenix20k,socketio20k runs only those scenarios (then the memory and latency runs): a partial result
const ONLY = process.env.BENCH_ONLY?.split(',');
const CHOSEN = ONLY ? SCENARIOS.filter((sc) => ONLY.includes(sc.id)) : SCENARIOS;
const SUSTAINED = sustainedOf(smoke);

// WS_LENS_DIST measures another build (the last release's, for a before/after); BENCH_OUT writes elsewhere
const extDir = chromeBuild();
const server = await startServer();

// Installed in the panel before each run: time spent in the store's ingest, longest task, arrivals for latency.
const PANEL_PROBE = `(w) => {
  const store = w.__wsLens.store;
  if (!w.__bench) {
    const b = (w.__bench = { busy: 0, longest: 0, latencies: [], seen: 0, first: 0, last: 0 });
    ${WRAP_RECEIVE}
    new w.PerformanceObserver((l) => { for (const e of l.getEntries()) b.longest = Math.max(b.longest, e.duration); }).observe({ type: 'longtask', buffered: false });
  }
  const b = w.__bench;
  store.clear();
  b.busy = 0; b.ingest0 = w.__wsLens.ingest?.busyMs; b.longest = 0; b.latencies = []; b.first = 0; b.last = 0; b.seen = store.log.nextId; b.startId = store.log.nextId;
  return true;
}`;
// \`decoded\`: frames a protocol decoder read (the Socket.IO scenario must have all of them decoded to mean anything)
const PANEL_READ = `(w) => { const b = w.__bench; const s = w.__wsLens.store; return { ingested: s.log.nextId - b.startId, busy: b.ingest0 === undefined ? b.busy : w.__wsLens.ingest.busyMs - b.ingest0, span: b.last - b.first, longest: b.longest, latencies: b.latencies, dropped: s.log.droppedInPage, trimmed: s.log.trimmed, decoded: s.log.frames.filter((f) => f.decoded).length, stacked: s.log.frames.filter((f) => f.stack).length, timed: s.log.frames.filter((f) => f.handlerMs !== undefined).length }; }`;
const PANEL_HEAP = `(w) => { if (w.gc) { w.gc(); w.gc(); } return w.performance.memory.usedJSHeapSize; }`;

/**
 * Ten enabled rules, none of which matches a burst frame ("m123"): every frame pays for the whole list (url,
 * direction and content checks of each rule), as on a page where the user's rules aim at other traffic.
 */
const SET_TEN_RULES = `(w) => {
  const base = { enabled: true, url: '', direction: 'both', matchValue: '', find: '', replace: '', ms: 200, reply: '', alsoSend: false };
  const drafts = [
    { matchType: 'text', match: 'no-such-text', action: 'pause' },
    { matchType: 'text', match: 'heartbeat', action: 'drop' },
    { matchType: 'regex', match: '/^\\{"type":"ping"/', action: 'delay' },
    { matchType: 'regex', match: '/token=[A-Za-z0-9]+/', action: 'rewrite', find: '/token=[A-Za-z0-9]+/g', replace: 'token=***' },
    { matchType: 'json', match: '$.type', matchValue: 'subscribe', action: 'pause' },
    { matchType: 'json', match: '$.user.role', action: 'rewrite-json', find: '$.user.role', replace: '"admin"' },
    { matchType: 'text', match: 'm-none', action: 'pause', direction: 'received' },
    { matchType: 'any', match: '', action: 'drop', url: '/never-this-socket' },
    { matchType: 'regex', match: '/^ERROR/i', action: 'pause', direction: 'received' },
    { matchType: 'json', match: '$.method', matchValue: 'ping', action: 'mock', direction: 'sent', reply: '{"id":{{$.id}}}' },
  ].map((d, i) => ({ ...base, id: 'bench' + i, name: 'bench rule ' + i, ...d }));
  w.__wsLens.store.setRules(drafts, { on: true });
  return w.__wsLens.store.ruleDrafts.length;
}`;

async function launch(variant) {
  const withPanel = variant === 'open' || variant === 'rules' || variant === 'stacks' || variant === 'untimed';
  const ext = variant === 'closed' || withPanel;
  const devtools = variant !== 'none' && variant !== 'closed';
  const s = await launchChromium({
    extDir: ext ? extDir : undefined,
    devtools,
    extraArgs: ['--enable-precise-memory-info', '--js-flags=--expose-gc'],
  });
  await s.goto(`${server.origin}/blank.html`);
  if (withPanel) await s.openPanel();
  if (variant === 'rules') await s.panelEval(SET_TEN_RULES);
  if (variant === 'stacks') await s.panelEval(`(w) => { w.__wsLens.store.setSendStacks(true); return true; }`);
  if (variant === 'untimed') await s.panelEval(`(w) => { w.__wsLens.store.setHandlerTiming?.(false); return true; }`);
  if (variant === 'devtools-network') {
    // Chrome's own inspector, recording: the Network panel shown in DevTools with no extension
    const dt = await (await s.browser.waitForTarget((t) => t.url().startsWith('devtools://'))).asPage();
    await waitFor(
      () =>
        dt.evaluate(async () => {
          const { InspectorView } = await import('./ui/legacy/legacy.js');
          await InspectorView.InspectorView.instance().showPanel('network');
          return true;
        }),
      { message: 'the Network panel' },
    );
  }
  return { variant, s };
}

async function oneRun(v, sc) {
  const reads = v.variant === 'open' || v.variant === 'stacks' || v.variant === 'untimed';
  if (reads) await v.s.panelEval(PANEL_PROBE);
  await v.s.page.goto(`${server.origin}/burst.html?${sc.q}`, { waitUntil: 'load' });
  const ms = await v.s.page.waitForFunction(() => window.__burstMs, { timeout: 180000, polling: 50 }).then((h) => h.jsonValue());
  const out = { ms };
  if (reads) {
    // created + open + the request + the frames
    const want = sc.frames + 3;
    await waitFor(async () => (await v.s.panelEval(PANEL_READ)).ingested >= want, { timeout: 120000, interval: 50, message: `${sc.id}: the panel to ingest ${want}` }).catch(() => {});
    out.panel = await v.s.panelEval(PANEL_READ);
    out.pageHeapMB = await pageHeapMB(v.s);
  } else if (v.variant === 'none' || v.variant === 'closed') out.pageHeapMB = await pageHeapMB(v.s);
  return out;
}

/** burst.html's traffic `q` in the browser `b`, until the page has it all and `ingested` holds of what its panel read */
async function burstInto(b, q, ingested, what) {
  await b.s.page.goto(`${server.origin}/burst.html?${q}`, { waitUntil: 'load' });
  await b.s.page.waitForFunction(() => window.__burstMs, { timeout: 180000, polling: 100 });
  await waitFor(async () => ingested(await b.s.panelEval(PANEL_READ)), { timeout: 120000, message: `the panel to ingest ${what}` });
}

const t0 = Date.now();
const browsers = [];
for (const variant of VARIANTS) browsers.push(await launch(variant));
const results = { scenarios: {} };
try {
  for (const sc of CHOSEN) {
    const runs = sc.runs ?? RUNS;
    const variants = sc.variants ?? RECEIVING;
    const taking = browsers.filter((b) => variants.includes(b.variant));
    const per = await interleaved(taking, { runs, warmup: WARMUP, pids: browsers.map((b) => b.s.browser.process().pid) }, (v) => oneRun(v, sc));
    const med = (v, f) => median(per[v].map(f).filter((x) => x !== undefined));
    const base = med('none', (o) => o.ms);
    results.scenarios[sc.id] = {
      label: sc.label,
      runs,
      page_ms: Object.fromEntries(variants.map((v) => [v, round(med(v, (o) => o.ms), 1)])),
      runs_ms: Object.fromEntries(variants.map((v) => [v, per[v].map((o) => Math.round(o.ms))])),
      ratio_closed: round(med('closed', (o) => o.ms) / base),
      ratio_open: round(med('open', (o) => o.ms) / base),
      // panel open with ten enabled rules that match nothing: the cost of traffic control when it does not act
      ratio_rules: round(med('rules', (o) => o.ms) / base),
      ratio_rules_vs_open: round(med('rules', (o) => o.ms) / med('open', (o) => o.ms)),
      ratio_devtools: round(med('devtools', (o) => o.ms) / base),
      ratio_devtools_network: round(med('devtools-network', (o) => o.ms) / base),
      // WS Lens's own share with DevTools open: the open panel against DevTools open without the extension
      ratio_open_vs_devtools: round(med('open', (o) => o.ms) / med('devtools', (o) => o.ms)),
      // Send stacks on against off, both with the panel open (null where the scenario does not run `stacks`)
      ratio_stacks_vs_open: per.stacks ? round(med('stacks', (o) => o.ms) / med('open', (o) => o.ms)) : null,
      // the sends that got a stack in the stacks variant: all of them, or the ratio above measured nothing
      stacks_taken: per.stacks ? Math.min(...per.stacks.map((o) => o.panel.stacked)) : null,
      // Handler timing on (open, the default) against off (untimed), both with the panel open
      ratio_open_vs_untimed: per.untimed ? round(med('open', (o) => o.ms) / med('untimed', (o) => o.ms)) : null,
      // received frames that got their handler runs in the open variant: all of them, or the ratio measured nothing
      timed_frames: Math.min(...per.open.map((o) => o.panel.timed)),
      ...panelFigures(per.open.map((o) => o.panel)),
      page_heap_mb: { none: round(med('none', (o) => o.pageHeapMB), 1), closed: round(med('closed', (o) => o.pageHeapMB), 1), open: round(med('open', (o) => o.pageHeapMB), 1) },
    };
    console.log(`${sc.label}: done (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }

  // Memory of a large log: panel heap growth per 100k small frames
  const open = browsers.find((b) => b.variant === 'open');
  await open.s.panelEval(PANEL_PROBE);
  const before = await open.s.panelEval(PANEL_HEAP);
  const n = smoke ? 10000 : 100000;
  await burstInto(open, `mode=text&n=${n}`, (p) => p.ingested >= n + 3, 'the memory run');
  const after = await open.s.panelEval(PANEL_HEAP);
  results.panel_mb_per_100k_frames = round(((after - before) / 1048576) * (100000 / n), 1);

  // The panel's tasks on its thread's own clock, from a traced burst of each kind the long-task goals name
  results.panel_thread_clock = {};
  for (const [id, q, frames] of [
    ['burst100k', `mode=text&n=${smoke ? 5000 : 100000}`, smoke ? 5000 : 100000],
    ['bin64k', `mode=bin&n=${smoke ? 50 : 1000}&bytes=65536`, smoke ? 50 : 1000],
  ]) {
    await open.s.panelEval(PANEL_PROBE);
    results.panel_thread_clock[id] = await panelThreadClock(open.s.browser, async () => {
      await burstInto(open, q, (p) => p.ingested + p.dropped >= frames + 3, 'the traced burst');
    });
  }

  // Sustained stream: frame-to-panel latency
  await open.s.panelEval(PANEL_PROBE);
  await open.s.pageEval(SUSTAINED_REQUEST, `rate:${SUSTAINED.perSecond}:${SUSTAINED.seconds}`);
  await sleep(500);
  const sus = await open.s.panelEval(PANEL_READ);
  results.sustained = sustainedFigures(SUSTAINED, sus);
} finally {
  for (const b of browsers) await b.s.close().catch(() => {});
  await server.close();
}

Object.assign(results, headline(results, { smoke, only: ONLY, t0, machine: { chromium: browsers[0]?.s.version } }));

// ---- report
const pad = (x, n) => String(x ?? '-').padStart(n);
console.log(`\nWS Lens benchmark${smoke ? ' (smoke)' : ''}: ${results.machine.chromium}, ${results.machine.cpus} cores, medians of ${RUNS} interleaved runs`);
console.log('page-side time: ratios to `none`; rules = panel open with ten enabled rules matching nothing; open/DT = WS Lens open against DevTools open without it');
console.log(`${'scenario'.padEnd(28)}${pad('none ms', 9)}${pad('closed', 8)}${pad('open', 7)}${pad('rules', 7)}${pad('DT', 6)}${pad('DT net', 8)}${pad('open/DT', 9)}${pad('ingest/s', 10)}${pad('long ms', 9)}${pad('heap MB', 10)}`);
for (const s of Object.values(results.scenarios))
  console.log(`${s.label.padEnd(28)}${pad(s.page_ms.none, 9)}${pad(s.ratio_closed, 8)}${pad(s.ratio_open, 7)}${pad(s.ratio_rules, 7)}${pad(s.ratio_devtools, 6)}${pad(s.ratio_devtools_network, 8)}${pad(s.ratio_open_vs_devtools, 9)}${pad(s.panel_ingest_per_s, 10)}${pad(s.panel_long_task_ms, 9)}${pad(`${s.page_heap_mb.closed}/${s.page_heap_mb.none}`, 10)}`);
console.log('heap MB: the page with WS Lens (panel closed) / without');
for (const s of Object.values(results.scenarios).filter((x) => x.ratio_open_vs_untimed !== null))
  console.log(`${s.label}: Handler timing on / off (panel open) ${s.ratio_open_vs_untimed}, frames timed ${s.timed_frames} (fewest in a run)`);
for (const s of Object.values(results.scenarios).filter((x) => x.ratio_stacks_vs_open !== null))
  console.log(`${s.label}: Send stacks on / off (panel open) ${s.ratio_stacks_vs_open}, stacks taken ${s.stacks_taken} (fewest in a run)`);
console.log(`sustained ${SUSTAINED.perSecond}/s for ${SUSTAINED.seconds} s: latency median ${results.latency_ms_median} ms, p99 ${results.latency_ms_p99} ms, longest panel task ${results.sustained.panel_long_task_ms} ms`);
console.log(`panel memory: ${results.panel_mb_per_100k_frames} MB per 100k small frames`);
for (const [id, t] of Object.entries(results.panel_thread_clock ?? {}))
  console.log(`panel tasks, traced ${id}: longest ${t.longest_ms} ms on the thread's clock (${t.over_50} over 50 ms), ${t.wall_longest_ms} ms wall (${t.wall_over_50} over 50 ms), ${t.tasks} tasks`);

const budgets = [
  ['20k burst, panel closed ≤ 1.05', results.scenarios.burst20k?.ratio_closed <= 1.05],
  ['20k burst, panel open ≤ 1.10', results.scenarios.burst20k?.ratio_open <= 1.1],
  ['100k burst, panel closed ≤ 1.05', results.scenarios.burst100k?.ratio_closed <= 1.05],
  ['100k burst, panel open ≤ 1.10', results.scenarios.burst100k?.ratio_open <= 1.1],
  ['panel ingest ≥ 50,000 frames/s', results.panel_ingest_per_s >= 50000],
  ['no panel task > 50 ms', results.panel_long_task_ms <= 50],
  ['latency median ≤ 50 ms', results.latency_ms_median <= 50],
  ['latency p99 ≤ 200 ms', results.latency_ms_p99 <= 200],
  ['10 MB frame, ratio ≤ 1.10', results.scenarios.big10mb?.ratio_open <= 1.1 && results.scenarios.big10mb?.ratio_closed <= 1.1],
  ['1M frames ≤ 300 MB (or capped)', results.panel_mb_per_100k_frames * 10 <= 300],
];
results.budgets = Object.fromEntries(budgets);
console.log('\nbudgets (issue 5)' + (smoke ? ' (smoke sizes: not meaningful)' : ''));
for (const [name, ok] of budgets) console.log(`  ${ok ? 'PASS' : 'MISS'}  ${name}`);
results.goals = printGoals(results, { smoke });

const missing = ['overhead_ratio_closed', 'overhead_ratio_open', 'panel_ingest_per_s', 'panel_long_task_ms', 'panel_mb_per_100k_frames', 'latency_ms_median'].filter((k) => !Number.isFinite(results[k]));
const out = process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : path.join(root, 'bench', smoke ? 'results-smoke.json' : 'results.json');
fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote ${path.relative(root, out)} in ${results.seconds} s`);
if (missing.length) {
  console.error(`measurements missing: ${missing.join(', ')}`);
  process.exit(1);
}
