import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { crx } from '@crxjs/vite-plugin';
// a plain ESM helper shared with the build scripts (tsconfig's allowJs types it from its source)
import { manifestFor } from './scripts/manifest.mjs';

const browser = (process.env.WS_LENS_BROWSER ?? 'chrome') as 'chrome' | 'firefox';

/** protobufjs's code generator (`new Function`) cannot run in an extension page: build the panel without it. */
const noProtobufCodegen = {
  name: 'ws-lens:no-protobuf-codegen',
  enforce: 'pre' as const,
  resolveId(source: string, importer: string | undefined) {
    if (source === './util/codegen' && importer && /[\\/]protobufjs[\\/]src[\\/]util\.js$/.test(importer))
      return fileURLToPath(new URL('./panel/vendor/protobufjs-no-codegen.cjs', import.meta.url));
    return null;
  },
};

/**
 * The worker hook as one self-contained IIFE beside the manifest, read by the background, so it is no entry of
 * crxjs's. Chromium: `worker-hook.js` (src/page/worker-hook.ts), evaluated in workers through the debugger. Firefox:
 * `worker-hook-firefox.js` (src/page/worker-hook-firefox.ts), written in front of each worker script's first line by
 * webRequest.filterResponseData: it must be one line (the worker's own line numbers stay as they are), so it is
 * always minified and the build fails if a line break is left in it.
 */
let workerHookCode: Promise<string> | undefined;
/** the worker hook's bundle, built once per build (the Firefox document hook carries it for blob:/data: workers) */
function buildWorkerHook(): Promise<string> {
  return (workerHookCode ??= (async () => {
    const { build } = await import('rolldown');
    const name = browser === 'firefox' ? 'worker-hook-firefox' : 'worker-hook';
    const out = await build({
      input: fileURLToPath(new URL(`./src/page/${name}.ts`, import.meta.url)),
      output: { format: 'iife', minify: browser === 'firefox' || !process.env.WS_LENS_NOMINIFY },
      write: false,
      logLevel: 'warn',
    });
    let code = out.output[0].code.replace(/\n+$/, '');
    if (browser === 'firefox') {
      code = await oneLine(code);
      if (/[\n\r\u2028\u2029]/.test(code)) throw new Error(`${name}.js has a line break: it would move the worker's own lines`);
    }
    return code;
  })());
}
const workerHook = {
  name: 'ws-lens:worker-hook',
  async closeBundle() {
    const fs = await import('node:fs');
    const name = browser === 'firefox' ? 'worker-hook-firefox' : 'worker-hook';
    fs.writeFileSync(fileURLToPath(new URL(`./dist/${browser}/${name}.js`, import.meta.url)), await buildWorkerHook());
  },
};

/**
 * The minifier writes '\n' as a template literal with a real line break in it: the same string, but two lines. Each
 * line break inside an untagged template's text becomes its escape again (a tagged template's raw text would differ:
 * refused), and the result must still parse.
 */
async function oneLine(code: string): Promise<string> {
  const { parseSync } = await import('rolldown/utils');
  const parsed = parseSync('worker-hook.js', code);
  if (parsed.errors.length) throw new Error(`worker hook bundle does not parse: ${parsed.errors[0].message}`);
  const spans: [number, number][] = [];
  const walk = (node: unknown, tagged: boolean): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, tagged));
    if (!node || typeof node !== 'object') return;
    const n = node as { type?: string; start?: number; end?: number } & Record<string, unknown>;
    if (n.type === 'TemplateElement' && n.start !== undefined && n.end !== undefined) {
      if (tagged && /[\n\r\u2028\u2029]/.test(code.slice(n.start, n.end))) throw new Error('worker hook bundle: a tagged template with a line break');
      spans.push([n.start, n.end]);
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'type') walk(v, n.type === 'TaggedTemplateExpression' ? k === 'quasi' : n.type === 'TemplateLiteral' && k === 'quasis' && tagged);
  };
  walk(parsed.program, false);
  let out = '';
  let at = 0;
  for (const [start, end] of spans.sort((a, b) => a[0] - b[0])) {
    out += code.slice(at, start) + code.slice(start, end).replace(/\r|\n|\u2028|\u2029/g, (c) => ({ '\r': '\\r', '\n': '\\n', '\u2028': '\\u2028', '\u2029': '\\u2029' })[c]!);
    at = end;
  }
  out += code.slice(at);
  const again = parseSync('worker-hook.js', out);
  if (again.errors.length) throw new Error(`worker hook bundle on one line does not parse: ${again.errors[0].message}`);
  return out;
}

// Firefox: the document hook (src/page/worker-wrap-firefox.ts) writes the same worker hook bundle in front of the
// workers the page builds from blob: and data: URLs, which webRequest never sees; it gets it as a constant. A
// `define`, not a virtual module: crxjs builds the standalone content scripts with none of these plugins, but with
// this config's `define` (Chromium's debugger covers blob:/data: workers itself, so its constant is empty)
export default defineConfig(async () => ({
  define: { __WS_LENS_WORKER_HOOK__: JSON.stringify(browser === 'firefox' ? await buildWorkerHook() : '') },
  plugins: [
    noProtobufCodegen,
    workerHook,
    preact(),
    crx({
      manifest: manifestFor(browser),
      browser,
      // Both content scripts are built as self-contained classic scripts. crxjs's default loader would
      // `await import()` them: too late for the hook (after the page's first script in Chrome) and broken in
      // Firefox (the relative import resolves against the page's URL); a late bridge loses early events.
      contentScripts: { standaloneFiles: ['src/page/hook.ts', 'src/content/bridge.ts'] },
    }),
  ],
  build: {
    outDir: `dist/${browser}`,
    emptyOutDir: true,
    // the panel page is only named inside devtools.panels.create(), so crxjs cannot find it from the manifest
    rolldownOptions: { input: { panel: 'panel/index.html' } },
    assetsInlineLimit: 0,
    sourcemap: false,
    minify: process.env.WS_LENS_NOMINIFY ? false : true,
    target: 'es2022',
  },
  // the crxjs dev server is Chrome-only; Firefox uses `vite build --watch` with web-ext run
  server: { port: 5173, strictPort: true },
}));
