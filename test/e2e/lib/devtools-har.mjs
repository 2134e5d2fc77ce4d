// HAR in and out of Chromium's own DevTools frontend, through the same code its Network panel buttons run, so the
// e2e suite can prove WS Lens HARs open in Chrome DevTools and Chrome DevTools HARs open in WS Lens.
//
// Chromium 156's frontend (read from its bundles: panels/network/network.js, models/har/har.js):
//   "Import HAR file" -> NetworkPanel.fileSelectorElement -> NetworkLogView.onLoadFromFile(file): ChunkedFileReader,
//     new HARFormat.HARRoot(JSON.parse(text)), then NetworkLog.importRequests(Importer.requestsFromHARLog(root.log)).
//     importRequests REPLACES the whole network log. A HAR that fails to load is not thrown: it goes to the DevTools
//     console as "Failed to load HAR file with following error: ...".
//   "Export HAR" -> NetworkLogView.exportAll({ sanitize }) -> Writer.write(stream, networkLogView.harRequests(),
//     { sanitize }, progress); the sanitized export (the toolbar's download button) drops cookies and auth headers.
//   The Messages tab of a request -> NetworkPanel.selectAndActivateRequest(request, 'web-socket-frames').
// All need a DevTools frontend page: the target devtools://devtools/bundled/devtools_app.html (see sessions.mjs).
import { waitFor } from './sessions.mjs';

export const DEVTOOLS_URL = 'devtools://devtools/bundled/devtools_app.html';

/** The auto-opened DevTools frontend page of a Chromium session, once it has booted and attached to its tab. */
export async function devtoolsPageOf(browser) {
  const target = await browser.waitForTarget((t) => t.url().startsWith(DEVTOOLS_URL), { timeout: 15000 });
  const page = await target.asPage();
  // InspectorView.instance() throws until the frontend has booted, and the UI boots before the inspected tab's
  // target attaches: until then nothing of the page's traffic reaches DevTools
  await waitFor(
    () =>
      page.evaluate(async () => {
        const { InspectorView } = await import('./ui/legacy/legacy.js');
        const SDK = await import('./core/sdk/sdk.js');
        return !!InspectorView.InspectorView.instance() && !!SDK.TargetManager.TargetManager.instance().primaryPageTarget();
      }),
    { timeout: 20000, message: 'the DevTools frontend to boot and attach to the tab' },
  );
  return page;
}

/**
 * Show DevTools' Network panel (creating it, as a click on its tab does) and resolve once its log view exists.
 * The network log records without it: requests made before the panel was first shown are in it (Chromium 156,
 * DevTools auto-opened), as long as DevTools had attached to the tab by then (devtoolsPageOf waits for that).
 */
export async function showNetworkPanel(devtoolsPage) {
  await devtoolsPage.evaluate(async () => {
    const UI = await import('./ui/legacy/legacy.js');
    await UI.ViewManager.ViewManager.instance().showView('network');
  });
  await waitFor(
    () =>
      devtoolsPage.evaluate(async () => {
        const Network = await import('./panels/network/network.js');
        return !!Network.NetworkPanel.NetworkPanel.instance().networkLogView;
      }),
    { message: 'the DevTools Network panel' },
  );
}

/**
 * Load `harText` into DevTools' Network panel as its "Import HAR file" button does, and return what DevTools then
 * holds for WebSocket requests, read from its own NetworkRequest objects:
 * [{ url, resourceType, status, imported, shown, frames: [{ type, opCode, text, time }] }]
 * (`shown`: the request got its row in the Network panel's grid). Throws with DevTools' own message when it
 * rejects the file.
 */
export async function importHarInChromeDevTools(devtoolsPage, harText) {
  await showNetworkPanel(devtoolsPage);
  const result = await devtoolsPage.evaluate(async (harText) => {
    const Common = await import('./core/common/common.js');
    const Network = await import('./panels/network/network.js');
    const Logs = await import('./models/logs/logs.js');
    const view = Network.NetworkPanel.NetworkPanel.instance().networkLogView;
    const console_ = Common.Console.Console.instance();
    const seen = console_.messages().length;
    // the button's file selector calls exactly this with the picked File
    await view.onLoadFromFile(new File([harText], 'import.har', { type: 'application/json' }));
    const failed = console_
      .messages()
      .slice(seen)
      .map((m) => m.text)
      .find((t) => t.startsWith('Failed to load HAR file'));
    if (failed) return { error: failed };
    const sockets = Logs.NetworkLog.NetworkLog.instance()
      .requests()
      .filter((r) => r.resourceType().name() === 'websocket' || r.frames().length > 0);
    // the grid adds rows on its next render frame
    for (let i = 0; i < 50 && !sockets.every((r) => view.nodeForRequest(r)); i++) await new Promise((r) => setTimeout(r, 100));
    return {
      requests: sockets.map((r) => ({
        url: r.url(),
        resourceType: r.resourceType().name(),
        status: r.statusCode,
        // DevTools of Chromium 150 has no isImportedHar (156 does); nothing asserts it
        imported: typeof r.isImportedHar === 'function' ? r.isImportedHar() : null,
        shown: !!view.nodeForRequest(r),
        frames: r.frames().map((f) => ({ type: f.type, opCode: f.opCode, text: f.text, time: f.time })),
      })),
    };
  }, harText);
  if (result.error) throw new Error(`Chrome DevTools did not import the HAR: ${result.error}`);
  return result.requests;
}

/**
 * Open the request for `url` in DevTools' Network panel on its Messages tab, as a click on its row and the tab does,
 * and return the rows that tab shows: [{ data, length, time }] as text (binary frames read "Binary message").
 */
export async function webSocketMessagesShownInChromeDevTools(devtoolsPage, url) {
  return devtoolsPage.evaluate(async (url) => {
    const Network = await import('./panels/network/network.js');
    const Logs = await import('./models/logs/logs.js');
    const request = Logs.NetworkLog.NetworkLog.instance()
      .requests()
      .find((r) => r.url() === url);
    if (!request) throw new Error(`DevTools has no request for ${url}`);
    // 'web-socket-frames' is UIRequestLocation.UIRequestTabs.WS_FRAMES (panels/network/forward)
    const item = await Network.NetworkPanel.NetworkPanel.instance().selectAndActivateRequest(request, 'web-socket-frames');
    // the messages grid lives in shadow roots and fills on a render frame: collect its rows once they settle
    const rows = () => {
      const out = [];
      const walk = (n) => {
        if (n.shadowRoot) walk(n.shadowRoot);
        if (n.tagName === 'TR' && n.classList.contains('data-grid-data-grid-node')) out.push([...n.children].map((td) => td.innerText.trim()));
        for (const c of n.children ?? []) walk(c);
      };
      walk(item.element);
      return out.filter((cells) => cells.some(Boolean));
    };
    let last = -1;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const n = rows().length;
      if (n > 0 && n === last) break;
      last = n;
    }
    return rows().map(([data, length, time]) => ({ data, length, time }));
  }, url);
}

/**
 * The HAR text DevTools' "Export HAR" writes for the current network log (sanitized by default, as the toolbar
 * button does), with `_webSocketMessages` for WebSocket requests. Only requests the Network panel would export are
 * in it: finished ones, and WebSockets once they got their handshake response.
 */
export async function exportHarFromChromeDevTools(devtoolsPage, { sanitize = true } = {}) {
  await showNetworkPanel(devtoolsPage);
  return devtoolsPage.evaluate(async (sanitize) => {
    const Common = await import('./core/common/common.js');
    const Network = await import('./panels/network/network.js');
    const Har = await import('./models/har/har.js');
    const view = Network.NetworkPanel.NetworkPanel.instance().networkLogView;
    // exportAll writes to a FileOutputStream; any object with an async write(chunk) takes its place
    const chunks = [];
    const stream = { write: async (chunk) => void chunks.push(chunk), close() {} };
    await Har.Writer.Writer.write(stream, view.harRequests(), { sanitize }, new Common.Progress.Progress());
    return chunks.join('');
  }, sanitize);
}
