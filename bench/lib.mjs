// What the bench's runs share: the Chromium build they measure, and how a page's memory is read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, run } from '../scripts/env.mjs';

/** The Chromium build to measure (WS_LENS_DIST: another build, say the last release's), built first if missing. */
export function chromeBuild() {
  const distDir = process.env.WS_LENS_DIST ? path.resolve(process.env.WS_LENS_DIST) : path.join(root, 'dist');
  if (!fs.existsSync(path.join(distDir, 'chrome/manifest.json')) && !run(process.execPath, ['scripts/build.mjs', 'chrome']).ok) process.exit(1);
  return path.join(distDir, 'chrome');
}

/** The page's heap in MB after a GC, ArrayBuffer contents included (a ring of binary frames lives outside the JS heap). */
export async function pageHeapMB(s) {
  const cdp = await s.page.createCDPSession();
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const usage = await cdp.send('Runtime.getHeapUsage').catch(() => ({}));
  await cdp.detach();
  return (metrics.find((m) => m.name === 'JSHeapUsedSize').value + (usage.backingStorageSize ?? 0)) / 1048576;
}

export const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
export const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
export const round = (x, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds used so far by the process trees under `roots` (from /proc; clock ticks are 1/100 s). */
export function cpuTicks(roots) {
  const children = new Map();
  const stat = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(f[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
      stat.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch {
      // the process ended while we looked
    }
  }
  let ticks = 0;
  const stack = [...roots];
  while (stack.length) {
    const p = stack.pop();
    ticks += stat.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return ticks;
}

/**
 * Wait until every browser is idle: a DevTools frontend keeps rendering and a panel keeps ingesting after a page's
 * burst ends, and on 2 cores that work would land in the next variant's timing.
 */
export async function waitQuiet(roots, maxMs = 8000) {
  const end = Date.now() + maxMs;
  let last = cpuTicks(roots);
  for (;;) {
    await sleep(250);
    const now = cpuTicks(roots);
    if (now - last <= 3 || Date.now() > end) return;
    last = now;
  }
}

/**
 * The scenarios both browsers run (`sends`: the page sends, so only the variants that differ when it does).
 * Smoke sizes only prove the bench works.
 */
export function scenarioList(smoke) {
  return smoke
    ? [
        { id: 'burst20k', label: '2,000 small frames (smoke)', q: 'mode=text&n=2000', frames: 2000 },
        { id: 'burst100k', label: '5,000 small frames (smoke)', q: 'mode=text&n=5000', frames: 5000 },
        { id: 'bin64k', label: '50 frames of 64 KB (smoke)', q: 'mode=bin&n=50&bytes=65536', frames: 50 },
        { id: 'big10mb', label: 'one 1 MB frame (smoke)', q: 'mode=big&bytes=1048576', frames: 1 },
        { id: 'socketio20k', label: '2,000 Socket.IO events (smoke)', q: 'mode=sio&n=2000', frames: 2001 },
        { id: 'phoenix20k', label: '2,000 Phoenix broadcasts (smoke)', q: 'mode=phx&n=2000', frames: 2001 },
        { id: 'send20k', label: 'the page sends 2,000 (smoke)', q: 'mode=send&n=2000', frames: 2001, sends: true },
      ]
    : [
        { id: 'burst20k', label: '20,000 small frames', q: 'mode=text&n=20000', frames: 20000 },
        { id: 'burst100k', label: '100,000 small frames', q: 'mode=text&n=100000', frames: 100000, maxRuns: 3 },
        { id: 'bin64k', label: '1,000 frames of 64 KB', q: 'mode=bin&n=1000&bytes=65536', frames: 1000 },
        { id: 'big10mb', label: 'one 10 MB frame', q: 'mode=big&bytes=10485760', frames: 1 },
        // the same burst as burst20k in Socket.IO's shape: what decoding every frame costs the panel
        { id: 'socketio20k', label: '20,000 Socket.IO events', q: 'mode=sio&n=20000', frames: 20001 },
        // and in Phoenix's (serializer v2 arrays, detected from the join reply): a decoder added with the decoders issue
        { id: 'phoenix20k', label: '20,000 Phoenix broadcasts', q: 'mode=phx&n=20000', frames: 20001 },
        // the page's own send() in a loop, to the server's count of them: what a stack per send costs (issue 17)
        { id: 'send20k', label: 'the page sends 20,000', q: 'mode=send&n=20000', frames: 20001, sends: true },
      ];
}

/**
 * Issue 15's goals, the same for both browsers, each with the figure it is judged on (null: not measured, printed
 * as "—" with the reason). `r` is a results object of run.mjs or firefox.mjs.
 */
export function issueGoals(r) {
  const sc = r.scenarios;
  const longOf = (id) => sc[id]?.panel_long_task_ms;
  return [
    { goal: 'panel: no task over 50 ms, 100,000-frame burst', value: longOf('burst100k'), unit: 'ms', ok: (x) => x <= 50 },
    { goal: 'panel: no task over 50 ms, 64 KB burst', value: longOf('bin64k'), unit: 'ms', ok: (x) => x <= 50 },
    // the same, on the panel thread's own clock (Chromium: a traced burst; the wall-clock figures above include waits for a core)
    { goal: 'panel thread clock: no task over 50 ms, 100,000 frames', value: r.panel_thread_clock?.burst100k?.longest_ms, unit: 'ms', ok: (x) => x <= 50 },
    { goal: 'panel thread clock: no task over 50 ms, 64 KB burst', value: r.panel_thread_clock?.bin64k?.longest_ms, unit: 'ms', ok: (x) => x <= 50 },
    { goal: 'panel ingest ≥ 300,000 small frames/s', value: sc.burst20k?.panel_ingest_per_s, unit: '/s', ok: (x) => x >= 300000 },
    { goal: 'open / DevTools alone ≤ 1.05, 20,000 small frames', value: sc.burst20k?.ratio_open_vs_devtools, ok: (x) => x <= 1.05 },
    { goal: 'open / DevTools alone ≤ 1.05, 100,000 small frames', value: sc.burst100k?.ratio_open_vs_devtools, ok: (x) => x <= 1.05 },
    { goal: 'open / DevTools alone ≤ 1.15, 64 KB binary', value: sc.bin64k?.ratio_open_vs_devtools, ok: (x) => x <= 1.15 },
    { goal: 'closed ≤ 1.03, 20,000 small frames', value: sc.burst20k?.ratio_closed, ok: (x) => x <= 1.03 },
    { goal: 'closed ≤ 1.03, 100,000 small frames', value: sc.burst100k?.ratio_closed, ok: (x) => x <= 1.03 },
    { goal: 'panel memory ≤ 10 MB per 100,000 small frames', value: r.panel_mb_per_100k_frames, unit: 'MB', ok: (x) => x <= 10 },
    { goal: 'sustained stream: latency median ≤ 50 ms', value: r.sustained?.latency_ms_median, unit: 'ms', ok: (x) => x <= 50 },
    { goal: 'sustained stream: latency p99 ≤ 150 ms', value: r.sustained?.latency_ms_p99, unit: 'ms', ok: (x) => x <= 150 },
  ].map((g) => ({ ...g, met: Number.isFinite(g.value) ? g.ok(g.value) : null }));
}

/** Print issue 15's goals, each figure against its goal; returns them for the results file. */
export function printGoals(r, { smoke, why = {} } = {}) {
  const goals = issueGoals(r);
  console.log(`\nissue 15's goals${smoke ? ' (smoke sizes: not meaningful)' : ''}`);
  for (const g of goals) {
    const fig = Number.isFinite(g.value) ? `${g.value.toLocaleString('en-US')}${g.unit ? ' ' + g.unit : ''}` : `— ${why[g.goal] ?? (r.only ? 'not run (BENCH_ONLY)' : 'not measured')}`;
    console.log(`  ${(g.met === null ? '—' : g.met ? 'MET' : 'MISSED').padEnd(6)}  ${g.goal.padEnd(56)} ${fig}`);
  }
  return goals.map(({ goal, value, met }) => ({ goal, value: value ?? null, met }));
}

/**
 * A burst under a browser-wide Chrome trace, read for the panel's main thread: its tasks on their thread's own clock
 * (the trace's thread time). The `longtask` API sees only wall time, and on a starved 2-core machine a task's wall
 * time is mostly waiting for a core (README Performance, "Ingest in slices"). `run` starts the burst and resolves when
 * the panel has it. Light categories: the trace must not become what it measures.
 */
export async function panelThreadClock(browser, run) {
  const cdp = await browser.target().createCDPSession();
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['devtools.timeline', 'toplevel', '__metadata'], recordMode: 'recordAsMuchAsPossible' }, transferMode: 'ReportEvents' });
  try {
    await run();
  } finally {
    await cdp.send('Tracing.end');
    await done;
    await cdp.detach().catch(() => {});
  }
  // the panel's thread: the renderer main thread that ran the panel's bundle
  const names = new Map();
  const panelThreads = new Set();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph === 'M' && e.name === 'thread_name') names.set(key, e.args.name);
    const url = e.args?.data?.url;
    if (url && url.includes('/assets/panel') && (e.name === 'FunctionCall' || e.name === 'EvaluateScript' || e.name === 'v8.compile')) panelThreads.add(key);
  }
  const tasks = events.filter((e) => e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && panelThreads.has(`${e.pid}:${e.tid}`) && names.get(`${e.pid}:${e.tid}`) === 'CrRendererMain');
  const cpu = tasks.map((t) => (t.tdur ?? 0) / 1000);
  const wall = tasks.map((t) => t.dur / 1000);
  const r1 = (x) => Math.round(x * 10) / 10;
  return {
    tasks: tasks.length,
    longest_ms: r1(Math.max(0, ...cpu)),
    over_50: cpu.filter((x) => x > 50).length,
    busy_ms: r1(cpu.reduce((a, b) => a + b, 0)),
    wall_longest_ms: r1(Math.max(0, ...wall)),
    wall_over_50: wall.filter((x) => x > 50).length,
  };
}

/** The sustained stream both browsers measure latency on (5,000 frames/s; 1 s in a smoke run). */
export const sustainedOf = (smoke) => (smoke ? { perSecond: 5000, seconds: 1 } : { perSecond: 5000, seconds: 10 });

/** Asks the bench server, from the page, for the sustained stream; resolves when it has ended. Arg: `rate:<n>:<s>`. */
export const SUSTAINED_REQUEST = `(q) => new Promise((done) => { const ws = new WebSocket('ws://' + location.host + '/burst'); ws.onopen = () => ws.send(q); ws.onmessage = (e) => { if (e.data.startsWith('rate-done')) { ws.close(); done(true); } }; })`;

/** The sustained run's figures from what the panel read (`PANEL_READ` of either browser). */
export function sustainedFigures(sustained, read) {
  return {
    per_second: sustained.perSecond,
    seconds: sustained.seconds,
    frames: read.latencies.length,
    latency_ms_median: round(median(read.latencies), 1),
    latency_ms_p99: round(pct(read.latencies, 99), 1),
    panel_long_task_ms: round(read.longest, 0),
  };
}

/** The results' headline figures, from the first scenario and the sustained run, and where they were taken. */
export function headline(results, { smoke, only, t0, machine }) {
  // BENCH_ONLY may name no scenario at all (only the memory and latency runs)
  const head = results.scenarios.burst20k ?? Object.values(results.scenarios)[0] ?? {};
  return {
    overhead_ratio_closed: head.ratio_closed ?? null,
    overhead_ratio_open: head.ratio_open ?? null,
    panel_ingest_per_s: head.panel_ingest_per_s ?? null,
    panel_long_task_ms: Math.max(...Object.values(results.scenarios).map((s) => s.panel_long_task_ms), results.sustained.panel_long_task_ms),
    latency_ms_median: results.sustained.latency_ms_median,
    latency_ms_p99: results.sustained.latency_ms_p99,
    smoke,
    ...(only ? { only } : {}),
    date: new Date().toISOString(),
    seconds: Math.round((Date.now() - t0) / 1000),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, mem_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, ...machine },
  };
}

/**
 * Panel-side source, spliced into each browser's probe where `w` (the panel window), `store` and `b` (the
 * bench's counters) are in scope: wraps the store's receive to time it and to read the latency of frames stamped by
 * the server. (Ingest is timed by the ingest queue where the build has one; see PANEL_READ.)
 */
export const WRAP_RECEIVE = `
    const receive = store.receive.bind(store);
    // the ingest queue hands the store a batch in parts, decoded: pass them on as they came
    store.receive = (m, events) => {
      const t = w.performance.now();
      receive(m, events);
      const dt = w.performance.now() - t;
      b.busy += dt;
      const n = store.log.nextId;
      if (n !== b.seen) {
        if (!b.first) b.first = t;
        b.last = t + dt;
        const now = Date.now();
        // frames stamped by the server ("r<n>@<ms>") give the frame-to-panel latency
        for (let id = Math.max(b.seen, store.log.base); id < n; id++) {
          const f = store.log.frames[id - store.log.base];
          const at = f && f.preview.indexOf('@');
          if (at > 0 && f.preview[0] === 'r') b.latencies.push(now - Number(f.preview.slice(at + 1)));
        }
        b.seen = n;
      }
    };
`;

/**
 * One scenario in the given browsers, runs interleaved (A B C, then C B A, ...) so machine drift hits every variant
 * alike, each run after the machine is quiet; the warm-up rounds are dropped. Returns each variant's runs.
 */
export async function interleaved(taking, { runs, warmup, pids }, oneRun) {
  const per = Object.fromEntries(taking.map((b) => [b.variant, []]));
  for (let r = 0; r < runs + warmup; r++) {
    const order = r % 2 ? [...taking].reverse() : taking;
    for (const v of order) {
      await waitQuiet(pids);
      const out = await oneRun(v);
      if (r >= warmup) per[v.variant].push(out);
    }
  }
  return per;
}

/** The panel's figures of a scenario, from what its probe read in each run of the `open` variant. */
export function panelFigures(panel) {
  return {
    panel_frames: median(panel.map((p) => p.ingested)),
    panel_decoded_frames: median(panel.map((p) => p.decoded)),
    panel_ingest_per_s: round(median(panel.map((p) => (p.ingested / p.busy) * 1000)), 0),
    panel_effective_per_s: round(median(panel.map((p) => (p.ingested / Math.max(1, p.span)) * 1000)), 0),
    // Chromium: the longest `longtask` entry; Firefox: the lag probe's longest lateness (it has no longtask entries)
    panel_long_task_ms: round(Math.max(...panel.map((p) => p.longest)), 0),
    // frames the panel never got in a run (the page's ring dropped them, or the panel's limit trimmed them)
    panel_dropped: Math.max(...panel.map((p) => p.dropped + p.trimmed)),
  };
}
