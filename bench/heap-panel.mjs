// npm run bench:heap-panel [-- <mode> <n>]: what the panel's heap holds after a burst, by object shape, from a heap
// snapshot of the panel's own document (not a guess). One Chromium with WS Lens and its panel open; a burst of `n`
// frames of burst.html's `mode` (text, sio, phx, bin), then a snapshot. Prints the heap before and after (as the
// benchmark's memory run reads it: usedJSHeapSize after gc()) and the shapes whose objects take the most bytes of
// their own: plain objects by their property names, strings, heap numbers, arrays.
import { chromeBuild } from './lib.mjs';
import { startServer } from '../test/e2e/lib/server.mjs';
import { launchChromium, waitFor } from '../test/e2e/lib/sessions.mjs';

const mode = process.argv[2] || 'text';
const n = Number(process.argv[3] || 100000);
const want = mode === 'sio' || mode === 'phx' ? n + 1 : n;
const HEAP = `(w) => { w.gc(); w.gc(); return w.performance.memory.usedJSHeapSize; }`;
const extDir = chromeBuild();
const server = await startServer();
const s = await launchChromium({ extDir, devtools: true, extraArgs: ['--enable-precise-memory-info', '--js-flags=--expose-gc'] });
try {
  await s.goto(`${server.origin}/blank.html`);
  await s.openPanel();
  const panelTarget = s.browser.targets().find((t) => t.url().includes('/panel/index.html'));
  const cdp = await panelTarget.createCDPSession();
  const first = await s.panelEval(`(w) => w.__wsLens.store.log.nextId`);
  const before = await s.panelEval(HEAP);
  const snapshot = async () => {
    let text = '';
    const onChunk = ({ chunk }) => (text += chunk);
    cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    return shapes(JSON.parse(text));
  };
  await cdp.send('HeapProfiler.enable');
  const was = await snapshot();
  await s.page.goto(`${server.origin}/burst.html?mode=${mode}&n=${n}`, { waitUntil: 'load' });
  await s.page.waitForFunction(() => window.__burstMs, { timeout: 180000, polling: 50 });
  await waitFor(async () => (await s.panelEval(`(w) => w.__wsLens.store.log.nextId`)) - first >= want, { timeout: 120000, message: 'the panel to ingest the burst' });
  await new Promise((r) => setTimeout(r, 500));
  const after = await s.panelEval(HEAP);
  console.log(`${mode} x${n}: panel heap ${(before / 1048576).toFixed(1)} -> ${(after / 1048576).toFixed(1)} MB, ${((((after - before) / 1048576) * 100000) / n).toFixed(1)} MB per 100k frames`);

  const now = await snapshot();
  const total = (m) => [...m.values()].reduce((n, g) => n + g.bytes, 0);
  console.log(`heap snapshots: ${(total(was) / 1048576).toFixed(1)} -> ${(total(now) / 1048576).toFixed(1)} MB; what grew most (MB, objects):`);
  const grew = [...now].map(([key, g]) => [key, g.bytes - (was.get(key)?.bytes ?? 0), g.count - (was.get(key)?.count ?? 0)]);
  for (const [key, bytes, count] of grew.sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`${(bytes / 1048576).toFixed(2).padStart(6)} ${String(count).padStart(9)}  ${key.slice(0, 160)}`);
} finally {
  await s.close();
  server.close?.();
}

/** self bytes and object count by shape */
function shapes(snap) {
  const { node_fields: nf, edge_fields: ef, node_types: [types], edge_types: [edgeTypes] } = snap.snapshot.meta;
  const N = nf.length;
  const E = ef.length;
  const [iType, iName, iSize, iEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f));
  const [eType, eName] = ['type', 'name_or_index'].map((f) => ef.indexOf(f));
  const { nodes, edges, strings } = snap;
  const groups = new Map();
  let edge = 0;
  for (let i = 0; i < nodes.length; i += N) {
    const type = types[nodes[i + iType]];
    const name = strings[nodes[i + iName]];
    const count = nodes[i + iEdges];
    let key;
    if (type === 'object' && name === 'Object') {
      const props = [];
      for (let k = 0; k < count; k++) {
        const e = edge + k * E;
        if (edgeTypes[edges[e + eType]] === 'property') props.push(strings[edges[e + eName]]);
      }
      key = `{${props.filter((p) => p !== '__proto__' && p !== 'map').join(',')}}`;
    } else if (type === 'object' || type === 'closure') key = `${type} ${name}`;
    else if (type === 'hidden' || type === 'code' || type === 'object shape') key = `${type} ${name.slice(0, 40)}`;
    else if (type === 'native' && process.env.HEAP_BUFFERS && name.includes('ArrayBufferData')) key = `native ${name} ${nodes[i + iSize]}`;
    else if (type === 'native') key = `native ${name.slice(0, 50)}`;
    else if (type === 'string' && process.env.HEAP_STRINGS) key = `string ${name.length > 24 ? 'len>24' : name.replace(/[0-9]/g, '#')}`;
    else key = type;
    const g = groups.get(key) || { count: 0, bytes: 0 };
    g.count++;
    g.bytes += nodes[i + iSize];
    groups.set(key, g);
    edge += count * E;
  }
  return groups;
}
