// A seeded page-side fuzz. pages/fuzz.html performs a random sequence of actions on a few sockets to /fuzz (an echo
// that logs every frame's content): sends of every data type, buffers mutated or transferred right after a send or a
// receive, page-made events, closes with codes, and prototype tampering planted and removed. Part of the run happens
// before the panel opens (the page ring replays it), the rest with the panel open. Then:
//   1. nothing reached the page: no error at window (error, unhandledrejection), no action threw, the errors it
//      provoked on purpose carry no extension frame, and no tampering hook fired outside the page's own code
//      (natively only the page itself reaches them) and nothing it handed over was converted twice;
//   2. per socket, the frames the panel lists as sent are exactly what the server got, and those it lists as
//      received are exactly what the page's socket delivered (the server's echoes), in order;
//   3. page-made events are no received frames, and a page-made close never marks an open socket closed.
// The seed is printed; FUZZ_SEED=<n> replays another, FUZZ_ACTIONS=<n> changes the length. On a failure the whole
// record goes to artifacts/fuzz-<browser>-<seed>.json, and the same seed is run without the extension: if the
// page's own checks fail there too, the page (or the browser) is at fault, not the hook.
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../../scripts/env.mjs';
import { launchSession } from './lib/sessions.mjs';
import { scenario } from './lib/suite.mjs';

const DEFAULT_SEED = 20240611;

const panelRecordSrc = `(w, run) => {
  const log = w.__wsLens.store.log;
  const socks = {};
  for (const [key, s] of log.sockets) if (s.url.includes('run=' + run + '&')) socks[key] = { url: s.url, state: s.state, code: s.code, reason: s.reason, errored: s.errored };
  const frames = [];
  for (const f of log.frames) {
    if (!socks[f.socketKey]) continue;
    const p = f.payload;
    frames.push({ key: f.socketKey, dir: f.direction, kind: f.kind, label: f.label, origin: f.origin, discarded: f.discarded, preview: f.direction === 'event' ? f.preview : undefined, type: p && p.type, data: p && p.data, size: p && p.size, truncated: p && p.truncated });
  }
  return JSON.stringify({ socks, frames, trimmed: log.trimmed, droppedInPage: log.droppedInPage });
}`;
const panelHasSrc = `(w, markers) => {
  const have = new Set();
  for (const f of w.__wsLens.store.log.frames) if (f.direction === 'received' && f.payload && f.payload.type === 'text' && markers.includes(f.payload.data)) have.add(f.payload.data);
  return have.size === markers.length;
}`;

/** one canonical string per frame: 'T:' text or 'B:' hex */
const fromPage = (x) => (x.t === 'text' ? 'T:' + x.v : x.t === 'bin' ? 'B:' + x.hex : 'O:' + x.v);
/** what the socket puts on the wire for a page's send: a USVString (lone surrogates become U+FFFD) */
const pageSendOnWire = (x) => (x.t === 'text' ? 'T:' + x.v.toWellFormed() : fromPage(x));
const fromWire = (x) => (x.binary ? 'B:' + x.hex : 'T:' + x.text);
const fromPanel = (f) =>
  (f.type === 'text' ? 'T:' + f.data : 'B:' + Buffer.from(f.data || '', 'base64').toString('hex')) + (f.truncated ? ` …(cut, ${f.size})` : '');
const short = (c) => {
  const body = JSON.stringify(c.slice(2));
  return `${c[0]}${c.length > 62 ? `${body.slice(0, 60)}…(${c.length - 2})` : body}`;
};

/** The first difference of two sequences, and what each has that the other has not (as multisets). */
function seqDiff(expected, actual) {
  if (expected.length === actual.length && expected.every((x, i) => x === actual[i])) return undefined;
  let i = 0;
  while (i < expected.length && i < actual.length && expected[i] === actual[i]) i++;
  const count = (a) => a.reduce((m, x) => m.set(x, (m.get(x) || 0) + 1), new Map());
  const ce = count(expected);
  const ca = count(actual);
  const extra = [];
  const missing = [];
  for (const [x, n] of ca) for (let j = 0; j < n - (ce.get(x) || 0); j++) extra.push(x);
  for (const [x, n] of ce) for (let j = 0; j < n - (ca.get(x) || 0); j++) missing.push(x);
  const list = (a) => a.slice(0, 4).map(short).join(', ') + (a.length > 4 ? `, … (${a.length})` : '');
  return (
    `${expected.length} expected, ${actual.length} shown; first difference at #${i}: expected ${i < expected.length ? short(expected[i]) : '(end)'}, shown ${i < actual.length ? short(actual[i]) : '(end)'}` +
    (extra.length ? `; ${extra.length} shown but not carried: ${list(extra)}` : '') +
    (missing.length ? `; ${missing.length} carried but not shown: ${list(missing)}` : '') +
    (!extra.length && !missing.length ? '; same frames, other order' : '')
  );
}

const EXT_FRAME = /extension:\/\/|<anonymous code>/;
/** the line of a stack that names the hook (or the first after the tampering hook's own) */
const hookLine = (stack) => {
  const lines = String(stack).split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => EXT_FRAME.test(l)) || lines.slice(1, 3).join(' < ') || '(no stack)';
};

/**
 * Firefox's one known leak (README, Known limits): an error the browser throws through a wrapper has one top frame
 * `name@<anonymous code>:L:C` (no URL) and, for a TypeError, a fileName pointing at it. Nothing else is let through:
 * an extension URL, or a second hook frame anywhere, still fails.
 */
const FIREFOX_TRAP_FRAME = /^[^@\n]*@<anonymous code>:\d+:\d+\n/;
const withoutKnownFirefoxFrame = (d) => ({ stack: String(d.stack).replace(FIREFOX_TRAP_FRAME, ''), fileName: d.fileName === '<anonymous code>' ? '' : d.fileName });

/** What the page alone can tell: errors, leaks, double reads, and its sends and receipts against the server's log. */
export function pageChecks(page, wireOf, browserName) {
  const out = [];
  for (const e of page.errors) out.push(`(1) an error reached the page (${e.kind}, action #${e.action} ${e.actionName}): ${e.message} at ${e.filename}:${e.lineno} ${hookLine(e.stack)}`);
  for (const e of page.actionErrors) out.push(`(1) action #${e.action} ${e.name} threw: ${e.message} ${hookLine(e.stack)}`);
  for (const d of page.deliberate) {
    if (!d.threw) out.push(`(1) action #${d.action} ${d.which} should throw (natively it does) and did not`);
    else if (browserName === 'firefox' && !EXT_FRAME.test(withoutKnownFirefoxFrame(d).stack) && !EXT_FRAME.test(withoutKnownFirefoxFrame(d).fileName || '')) continue;
    else if (EXT_FRAME.test(d.stack) || EXT_FRAME.test(d.fileName || '')) out.push(`(1) the ${d.name} of action #${d.action} ${d.which} shows the hook: ${hookLine(d.stack)}${EXT_FRAME.test(d.fileName || '') ? ` (fileName ${d.fileName})` : ''}`);
  }
  if (page.leakCount) {
    const by = new Map();
    for (const l of page.leaks) {
      const k = `${l.name} (${l.inside === 'ws' ? 'inside a WebSocket call' : 'outside page code'})`;
      if (!by.has(k)) by.set(k, { n: 0, first: l });
      by.get(k).n++;
    }
    out.push(`(1) ${page.leakCount} tampering hooks fired outside the page's own code (the page learns the hook is there):`);
    for (const [k, { n, first }] of [...by].slice(0, 12)) out.push(`      ${n}× ${k}, first at action #${first.action} ${first.actionName} (phase ${first.phase}): ${hookLine(first.stack)}`);
    if (by.size > 12) out.push(`      … ${by.size - 12} more kinds`);
  }
  for (const r of page.readViolations) out.push(`(1) read more than once, action #${r.action}: ${r.what}`);
  for (const sock of page.sockets) {
    const wire = wireOf(sock).filter((x) => x.close === undefined).map(fromWire);
    const sent = sock.sends.map(pageSendOnWire);
    const d = seqDiff(sent, wire);
    if (d) out.push(`(2) k=${sock.k}: what the page sent vs what the server got: ${d}`);
    const recv = sock.recv.map(fromPage);
    const echoed = sock.close ? wire.slice(0, recv.length) : wire;
    const r = seqDiff(echoed, recv);
    if (r) out.push(`(2) k=${sock.k}: the server's echoes vs what the page's socket delivered: ${r}`);
  }
  return out;
}

/** What the panel shows against what the sockets carried. */
export function panelChecks(page, panel) {
  const out = [];
  const byK = new Map();
  for (const [key, s] of Object.entries(panel.socks)) byK.set(Number(new URL(s.url).searchParams.get('k')), { key, ...s });
  const seen = new Set();
  const other = (f) => f.origin !== undefined;
  const pageMade = (f) => f.origin === 'page';
  for (const sock of page.sockets) {
    const ps = byK.get(sock.k);
    if (!ps) {
      out.push(`(2) k=${sock.k}: the panel does not list this socket`);
      continue;
    }
    seen.add(sock.k);
    const frames = panel.frames.filter((f) => f.key === ps.key);
    const wire = page.wireOf(sock).filter((x) => x.close === undefined).map(fromWire);
    const shownSent = frames.filter((f) => f.dir === 'sent' && !other(f) && !f.discarded).map(fromPanel);
    const d = seqDiff(wire, shownSent);
    if (d) out.push(`(2) k=${sock.k}: sent frames in the panel vs what the server got: ${d}`);
    // send() on a closing or closed socket carries nothing: the panel lists exactly those, marked as discarded
    const discarded = frames.filter((f) => f.dir === 'sent' && f.discarded).map(fromPanel);
    const dd = seqDiff(sock.afterClose.map((t) => 'T:' + t), discarded);
    if (dd) out.push(`(2) k=${sock.k}: sends after close() vs the frames the panel marks as discarded: ${dd}`);
    const recv = sock.recv.map(fromPage);
    const shownRecv = frames.filter((f) => f.dir === 'received' && !other(f)).map(fromPanel);
    const r = seqDiff(recv, shownRecv);
    if (r) {
      const made = new Set(sock.dispatched.map((x) => 'T:' + x));
      const fakes = shownRecv.filter((c) => made.has(c) && !recv.includes(c)).length;
      out.push(`(${fakes ? 3 : 2}) k=${sock.k}: received frames in the panel vs what the socket delivered: ${r}${fakes ? ` (${fakes} of them page-made: ${sock.dispatched.length} dispatched)` : ''}`);
    }
    const closes = frames.filter((f) => f.dir === 'event' && f.label === 'close' && !pageMade(f));
    if (!sock.close) {
      if (closes.length || ps.state === 'closed')
        out.push(`(3) k=${sock.k}: the page's socket is ${['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'][sock.readyState]} (${sock.fakeCloses} page-made close events, ${sock.fakeClosesWhileOpen} while OPEN) but the panel shows it ${ps.state} with ${closes.length} close events: ${closes.map((f) => f.preview).join('; ')}`);
    } else if (closes.length !== 1 || ps.code !== sock.close.code)
      out.push(`(3) k=${sock.k}: closed with ${sock.close.code} (${sock.fakeCloses} page-made close events), the panel shows code ${ps.code} and ${closes.length} close events: ${closes.map((f) => f.preview).join('; ')}`);
    const errs = frames.filter((f) => f.dir === 'event' && f.label === 'error' && !pageMade(f)).length;
    if (errs !== sock.errors) out.push(`(3) k=${sock.k}: ${sock.errors} error events from the browser (${sock.fakeErrors} page-made), the panel shows ${errs}`);
  }
  for (const k of byK.keys()) if (!seen.has(k)) out.push(`(2) the panel lists a socket k=${k} the page never made`);
  if (panel.droppedInPage || panel.trimmed) out.push(`(2) the panel lost frames: ${panel.droppedInPage} dropped in the page, ${panel.trimmed} trimmed`);
  return out;
}

/** Run the fuzz page to the end; with `panel`, open it once phase 1 is done. */
export async function runFuzzPage(s, { origin, seed, run, n1, n2, panel }) {
  await s.goto(`${origin}/fuzz.html?seed=${seed}&run=${encodeURIComponent(run)}&n1=${n1}&n2=${n2}`);
  await s.waitForPage(`() => window.__fuzzState === 'phase1-done' || window.__fuzzState === 'done'`, { timeout: 40000 });
  if (panel) await s.openPanel();
  await s.pageEval(`() => { window.__fuzzGo = true; return true; }`);
  await s.waitForPage(`() => window.__fuzzState === 'done'`, { timeout: 40000 });
  const page = JSON.parse(await s.pageEval(`() => window.__fuzzResult`));
  if (page.failed) throw new Error(`the fuzz page failed: ${page.failed}`);
  return page;
}

/** Seeded page-side fuzz with tampering, before and with the panel open: see the top of this file. */
scenario('a seeded page-side fuzz changes nothing for the page and the panel shows what the sockets carried', async (s, panel, { origin, server, browserName }) => {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : DEFAULT_SEED;
  const total = Number(process.env.FUZZ_ACTIONS || 400);
  const n1 = Math.round(total * 0.4);
  const n2 = total - n1;
  console.log(`    fuzz seed ${seed}${process.env.FUZZ_SEED ? ' (FUZZ_SEED)' : ''}, ${n1} + ${n2} actions; replay with FUZZ_SEED=${seed}`);
  const run = `${browserName}-${seed}-${Date.now()}`;
  const wireOf = (r) => (sock) => server.fuzzWire(`?run=${encodeURIComponent(r)}&k=${sock.k}`);
  const page = await runFuzzPage(s, { origin, seed, run, n1, n2, panel: true });
  page.wireOf = wireOf(run);

  // the panel has caught up once it shows every end marker the open sockets echoed
  const markers = page.sockets.filter((x) => !x.close).map((x) => `fuzz-end-k${x.k}`);
  let caughtUp = true;
  await panel.waitFor(`(w) => (${panelHasSrc})(w, ${JSON.stringify(markers)})`, { timeout: 15000 }).catch(() => (caughtUp = false));
  await new Promise((r) => setTimeout(r, 300));
  const shown = JSON.parse(await panel.eval(panelRecordSrc, run));

  const failures = [...pageChecks(page, page.wireOf, browserName), ...(caughtUp ? [] : ['(2) the panel never showed the end markers the sockets echoed']), ...panelChecks(page, shown)];
  const socketsLine = `${page.sockets.length} sockets, ${page.sockets.reduce((n, x) => n + x.sends.length, 0)} frames sent, ${page.sockets.reduce((n, x) => n + x.recv.length, 0)} received, ${page.pageHits} tampering hits by the page itself`;
  if (!failures.length) {
    console.log(`    fuzz: ${socketsLine}; all checks pass`);
    return;
  }
  const file = path.join(root, 'artifacts', `fuzz-${browserName}-${seed}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    JSON.stringify({ seed, failures, page: { ...page, wire: Object.fromEntries(page.sockets.map((x) => [x.k, page.wireOf(x)])) }, panel: shown }, null, 1),
  );
  // the same seed without the extension: the page's own checks must pass there
  let native;
  try {
    const plain = await launchSession(browserName, {});
    try {
      const nrun = `${run}-native`;
      const np = await runFuzzPage(plain, { origin, seed, run: nrun, n1, n2, panel: false });
      const nf = pageChecks(np, wireOf(nrun), browserName);
      native = nf.length ? `WITHOUT the extension the page's own checks fail too (the page or the browser is at fault):\n      ${nf.join('\n      ')}` : `without the extension the page's own checks pass`;
    } finally {
      await plain.close();
    }
  } catch (e) {
    native = `the run without the extension failed: ${e.message}`;
  }
  console.log(`    fuzz seed ${seed}: ${socketsLine}; ${failures.length} failures (${native.split('\n')[0]}):\n      ${failures.join('\n      ')}${native.includes('\n') ? '\n    ' + native : ''}\n    record: ${path.relative(root, file)}`);
  const kinds = [...new Set(failures.map((f) => (/^\((\d)\)/.exec(f) || [])[1]).filter(Boolean))].sort();
  throw new Error(`fuzz seed ${seed} (FUZZ_SEED=${seed}): ${failures.length} failures in checks ${kinds.join(', ')}; ${native.split('\n')[0]}; see above and ${path.relative(root, file)}`);
});
