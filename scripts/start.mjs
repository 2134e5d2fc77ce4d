// npm start [-- --browser firefox] [--headless]: the main job. Builds the extension, starts the echo server
// with the demo page on 127.0.0.1:9998, and opens the browser with WS Lens loaded and DevTools on the WebSockets
// panel. With no display it runs headless: it sends a frame from the panel, prints what the panel captured and
// saves a screenshot of it.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureBrowsers, ensureNodeModules, root } from './env.mjs';

const args = process.argv.slice(2);
const browserName = args.includes('--browser') ? args[args.indexOf('--browser') + 1] : 'chromium';
if (!['chromium', 'firefox'].includes(browserName)) {
  console.error(`Unknown browser "${browserName}": use chromium or firefox`);
  process.exit(2);
}
const headless = args.includes('--headless') || !process.env.DISPLAY || process.env.CI === 'true';
const PORT = Number(process.env.WS_LENS_PORT || 9998);

ensureNodeModules();
ensureBrowsers([browserName]);
// the build's own chatter (crxjs notes) only matters when it fails
const build = spawnSync(process.execPath, ['scripts/build.mjs', browserName === 'firefox' ? 'firefox' : 'chrome'], { cwd: root, encoding: 'utf8' });
if (build.status !== 0) {
  process.stdout.write(build.stdout + build.stderr);
  process.exit(1);
}
console.log(build.stdout.split('\n').filter((l) => l.startsWith('built ')).join('\n'));

// imported after the install step: they need node_modules
const { startServer } = await import('../test/e2e/lib/server.mjs');
const { launchSession } = await import('../test/e2e/lib/sessions.mjs');

const server = await startServer({ port: PORT });
console.log(`echo server and demo page: ${server.origin}/  (WebSocket ${server.wsOrigin}/echo)`);
const extDir = path.join(root, 'dist', browserName === 'firefox' ? 'firefox' : 'chrome');
const s = await launchSession(browserName, { extDir, headless });
console.log(`${browserName} ${s.version} with WS Lens from ${path.relative(root, extDir)}${headless ? ' (headless)' : ''}`);
await s.goto(`${server.origin}/`);
await s.openPanel();

if (!headless) {
  console.log('DevTools is open on the WebSockets panel. Press Ctrl+C to quit.');
  const quit = async () => {
    await s.close().catch(() => {});
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
} else {
  try {
    await s.waitForPanel(`(w) => [...w.document.querySelectorAll('[data-testid=frame]')].some((r) => r.dataset.direction === 'received')`);
    // drive the page's socket from the panel, as a user would
    await s.panelEval(`(w) => {
      const ta = w.document.querySelector('[data-testid=composer-input]');
      Object.getOwnPropertyDescriptor(w.HTMLTextAreaElement.prototype, 'value').set.call(ta, 'Hello from the WS Lens panel');
      ta.dispatchEvent(new w.Event('input', { bubbles: true }));
    }`);
    await s.waitForPanel(`(w) => !w.document.querySelector('[data-testid=composer-send]').disabled`);
    await s.panelEval(`(w) => w.document.querySelector('[data-testid=composer-send]').click()`);
    await s.waitForPage(`() => window.__received.includes('Hello from the WS Lens panel')`);
    await new Promise((r) => setTimeout(r, 2500)); // a ping or so more, and the echo
    const conns = await s.panelEval(`(w) => [...w.document.querySelectorAll('[data-testid=connection]')].map((c) => c.dataset.state + '  ' + c.dataset.url)`);
    // columns by name, not position: the table may gain columns
    const rows = await s.panelEval(
      `(w) => [...w.document.querySelectorAll('[data-testid=frame]')].map((r) => ['c-dir', 'c-time', 'c-size', 'c-kind', 'c-sum', 'c-data'].map((c) => r.querySelector('.' + c).textContent))`,
    );
    const buffered = await s.panelEval(`(w) => w.document.querySelector('[data-testid=buffered-amount]').textContent`);
    console.log(`\nThe WebSockets panel captured ${conns.length} socket(s):`);
    for (const c of conns) console.log(`  ${c}`);
    console.log(`\n  ${'dir'.padEnd(4)}${'time'.padStart(11)}${'size'.padStart(9)}  ${'kind'.padEnd(13)} ${'data'.padEnd(40)} summary (decoded)`);
    for (const [dir, time, size, kind, summary, data] of rows)
      console.log(`  ${dir.padEnd(4)}${time.padStart(11)}${size.padStart(9)}  ${kind.padEnd(13)} ${data.slice(0, 40).padEnd(40)} ${summary.slice(0, 50)}`);
    console.log(`\n  bufferedAmount now: ${buffered}`);
    fs.mkdirSync(path.join(root, 'artifacts'), { recursive: true });
    const shot = path.join(root, 'artifacts', `panel-${browserName}.png`);
    await s.screenshotPanel(shot);
    console.log(`\nscreenshot of the panel: ${path.relative(root, shot)}`);
  } finally {
    await s.close();
    await server.close();
  }
}
