// What the bench's runs share: the Chromium build they measure, and how a page's memory is read.
import fs from 'node:fs';
import path from 'node:path';
import { root, run } from '../scripts/env.mjs';

/** The Chromium build to measure (WS_LENS_DIST: another build, say the last release's), built first if missing. */
export function chromeBuild() {
  const distDir = process.env.WS_LENS_DIST ? path.resolve(process.env.WS_LENS_DIST) : path.join(root, 'dist');
  if (!fs.existsSync(path.join(distDir, 'chrome/manifest.json')) && !run(process.execPath, ['scripts/build.mjs', 'chrome']).ok) process.exit(1);
  return path.join(distDir, 'chrome');
}

/** The page's heap in MB after a GC, ArrayBuffer contents included (a ring of binary frames lives outside the JS heap). */
export async function pageHeapMB(s) {
  const cdp = await s.page.createCDPSession();
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const usage = await cdp.send('Runtime.getHeapUsage').catch(() => ({}));
  await cdp.detach();
  return (metrics.find((m) => m.name === 'JSHeapUsedSize').value + (usage.backingStorageSize ?? 0)) / 1048576;
}
