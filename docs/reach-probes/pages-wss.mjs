// /wss.html?variant=native|transform|pull|tee : WebSocketStream API shape + a backpressure measurement.
// The page reads ONE chunk of a 300 x 64 KiB burst, then stops reading for 2 s; the server then reports how much it
// could not hand to the kernel yet (ws.bufferedAmount): the more the browser side buffered, the smaller that is.
export function register(srv) {
  srv.pages.set('/wss.html', { type: 'text/html', body: (u) => `<!doctype html><html><head><meta charset="utf-8"><script>
window.__r = []; const add = (x) => window.__r.push(x);
const variant = ${JSON.stringify(u.searchParams.get('variant') || 'native')};
const URLX = 'ws://' + location.host + '/echo?wss=' + variant;
(async () => {
  const shape = { type: typeof WebSocketStream };
  if (typeof WebSocketStream !== 'function') { add({ who: 'shape', shape }); return; }
  shape.length = WebSocketStream.length;
  shape.proto = Object.getOwnPropertyNames(WebSocketStream.prototype).join(',');
  shape.protoAccessors = Object.entries(Object.getOwnPropertyDescriptors(WebSocketStream.prototype)).map(([k, d]) => k + (d.get ? ':get' : d.value ? ':' + typeof d.value : '')).join(',');
  shape.inWorker = await new Promise((res) => { const w = new Worker(URL.createObjectURL(new Blob(['postMessage(typeof WebSocketStream)']))); w.onmessage = (e) => res(e.data); });
  // signal aborted before open
  try { const ac = new AbortController(); const s0 = new WebSocketStream(URLX, { signal: ac.signal }); ac.abort(); await s0.opened; shape.abort = 'opened anyway'; } catch (e) { shape.abort = e.name + ': ' + e.message; }
  const s = new WebSocketStream(URLX, { protocols: [] });
  const o = await s.opened;
  shape.openedKeys = Object.keys(o).join(',') + ' protocol=' + JSON.stringify(o.protocol) + ' extensions=' + JSON.stringify(o.extensions);
  shape.readable = o.readable.constructor.name; shape.writable = o.writable.constructor.name;
  shape.url = s.url;
  const nativeWriter = o.writable.getWriter();
  shape.nativeDesiredSize = nativeWriter.desiredSize;
  nativeWriter.releaseLock();
  let readable = o.readable, writable = o.writable, pulls = 0;
  if (variant === 'transform') {
    readable = o.readable.pipeThrough(new TransformStream({ transform(c, ctl) { pulls++; ctl.enqueue(c); } }));
    const t = new TransformStream({ transform(c, ctl) { ctl.enqueue(c); } }); t.readable.pipeTo(o.writable); writable = t.writable;
  } else if (variant === 'pull') {
    const r = o.readable.getReader();
    readable = new ReadableStream({ async pull(ctl) { pulls++; const { value, done } = await r.read(); if (done) ctl.close(); else ctl.enqueue(value); }, cancel(why) { return r.cancel(why); } }, { highWaterMark: 0 });
    const w = o.writable.getWriter();
    writable = new WritableStream({ async write(c) { await w.ready; return w.write(c); }, close() { return w.close(); }, abort(e) { return w.abort(e); } }, { highWaterMark: 1 });
  } else if (variant === 'tee') {
    const [a, b] = o.readable.tee(); readable = a; (async () => { const rb = b.getReader(); for (;;) { const { done } = await rb.read(); if (done) break; pulls++; } })();
  }
  const wr = writable.getWriter();
  shape.wrappedDesiredSize = wr.desiredSize;
  await wr.write('burst:300:65536');
  const rd = readable.getReader();
  const first = await rd.read();
  shape.firstChunk = first.value && (first.value.byteLength ?? first.value.length) + ' ' + Object.prototype.toString.call(first.value);
  window.__stalled = Date.now();
  await new Promise((r) => setTimeout(r, 2000));
  const pullsAtStall = pulls;
  window.__measure = true;
  await new Promise((r) => setTimeout(r, 500)); // the server samples bufferedAmount now
  let n = 1; for (; n < 300; n++) { const x = await rd.read(); if (x.done) break; }
  wr.releaseLock(); rd.releaseLock();
  s.close({ closeCode: 4001, reason: 'bye' });
  const closed = await s.closed;
  add({ who: 'wss-' + variant, shape, pullsAtStall, readTotal: n, closed: JSON.stringify(closed) });
})().catch((e) => add({ who: 'wss-' + variant, error: String(e) }));
</script></head><body>wss</body></html>` });
}
