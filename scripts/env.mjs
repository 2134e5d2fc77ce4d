// What `npm start` and `npm test` need on the machine, installed when possible, else named in one line.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const FIREFOX = ['/usr/lib/firefox-esr/firefox-esr', '/usr/bin/firefox-esr', '/usr/lib/firefox/firefox', '/usr/bin/firefox'];

export function chromiumPath() {
  return process.env.CHROMIUM_PATH || CHROMIUM.find((p) => fs.existsSync(p));
}
export function firefoxPath() {
  return process.env.FIREFOX_PATH || FIREFOX.find((p) => fs.existsSync(p));
}

function canApt() {
  return process.getuid?.() === 0 && spawnSync('which', ['apt-get']).status === 0;
}

/** npm ci when node_modules is missing (the registry is reachable wherever this project runs). */
export function ensureNodeModules() {
  if (fs.existsSync(path.join(root, 'node_modules', '.package-lock.json'))) return;
  console.log('WS Lens: installing npm dependencies (npm ci)…');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

/** @param {('chromium'|'firefox')[]} browsers */
export function ensureBrowsers(browsers) {
  const missing = browsers.filter((b) => !(b === 'chromium' ? chromiumPath() : firefoxPath()));
  if (!missing.length) return;
  const pkgs = missing.map((b) => (b === 'chromium' ? 'chromium' : 'firefox-esr'));
  if (!canApt()) {
    console.error(`WS Lens: missing browser(s): ${missing.join(', ')}. Run: sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}`);
    process.exit(1);
  }
  console.log(`WS Lens: installing ${pkgs.join(' ')} with apt-get…`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs, 'fonts-dejavu-core'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

export function run(cmd, args, opts = {}) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  return { ok: r.status === 0, seconds: (Date.now() - t0) / 1000 };
}
