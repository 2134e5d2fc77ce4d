// npm run bench:profile: where the time goes when a budget is missed, from a Chrome trace (not a guess).
// One Chromium with WS Lens and its panel open, a burst of 100,000 small frames, a browser-wide trace of every
// process. It reports, for the page's main thread, the panel's main thread and the DevTools frontend, the total busy
// time and the tasks over 50 ms, each broken down by what ran inside them (script by file, layout, style, paint, GC,
// IPC). Writes bench/profile.json.
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../scripts/env.mjs';
import { chromeBuild } from './lib.mjs';
import { startServer } from '../test/e2e/lib/server.mjs';
import { launchChromium, waitFor } from '../test/e2e/lib/sessions.mjs';

const N = Number(process.argv[2] || 100000);
// WS_LENS_DIST: another build's dist directory (a before/after), as for npm run bench
const extDir = chromeBuild();
const server = await startServer();
const s = await launchChromium({ extDir, devtools: true });
// light categories: the trace itself must not become what it measures
const CATEGORIES = ['devtools.timeline', 'toplevel', '__metadata'];

const round = (x) => Math.round(x * 10) / 10;
try {
  await s.goto(`${server.origin}/blank.html`);
  await s.openPanel();
  // one warm-up burst, then the traced one
  for (const traced of [false, true]) {
    const cdp = traced ? await s.browser.target().createCDPSession() : undefined;
    const events = [];
    let done;
    if (cdp) {
      cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
      done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
      await cdp.send('Tracing.start', { traceConfig: { includedCategories: CATEGORIES, recordMode: 'recordAsMuchAsPossible' }, transferMode: 'ReportEvents' });
    }
    const ingested0 = await s.panelEval(`(w) => w.__wsLens.store.log.nextId`);
    await s.page.goto(`${server.origin}/burst.html?mode=text&n=${N}`, { waitUntil: 'load' });
    const pageMs = await s.page.waitForFunction(() => window.__burstMs, { timeout: 180000, polling: 50 }).then((h) => h.jsonValue());
    await waitFor(async () => (await s.panelEval(`(w) => w.__wsLens.store.log.nextId`)) - ingested0 >= N + 3, { timeout: 120000, message: 'the panel to ingest the burst' });
    await new Promise((r) => setTimeout(r, 500));
    if (!cdp) continue;
    await cdp.send('Tracing.end');
    await done;
    report(events, pageMs);
  }
} finally {
  await s.close();
  await server.close();
}

function report(events, pageMs) {
  // which renderer thread is which: the page's, the panel's, DevTools' own frontend
  const threadName = new Map();
  const urlsByThread = new Map();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph === 'M' && e.name === 'thread_name') threadName.set(key, e.args.name);
    const url = e.args?.data?.url || e.args?.data?.stackTrace?.[0]?.url;
    if (url && (e.name === 'FunctionCall' || e.name === 'EvaluateScript' || e.name === 'v8.compile')) {
      if (!urlsByThread.has(key)) urlsByThread.set(key, new Set());
      urlsByThread.get(key).add(url);
    }
  }
  const roleOf = (key) => {
    const urls = [...(urlsByThread.get(key) ?? [])];
    if (threadName.get(key) !== 'CrRendererMain') return undefined;
    if (urls.some((u) => u.includes('/assets/panel'))) return 'panel';
    if (urls.some((u) => u.startsWith('devtools://'))) return 'devtools frontend';
    if (urls.some((u) => u.includes('/burst.html'))) return 'page';
    return undefined;
  };
  const byThread = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || !e.dur) continue;
    const key = `${e.pid}:${e.tid}`;
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key).push(e);
  }
  const out = { frames: N, page_ms: pageMs, threads: {} };
  for (const [key, list] of byThread) {
    const role = roleOf(key);
    if (!role) continue;
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const tasks = list.filter((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask');
    const busy = tasks.reduce((n, t) => n + t.dur, 0) / 1000;
    const long = tasks.filter((t) => t.dur > 50_000);
    // What ran inside the given tasks, by the outermost event of each kind (script attributed to its file). One
    // sweep over the thread's events, sorted by start: linear, a 100k-frame trace has millions of events.
    const breakdown = (of) => {
      const inside = new Map();
      let i = 0;
      for (const t of of) {
        const end = t.ts + t.dur;
        while (i < list.length && list[i].ts < t.ts) i++;
        let coveredUntil = t.ts;
        for (let j = i; j < list.length && list[j].ts < end; j++) {
          const e = list[j];
          if (e === t || e.ts < coveredUntil || e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') continue;
          const file = e.args?.data?.url ? e.args.data.url.replace(/^.*\//, '').replace(/\?.*$/, '') : '';
          const label = ['FunctionCall', 'EvaluateScript', 'TimerFire', 'FireAnimationFrame', 'EventDispatch'].includes(e.name) ? `${e.name}${file ? ' ' + file : ''}` : e.name;
          inside.set(label, (inside.get(label) ?? 0) + e.dur / 1000);
          coveredUntil = e.ts + e.dur;
        }
      }
      return Object.fromEntries([...inside].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => [k, round(v)]));
    };
    // Self time by label over the whole run: each event minus its nested events (a stack sweep; events nest
    // properly on one thread). Shows script by file even when it runs inside a native event such as an IPC message.
    const selfTime = new Map();
    const stack = [];
    const labelOf = (e) => {
      const file = e.args?.data?.url ? e.args.data.url.replace(/^.*\//, '').replace(/\?.*$/, '') : '';
      return e.name === 'FunctionCall' || e.name === 'EvaluateScript' ? `script ${file || '(anonymous)'}` : e.name;
    };
    const close = (e) => selfTime.set(labelOf(e.ev), (selfTime.get(labelOf(e.ev)) ?? 0) + (e.ev.dur - e.children) / 1000);
    for (const e of list) {
      while (stack.length && stack[stack.length - 1].ev.ts + stack[stack.length - 1].ev.dur <= e.ts) close(stack.pop());
      if (stack.length) stack[stack.length - 1].children += e.dur;
      stack.push({ ev: e, children: 0 });
    }
    while (stack.length) close(stack.pop());
    selfTime.delete('RunTask');
    selfTime.delete('ThreadControllerImpl::RunTask');
    out.threads[role] = {
      self_time: Object.fromEntries([...selfTime].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => [k, round(v)])),
      busy_ms: round(busy),
      // thread time (tdur): what the task itself ran. On a starved machine a task's wall time is mostly waiting for
      // a core, and the longtask API (the benchmark's "longest panel task") only sees wall time.
      cpu_ms: round(tasks.reduce((n, t) => n + (t.tdur ?? 0), 0) / 1000),
      longest_cpu_ms: round(Math.max(0, ...tasks.map((t) => (t.tdur ?? 0) / 1000))),
      long_cpu_tasks: tasks.filter((t) => (t.tdur ?? 0) > 50_000).length,
      long_tasks: long.length,
      longest_ms: round(Math.max(0, ...long.map((t) => t.dur / 1000))),
      long_task_ms: round(long.reduce((n, t) => n + t.dur, 0) / 1000),
      inside_all_tasks: breakdown(tasks),
      inside_long_tasks: breakdown(long),
    };
  }
  fs.writeFileSync(path.join(root, 'bench', 'profile.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`burst of ${N} frames, page time ${round(pageMs)} ms (traced, so slower than the benchmark)`);
  for (const [role, t] of Object.entries(out.threads)) {
    console.log(`\n${role}: busy ${t.busy_ms} ms, ${t.long_tasks} tasks over 50 ms (longest ${t.longest_ms} ms, ${t.long_task_ms} ms in all)`);
    console.log(`  on its thread's clock: ${t.cpu_ms} ms, ${t.long_cpu_tasks} tasks over 50 ms, longest ${t.longest_cpu_ms} ms`);
    console.log('  self time:');
    for (const [k, v] of Object.entries(t.self_time)) console.log(`  ${String(v).padStart(8)} ms  ${k}`);
    console.log('  inside all its tasks:');
    for (const [k, v] of Object.entries(t.inside_all_tasks)) console.log(`  ${String(v).padStart(8)} ms  ${k}`);
    if (t.long_tasks) console.log('  inside the tasks over 50 ms:');
    for (const [k, v] of Object.entries(t.inside_long_tasks)) console.log(`  ${String(v).padStart(8)} ms  ${k}`);
  }
  console.log('\nwrote bench/profile.json');
}
