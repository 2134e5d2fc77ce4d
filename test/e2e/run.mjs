// The end-to-end suite: node:test over test/e2e/*.test.mjs, one browser at a time, one scenario at a time (each
// starts its own browser; two at once on a 2-core machine make timing-sensitive scenarios flaky).
//   node test/e2e/run.mjs [--browser chromium|firefox]... [--only <substring of a scenario name>] [files...]
// WS_LENS_DIST=<dir> runs the suite against another build (see lib/suite.mjs).
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../../scripts/env.mjs';

const argv = process.argv.slice(2);
const valueOf = (flag) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]] : []));
const browsers = valueOf('--browser').length ? valueOf('--browser') : ['chromium', 'firefox'];
const only = valueOf('--only')[0];
const flagged = new Set(argv.flatMap((a, i) => (a.startsWith('--') ? [i, i + 1] : [])));
const here = path.dirname(new URL(import.meta.url).pathname);
const files = argv.filter((_, i) => !flagged.has(i));
const testFiles = files.length
  ? files
  : fs
      .readdirSync(here)
      .filter((f) => f.endsWith('.test.mjs'))
      .sort()
      .map((f) => path.join(here, f));

const dist = process.env.WS_LENS_DIST ? path.resolve(process.env.WS_LENS_DIST) : path.join(root, 'dist');
for (const b of browsers) {
  const ext = path.join(dist, b === 'firefox' ? 'firefox' : 'chrome');
  if (!fs.existsSync(path.join(ext, 'manifest.json'))) {
    console.error(`No build in ${ext}. Run: npm run build`);
    process.exit(1);
  }
}

const artifacts = path.join(root, 'artifacts');
fs.mkdirSync(artifacts, { recursive: true });
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const NOT_CHOSEN = 'test name does not match pattern';
const totals = { pass: 0, fail: 0, skipped: 0, cancelled: 0 };
const failures = [];

/**
 * Each failed scenario in a TAP report: its name, and a digest of it (the name, the error's first lines and where in
 * a test file it was thrown).
 */
function failuresIn(tap, browser) {
  const lines = tap.split('\n');
  const found = [];
  lines.forEach((line, i) => {
    const m = /^\s*not ok \d+ - (.*)$/.exec(line);
    if (!m || m[1].endsWith(NOT_CHOSEN)) return;
    const end = lines.findIndex((l, j) => j > i && /^\s*\.\.\.$/.test(l));
    const block = lines.slice(i + 1, end < 0 ? undefined : end);
    const at = block.findIndex((l) => /^\s*error: /.test(l));
    const error = at < 0 ? [] : [block[at].replace(/^\s*error: \|?-?\s*/, '')].concat(block.slice(at + 1, at + 6).filter((l) => !/^\s*\w+: /.test(l)));
    const where = block.find((l) => /test\/e2e\/[\w.-]+\.test\.mjs:\d+/.test(l));
    found.push({ name: m[1], digest: [`${browser}: ${m[1]}`, ...error.map((l) => '    ' + l.trim()).filter((l) => l.trim()), ...(where ? ['    at ' + /test\/e2e\/[\w.-]+\.test\.mjs:\d+/.exec(where)[0]] : [])].join('\n') });
  });
  return found;
}
/** One run of node:test in one browser; resolves to the TAP report's text and the runner's exit status. */
async function runTests(browser, pattern, tap) {
  const child = spawn(
    process.execPath,
    [
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...(pattern ? [`--test-name-pattern=${pattern}`] : []),
      ...testFiles,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, WS_LENS_BROWSER: browser } },
  );
  // with a pattern, the scenarios left out are reported as skipped: not worth a line each
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.endsWith(NOT_CHOSEN)) console.log(line);
  });
  const status = await new Promise((resolve) => child.on('close', resolve));
  return { status, counts: fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '' };
}
// CI=true: a scenario that failed is run once more, alone, in a fresh browser. One that passes then is counted as
// passed and listed as flaky, loudly, at the end; one that fails again fails the suite. Only the exact names that
// failed are re-run, so a scenario that always fails still fails.
const RETRY = process.env.CI === 'true' || process.env.WS_LENS_E2E_RETRY === '1';
const flaky = [];
const t0 = Date.now();
for (const browser of browsers) {
  console.log(`\n--- ${browser}`);
  // the spec reporter for people, TAP to a file for the counts below
  const tap = path.join(artifacts, `e2e-${browser}.tap`);
  const { status, counts } = await runTests(browser, only && escapeRegExp(only), tap);
  for (const k of Object.keys(totals)) totals[k] += Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(counts)?.[1] ?? 0);
  totals.skipped -= counts.split('\n').filter((l) => l.endsWith(NOT_CHOSEN)).length;
  if (status !== 0 && !/^# fail [1-9]/m.test(counts)) totals.fail++; // the runner itself failed (no counts)
  let failed = failuresIn(counts, browser);
  if (RETRY && failed.length && failed.length <= 5) {
    const names = failed.map((f) => f.name);
    console.log(`\n--- ${browser}, once more: ${names.join('; ')}`);
    const again = await runTests(browser, `^(${names.map(escapeRegExp).join('|')})$`, path.join(artifacts, `e2e-${browser}-retry.tap`));
    const passedNow = (f) => new RegExp(`^ok \\d+ - ${escapeRegExp(f.name)}$`, 'm').test(again.counts);
    for (const f of failed.filter(passedNow)) flaky.push(`${browser}: ${f.name}\n    first run: ${f.digest.split('\n')[1]?.trim() ?? ''}`);
    const before = failed.length;
    failed = failed.filter((f) => !passedNow(f));
    totals.fail -= before - failed.length;
    totals.pass += before - failed.length;
  }
  failures.push(...failed.map((f) => f.digest));
}
fs.writeFileSync(path.join(artifacts, 'e2e-flaky.txt'), flaky.join('\n'));
if (flaky.length) console.log(`\nFLAKY: failed once, passed when run again alone (look into these):\n${flaky.join('\n')}`);
// what failed, short, last: CI keeps only the tail of the output (scripts/test.mjs prints this file again at the end)
const digest = path.join(artifacts, 'e2e-failures.txt');
fs.writeFileSync(digest, failures.join('\n'));
if (failures.length) console.log(`\nfailed:\n${failures.join('\n')}`);
console.log(`\nend-to-end in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
console.log(`e2e: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped${flaky.length ? `, ${flaky.length} flaky (passed when run again)` : ''}${totals.cancelled ? `, ${totals.cancelled} cancelled` : ''}`);
process.exit(totals.fail || totals.cancelled ? 1 : 0);
