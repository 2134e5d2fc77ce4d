// What every end-to-end test file shares, on top of node:test. One test process runs one browser
// (WS_LENS_BROWSER, set by run.mjs); each file gets one test server (started before its first scenario), and each
// scenario a fresh browser with the built extension, the real DevTools panel and that server on 127.0.0.1.
//   scenario(name, async (s, panel, ctx) => { ... })
// s is the session (sessions.mjs), panel its page object (panel.mjs), ctx { origin, server, plain, browserName, t }.
// A failing scenario leaves a screenshot of the panel in artifacts/.
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { root } from '../../../scripts/env.mjs';
import { PanelPage } from './panel.mjs';
import { startServer } from './server.mjs';
import { SLOWDOWN, launchSession } from './sessions.mjs';

export const browserName = process.env.WS_LENS_BROWSER || 'chromium';
// WS_LENS_DIST points the suite at another build (say, the last release's, to show a new test fails there)
const dist = process.env.WS_LENS_DIST ? path.resolve(process.env.WS_LENS_DIST) : path.join(root, 'dist');
export const extDir = path.join(dist, browserName === 'firefox' ? 'firefox' : 'chrome');
const artifacts = path.join(root, 'artifacts');

/** the longest a scenario may take (the HAR round trip through Chrome DevTools is the slowest, about a minute) */
const SCENARIO_TIMEOUT_MS = 240_000;

let server;
let hooked = false;
let versionShown = false;
function serveThisFile() {
  if (hooked) return;
  hooked = true;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.close());
}

/** the same page in the same browser without the extension: the reference for "changes nothing" (what `probe` reads) */
async function plain(url, probe = `() => window.__conformance`) {
  const s = await launchSession(browserName, {});
  try {
    await s.goto(url);
    return await s.waitForPage(probe, { timeout: 15000 });
  } finally {
    await s.close();
  }
}

/** `session` is handed to launchSession (say { theme: 'dark' }). */
export function scenario(name, run, { timeout = SCENARIO_TIMEOUT_MS, session = {} } = {}) {
  serveThisFile();
  test(name, { timeout: timeout * SLOWDOWN }, async (t) => {
    const s = await launchSession(browserName, { ...session, extDir });
    if (s.version && !versionShown) t.diagnostic(`${browserName} ${s.version}`);
    versionShown = true;
    try {
      await run(s, new PanelPage(s), { origin: server.origin, server, plain, browserName, t });
    } catch (e) {
      const shot = path.join(artifacts, `fail-${browserName}-${name.replace(/\W+/g, '-').slice(0, 60)}.png`);
      fs.mkdirSync(artifacts, { recursive: true });
      await s
        .screenshotPanel?.(shot)
        .then(() => t.diagnostic(`screenshot: ${path.relative(root, shot)}`))
        .catch(() => {});
      throw e;
    } finally {
      await s.close().catch(() => {});
    }
  });
}
