// npm run bench -- --soak: a long sustained stream with the panel open (issue 15's soak; not in CI).
// SOAK_SECONDS (600) at SOAK_RATE frames/s (5,000) from the local server, the panel's default frame limit. Every
// SOAK_SAMPLE_SECONDS (30) it samples the panel's JS heap and the page's heap (both after a GC), the rows the panel
// keeps, what its limit trimmed, what the page's ring dropped, and the longest panel task since the last sample.
// Goals: panel and page heap flat once the limit has filled (growth from the first sample after it filled to the
// last at most 10 %, or 5 MB), no panel task over 50 ms, nothing lost but what the limit drops.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../scripts/env.mjs';
import { startServer } from '../test/e2e/lib/server.mjs';
import { launchChromium, waitFor } from '../test/e2e/lib/sessions.mjs';
import { chromeBuild, pageHeapMB } from './lib.mjs';

const SECONDS = Number(process.env.SOAK_SECONDS || 600);
const RATE = Number(process.env.SOAK_RATE || 5000);
const SAMPLE_S = Number(process.env.SOAK_SAMPLE_SECONDS || 30);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

const extDir = chromeBuild();
const server = await startServer();
const s = await launchChromium({ extDir, devtools: true, extraArgs: ['--enable-precise-memory-info', '--js-flags=--expose-gc'] });

// the panel's longest task since the last read, from a longtask observer installed once
const PANEL_START = `(w) => {
  const b = (w.__soak = { longest: 0, startId: w.__wsLens.store.log.nextId });
  new w.PerformanceObserver((l) => { for (const e of l.getEntries()) b.longest = Math.max(b.longest, e.duration); }).observe({ type: 'longtask', buffered: false });
  return true;
}`;
const PANEL_SAMPLE = `(w) => {
  if (w.gc) { w.gc(); w.gc(); }
  const b = w.__soak;
  const log = w.__wsLens.store.log;
  const out = { heap: w.performance.memory.usedJSHeapSize, rows: log.frames.length, ingested: log.nextId - b.startId, trimmed: log.trimmed, droppedInPage: log.droppedInPage, longest: b.longest };
  b.longest = 0;
  return out;
}`;

/** One sample of the panel and the page, `started` being when the stream was asked for. */
async function sample(started) {
  const p = await s.panelEval(PANEL_SAMPLE);
  return { at_s: Math.round((Date.now() - started) / 1000), panel_heap_mb: round(p.heap / 1048576), page_heap_mb: round(await pageHeapMB(s)), rows: p.rows, ingested: p.ingested, trimmed: p.trimmed, dropped_in_page: p.droppedInPage, longest_task_ms: Math.round(p.longest) };
}

const t0 = Date.now();
const samples = [];
let sent;
try {
  await s.goto(`${server.origin}/blank.html`);
  await s.openPanel();
  await waitFor(() => s.panelEval(`(w) => !!w.__wsLens?.store`), { message: 'the panel' });
  await s.panelEval(PANEL_START);
  // the stream's last frame says how many the server sent
  await s.pageEval(`(q) => { window.__soakSent = null; const ws = new WebSocket('ws://' + location.host + '/burst'); ws.onopen = () => ws.send(q); ws.onmessage = (e) => { if (e.data.startsWith('rate-done:')) { window.__soakSent = Number(e.data.slice(10)); ws.close(); } }; return true; }`, `rate:${RATE}:${SECONDS}`);
  const started = Date.now();
  for (let at = SAMPLE_S; ; at += SAMPLE_S) {
    await sleep(Math.max(0, started + at * 1000 - Date.now()));
    samples.push(await sample(started));
    console.log(JSON.stringify(samples[samples.length - 1]));
    sent = await s.pageEval(`() => window.__soakSent`);
    if (sent !== null) break;
  }
  // the panel may still be taking the last batches
  await sleep(2000);
  samples.push(await sample(started));
} finally {
  await s.close().catch(() => {});
  await server.close();
}

const end = samples[samples.length - 1];
const filled = samples.find((x) => x.trimmed > 0);
const growth = (key) => (filled ? round(end[key] - filled[key]) : null);
const flat = (key) => filled !== undefined && end[key] - filled[key] <= Math.max(5, filled[key] * 0.1);
// the socket's rows: created, open, the request, the frames, rate-done, closing (the page's close()) and close;
// every one ingested, or counted as dropped by the page's ring
const expected = sent + 6;
const lost = expected - end.ingested - end.dropped_in_page;
const result = {
  seconds: SECONDS,
  rate: RATE,
  sent,
  expected_rows: expected,
  ingested: end.ingested,
  dropped_in_page: end.dropped_in_page,
  trimmed_by_limit: end.trimmed,
  lost,
  limit_filled_at_s: filled?.at_s ?? null,
  panel_heap_growth_mb_after_fill: growth('panel_heap_mb'),
  page_heap_growth_mb_after_fill: growth('page_heap_mb'),
  longest_panel_task_ms: Math.max(...samples.map((x) => x.longest_task_ms)),
  samples,
  date: new Date().toISOString(),
  wall_seconds: Math.round((Date.now() - t0) / 1000),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, chromium: s.version },
};
const goals = [
  ['panel heap flat after the limit filled', flat('panel_heap_mb')],
  ['page heap flat after the limit filled', flat('page_heap_mb')],
  ['no panel task over 50 ms', result.longest_panel_task_ms <= 50],
  ['nothing lost but what the limit drops', lost === 0],
];
result.goals = Object.fromEntries(goals);
console.log(`\nsoak: ${SECONDS} s at ${RATE}/s, ${sent} frames sent; limit filled at ${result.limit_filled_at_s ?? '-'} s`);
console.log(`panel heap ${filled?.panel_heap_mb ?? '-'} -> ${end.panel_heap_mb} MB, page heap ${filled?.page_heap_mb ?? '-'} -> ${end.page_heap_mb} MB after the limit filled`);
console.log(`rows ingested ${end.ingested} of ${expected}, trimmed by the limit ${end.trimmed}, dropped by the page's ring ${end.dropped_in_page}, lost ${lost}; longest panel task ${result.longest_panel_task_ms} ms`);
for (const [name, ok] of goals) console.log(`  ${ok ? 'PASS' : 'MISS'}  ${name}`);
const out = process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : path.join(root, 'bench', 'results-soak.json');
fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
console.log(`wrote ${path.relative(root, out)}`);
