// Run an exported Playwright spec (panel/lib/exportPlaywright.ts) as it is, without @playwright/test (not installed
// here): the spec's TypeScript is stripped by TypeScript's own transpiler, and its one import, '@playwright/test',
// resolves to a small stand-in written next to it that provides the two names the spec uses, `test` (each body gets
// a fresh page of a Chromium launched by playwright-core) and `expect(value, message).toEqual(...)` (node:util's deep
// equality). Nothing in the spec is rewritten; the real runner would run the same file.
//   runPlaywrightSpec(specText, { after }) -> { code, output, after }
// `after` is an expression evaluated in the page once the test body is done (the e2e reads what the page saw).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { chromiumPath, root } from '../../../scripts/env.mjs';

const STAND_IN = `// @playwright/test as far as an exported WS Lens spec needs it (see test/e2e/lib/playwright-harness.mjs)
import { isDeepStrictEqual } from 'node:util';
import { chromium } from ${JSON.stringify(pathToFileURL(path.join(root, 'node_modules/playwright-core/index.mjs')).href)};

const tests = [];
export function test(name, body) {
  tests.push({ name, body });
  if (tests.length === 1) setTimeout(run, 0);
}
export function expect(value, message) {
  return {
    toEqual(want) {
      if (!isDeepStrictEqual(value, want)) throw new Error(\`\${message ?? 'expect'}: got \${JSON.stringify(value)}, expected \${JSON.stringify(want)}\`);
    },
  };
}
async function run() {
  const browser = await chromium.launch({ executablePath: process.env.WS_LENS_CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  let failed = 0;
  for (const t of tests) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const t0 = Date.now();
    try {
      await t.body({ page });
      console.log(\`ok - \${t.name} (\${Date.now() - t0} ms)\`);
    } catch (e) {
      failed++;
      console.log(\`not ok - \${t.name} (\${Date.now() - t0} ms)\\n\${e.message}\`);
    }
    if (process.env.WS_LENS_AFTER) console.log('AFTER ' + JSON.stringify(await page.evaluate(process.env.WS_LENS_AFTER).catch((e) => String(e))));
    await context.close();
  }
  await browser.close();
  process.exit(failed ? 1 : 0);
}
`;

export async function runPlaywrightSpec(specText, { after, timeout = 60_000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wslens-spec-'));
  try {
    fs.writeFileSync(path.join(dir, 'capture.spec.ts'), specText);
    const js = ts.transpileModule(specText, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }, fileName: 'capture.spec.ts' }).outputText;
    fs.writeFileSync(path.join(dir, 'capture.spec.mjs'), js);
    const pkg = path.join(dir, 'node_modules/@playwright/test');
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@playwright/test', type: 'module', exports: './index.mjs' }));
    fs.writeFileSync(path.join(pkg, 'index.mjs'), STAND_IN);
    const child = spawn(process.execPath, [path.join(dir, 'capture.spec.mjs')], {
      cwd: dir,
      env: { ...process.env, WS_LENS_CHROMIUM: chromiumPath(), ...(after ? { WS_LENS_AFTER: after } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    const code = await new Promise((r) => child.on('close', r));
    clearTimeout(timer);
    const line = output.split('\n').find((l) => l.startsWith('AFTER '));
    return { code, output, after: line ? JSON.parse(line.slice(6)) : undefined };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
