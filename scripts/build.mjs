// npm run build: dist/chrome and dist/firefox from one source tree, then check what matters in the output.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (!fs.existsSync(vite)) {
  console.error('WS Lens: dependencies are missing. Run: npm ci');
  process.exit(1);
}

const browsers = process.argv.slice(2).filter((a) => a === 'chrome' || a === 'firefox');
for (const browser of browsers.length ? browsers : ['chrome', 'firefox']) {
  const t0 = Date.now();
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, WS_LENS_BROWSER: browser },
  });
  verify(path.join(root, 'dist', browser), browser);
  console.log(`built dist/${browser} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** The hook must run before the page's first script: a classic script with no loader and no import(). */
function verify(dir, browser) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  for (const cs of manifest.content_scripts) {
    for (const js of cs.js) {
      const code = fs.readFileSync(path.join(dir, js), 'utf8');
      if (/\bimport\s*\(|^\s*import\s|\bexport\s/m.test(code))
        throw new Error(`${browser}: content script ${js} is not self-contained (it imports): it would run late`);
    }
  }
  const main = manifest.content_scripts.find((c) => c.world === 'MAIN');
  if (!main || main.run_at !== 'document_start' || !main.all_frames) throw new Error(`${browser}: MAIN-world hook must be document_start, all_frames`);
  if (browser === 'firefox' && !manifest.background.scripts) throw new Error('firefox: background.scripts missing');
}
