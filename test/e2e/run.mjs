// The end-to-end suite: every scenario in each browser, each in a fresh browser with the built extension.
//   node test/e2e/run.mjs [--browser chromium|firefox]... [--only substring]
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../../scripts/env.mjs';
import { startServer } from './lib/server.mjs';
import { launchSession } from './lib/sessions.mjs';
import { scenarios } from './scenarios.mjs';

const argv = process.argv.slice(2);
const browsers = argv.flatMap((a, i) => (a === '--browser' ? [argv[i + 1]] : []));
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const artifacts = path.join(root, 'artifacts');
fs.mkdirSync(artifacts, { recursive: true });

// WS_LENS_DIST points the suite at another build (say, the last release's, to show a new test fails there)
const dist = process.env.WS_LENS_DIST ? path.resolve(process.env.WS_LENS_DIST) : path.join(root, 'dist');
const extFor = (b) => path.join(dist, b === 'firefox' ? 'firefox' : 'chrome');
for (const b of browsers.length ? browsers : ['chromium', 'firefox'])
  if (!fs.existsSync(path.join(extFor(b), 'manifest.json'))) {
    console.error(`No build in ${extFor(b)}. Run: npm run build`);
    process.exit(1);
  }

const server = await startServer();
let passed = 0;
let failed = 0;
let skipped = 0;
const t0 = Date.now();
try {
  for (const browserName of browsers.length ? browsers : ['chromium', 'firefox']) {
    /** the same page in the same browser without the extension: the reference for "changes nothing" */
    const plain = async (url) => {
      const s = await launchSession(browserName, {});
      try {
        await s.goto(url);
        return await s.waitForPage(`() => window.__conformance`, { timeout: 15000 });
      } finally {
        await s.close();
      }
    };
    for (const [name, run] of Object.entries(scenarios)) {
      if (only && !name.includes(only)) continue;
      const started = Date.now();
      let s;
      try {
        s = await launchSession(browserName, { extDir: extFor(browserName) });
        const note = await run(s, { origin: server.origin, server, plain, browserName });
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        if (typeof note === 'string' && note.startsWith('skipped')) {
          skipped++;
          console.log(`  - ${browserName} ${s.version ? `(${s.version}) ` : ''}${name}: ${note}`);
        } else {
          passed++;
          console.log(`  ✓ ${browserName} ${name} (${secs} s)`);
        }
      } catch (e) {
        failed++;
        console.log(`  ✗ ${browserName} ${name}\n    ${String(e.stack || e).split('\n').slice(0, 6).join('\n    ')}`);
        const shot = path.join(artifacts, `fail-${browserName}-${name.replace(/\W+/g, '-').slice(0, 60)}.png`);
        await s?.screenshotPanel?.(shot).then(() => console.log(`    screenshot: ${path.relative(root, shot)}`)).catch(() => {});
      } finally {
        await s?.close().catch(() => {});
      }
    }
  }
} finally {
  await server.close();
}
console.log(`\nend-to-end in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
console.log(`e2e: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
