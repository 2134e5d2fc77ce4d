// npm run package: the Chrome Web Store zip and the Firefox add-on zip from fresh builds.
import fs from 'node:fs';
import path from 'node:path';
import { ensureNodeModules, root, run } from './env.mjs';

ensureNodeModules();
if (!run(process.execPath, ['scripts/build.mjs']).ok) process.exit(1);
if (!run(process.execPath, ['scripts/lint-firefox.mjs']).ok) process.exit(1);
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'manifest.json'), 'utf8'));
const outDir = path.join(root, 'dist', 'packages');
fs.mkdirSync(outDir, { recursive: true });
const zips = [
  ['chrome', `ws-lens-${version}-chrome.zip`],
  ['firefox', `ws-lens-${version}-firefox.zip`],
];
for (const [browser, name] of zips) {
  // web-ext build zips a directory the way both stores expect (manifest.json at the root)
  const r = run(process.execPath, ['node_modules/web-ext/bin/web-ext.js', 'build', '--source-dir', `dist/${browser}`, '--artifacts-dir', 'dist/packages', '--filename', name, '--overwrite-dest', '--no-config-discovery'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (!r.ok) process.exit(1);
  const size = fs.statSync(path.join(outDir, name)).size;
  console.log(`dist/packages/${name}  ${(size / 1024).toFixed(0)} kB`);
}
