// chrome.debugger probe: attach to a tab, auto-attach (flatten) to its workers, paused at start; evaluate a hook, then run.
const HOOK = `(() => { if (self.__wsl) { self.__wsl.push('again'); return 'again'; } self.__wsl = ['cdp']; const N = self.WebSocket;
  const W = function WebSocket(...a) { self.__wslCount = (self.__wslCount || 0) + 1; return Reflect.construct(N, a, new.target || W); };
  W.prototype = N.prototype; self.WebSocket = W;
  /* a private channel: capture the CDP binding, then remove it from the global */
  const b = self.__wslBind; try { delete self.__wslBind; } catch {} if (b) b(JSON.stringify({ hello: String(self.location) }));
  return 'hooked ' + self.location; })()`;
globalThis.events = [];
const log = (o) => globalThis.events.push({ t: Date.now(), ...o });
globalThis.opts = { nested: true, binding: true, hook: true };
const pendingInstr = new Map();
chrome.debugger.onEvent.addListener(async (source, method, params) => {
  if (method === 'Debugger.paused' && pendingInstr.has(source.sessionId)) {
    const url = pendingInstr.get(source.sessionId); pendingInstr.delete(source.sessionId);
    try {
      const r = await chrome.debugger.sendCommand(source, 'Runtime.evaluate', { expression: HOOK, returnByValue: true });
      log({ ev: 'evaluated-at-instr-pause', reason: params.reason, data: params.data, url: url.slice(0, 60), r: r.result && r.result.value, ex: r.exceptionDetails && r.exceptionDetails.text });
      await chrome.debugger.sendCommand(source, 'Debugger.removeBreakpoint', { breakpointId: params.hitBreakpoints?.[0] || '' }).catch(() => {});
      await chrome.debugger.sendCommand(source, 'Debugger.disable');
      await chrome.debugger.sendCommand(source, 'Debugger.resume').catch((e) => log({ ev: 'resumeErr', e: String(e) }));
    } catch (e) { log({ ev: 'instrErr', e: String(e) }); }
    return;
  }
  if (globalThis.opts.verbose && source.sessionId) log({ ev: 'event', session: source.sessionId.slice(0, 6), method, reason: params.reason });
  if (method === 'Runtime.bindingCalled') { log({ ev: 'binding', session: source.sessionId, payload: params.payload }); return; }
  if (method === 'Fetch.requestPaused') {
    const { requestId, request, resourceType, responseHeaders, responseStatusCode } = params;
    log({ ev: 'requestPaused', url: request.url.replace(/^.*\/w\//, '/w/'), resourceType, session: source.sessionId ? source.sessionId.slice(0, 6) : 'tab', dest: request.headers['Sec-Fetch-Dest'] });
    try {
      if (/shared/.test(request.url) && globalThis.opts.fetchPatch) {
        const body = await chrome.debugger.sendCommand(source, 'Fetch.getResponseBody', { requestId });
        const text = body.base64Encoded ? atob(body.body) : body.body;
        const patched = (globalThis.opts.fetchHook === 'none' ? '' : globalThis.opts.fetchHook === 'marker' ? "self.__wsl = ['fetch-marker'];" : HOOK.replace(/\n\s*/g, ' ') + ';') + text; // same line: no line shift
        await chrome.debugger.sendCommand(source, 'Fetch.fulfillRequest', { requestId, responseCode: responseStatusCode, responseHeaders, body: btoa(patched) });
        log({ ev: 'fulfilled patched', url: request.url.slice(-20) });
      } else await chrome.debugger.sendCommand(source, 'Fetch.continueRequest', { requestId });
    } catch (e) { log({ ev: 'fetchHandleErr', e: String(e) }); }
    return;
  }
  if (method === 'Target.targetCreated' && params.targetInfo.type === 'shared_worker') {
    const ti = params.targetInfo;
    log({ ev: 'targetCreated', type: ti.type, url: ti.url, attached: ti.attached });
    try { const r = await chrome.debugger.sendCommand({ tabId: source.tabId }, 'Target.attachToTarget', { targetId: ti.targetId, flatten: true }); log({ ev: 'attachToTarget ok', r }); }
    catch (e) { log({ ev: 'attachToTargetErr', e: String(e) }); }
    try { await chrome.debugger.attach({ targetId: ti.targetId }, '1.3'); log({ ev: 'debugger.attach(targetId) ok' });
      const r = await chrome.debugger.sendCommand({ targetId: ti.targetId }, 'Runtime.evaluate', { expression: 'String(self.__wsl) + " " + location.href', returnByValue: true }); log({ ev: 'late eval in shared worker', r: r.result.value }); }
    catch (e) { log({ ev: 'debugger.attach(targetId) err', e: String(e) }); }
    return;
  }
  if (method !== 'Target.attachedToTarget') { if (method.startsWith('Target.')) log({ ev: method, p: params.targetInfo ? params.targetInfo.type + ' ' + params.targetInfo.url : params }); return; }
  const { sessionId, targetInfo, waitingForDebugger } = params;
  const child = { tabId: source.tabId, sessionId };
  log({ ev: 'attached', type: targetInfo.type, url: targetInfo.url.slice(0, 80), waitingForDebugger, parent: source.sessionId || 'tab' });
  const o = globalThis.opts;
  if (targetInfo.type === 'iframe' || targetInfo.type === 'page') {
    // an out-of-process iframe: only propagate auto-attach into it (its document has the content-script hook)
    chrome.debugger.sendCommand(child, 'Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }).catch((e) => log({ ev: 'iframe autoAttach err', e: String(e) }));
    chrome.debugger.sendCommand(child, 'Runtime.runIfWaitingForDebugger').catch((e) => log({ ev: 'iframe run err', e: String(e) }));
    return;
  }
  if (o.noawait || (o.noawaitSW && targetInfo.type === 'service_worker')) {
    // queue everything, then let it run: the worker thread processes the queue before its script
    const q = (m, p) => chrome.debugger.sendCommand(child, m, p).then(() => o.verbose && log({ ev: 'done ' + m, session: sessionId.slice(0, 6) }), (e) => log({ ev: 'qErr ' + m, e: String(e) }));
    if (o.binding) q('Runtime.addBinding', { name: '__wslBind' });
    if (o.nested) q('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true });
    q('Debugger.enable'); q('Debugger.setInstrumentationBreakpoint', { instrumentation: 'beforeScriptExecution' });
    pendingInstr.set(sessionId, targetInfo.url);
    q('Runtime.runIfWaitingForDebugger');
    return;
  }
  try {
    if (o.nested) await chrome.debugger.sendCommand(child, 'Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true });
    if (o.binding) await chrome.debugger.sendCommand(child, 'Runtime.addBinding', { name: '__wslBind' });
    if (o.runtimeEnable) await chrome.debugger.sendCommand(child, 'Runtime.enable');
    if (o.instr) {
      // pause before the worker's first script, evaluate there, resume
      await chrome.debugger.sendCommand(child, 'Debugger.enable');
      await chrome.debugger.sendCommand(child, 'Debugger.setInstrumentationBreakpoint', { instrumentation: 'beforeScriptExecution' });
      pendingInstr.set(sessionId, targetInfo.url);
    } else if (o.hook) { const r = await chrome.debugger.sendCommand(child, 'Runtime.evaluate', { expression: HOOK, returnByValue: true });
      log({ ev: 'evaluated', url: targetInfo.url.slice(0, 60), r: r.result && r.result.value, ex: r.exceptionDetails && r.exceptionDetails.text }); }
  } catch (e) { log({ ev: 'err', url: targetInfo.url.slice(0, 60), e: String(e) }); }
  if (o.verbose) log({ ev: 'prepared', session: sessionId.slice(0, 6), type: targetInfo.type });
  try { await chrome.debugger.sendCommand(child, 'Runtime.runIfWaitingForDebugger'); if (o.verbose) log({ ev: 'ran', session: sessionId.slice(0, 6) }); } catch (e) { log({ ev: 'runErr', e: String(e) }); }
});
chrome.debugger.onDetach.addListener((source, reason) => log({ ev: 'detach', source, reason }));
globalThis.attach = async (url) => {
  const [tab] = await chrome.tabs.query({ url });
  const target = { tabId: tab.id };
  try { await chrome.debugger.attach(target, '1.3'); } catch (e) { log({ ev: 'attachErr', e: String(e) }); return 'attachErr ' + e; }
  try { await chrome.debugger.sendCommand(target, 'Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }); }
  catch (e) { log({ ev: 'autoAttachErr', e: String(e) }); return 'autoAttachErr ' + e; }
  log({ ev: 'tab-attached', tabId: tab.id });
  if (globalThis.opts.lateShared) (async () => {
    const seen = new Set();
    for (let i = 0; i < 40; i++) {
      const ts = await chrome.debugger.getTargets();
      for (const t of ts) if (t.type === 'worker' && /shared/.test(t.url) && !seen.has(t.id)) {
        seen.add(t.id);
        try { await chrome.debugger.attach({ targetId: t.id }, '1.3');
          const r = await chrome.debugger.sendCommand({ targetId: t.id }, 'Runtime.evaluate', { expression: HOOK, returnByValue: true });
          log({ ev: 'late attach to shared worker', after: i * 100 + ' ms', r: r.result && r.result.value });
        } catch (e) { log({ ev: 'late attach err', e: String(e) }); }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  if (globalThis.opts.fetch) {
    try { await chrome.debugger.sendCommand(target, 'Fetch.enable', { patterns: [{ urlPattern: '*/w/*', requestStage: 'Response' }] }); log({ ev: 'fetch on' }); }
    catch (e) { log({ ev: 'fetchErr', e: String(e) }); }
  }
  if (globalThis.opts.discover) {
    try { await chrome.debugger.sendCommand(target, 'Target.setDiscoverTargets', { discover: true }); log({ ev: 'discover on' }); }
    catch (e) { log({ ev: 'discoverErr', e: String(e) }); }
  }
  return 'ok ' + tab.id;
};
globalThis.targets = () => new Promise((r) => chrome.debugger.getTargets((ts) => r(ts.map((t) => `${t.type} ${t.attached} ${t.url.slice(0, 70)}`))));
// Puppeteer-free mode: the probe launches Chromium on /blank.html?auto=<opts json>; the background attaches, then
// navigates the tab to /workers.html, and everything it sees is POSTed to the server's /log.
let sink = null;
const push = globalThis.events.push.bind(globalThis.events);
globalThis.events.push = (e) => { if (sink) fetch(sink, { method: 'POST', body: JSON.stringify({ bg: e }) }).catch(() => {}); return push(e); };
const started = new Set();
chrome.tabs.onUpdated.addListener((tabId, info, tab) => { if (info.status === 'complete') auto(tabId, tab); });
chrome.tabs.query({}).then((tabs) => tabs.forEach((t) => auto(t.id, t)));
async function auto(tabId, tab) {
  if (!tab.url || !tab.url.includes('/blank.html?auto=') || started.has(tabId)) return;
  started.add(tabId);
  const u = new URL(tab.url);
  sink = u.origin + '/log';
  const o = JSON.parse(u.searchParams.get('auto'));
  Object.assign(globalThis.opts, o);
  if (o.attach !== false) await globalThis.attach(u.origin + '/*');
  await chrome.tabs.update(tabId, { url: u.origin + (o.page || '/workers.html') });
}
