// axe-core in the real DevTools panel: its source is read here and evaluated in the panel document, then
// axe.run(document) answers with the violations, reduced to what a reader needs (rule, impact, where, why).
//   await injectAxe(panel); const violations = await runAxe(panel);
// Chromium: the panel frame evaluates the source itself (DevTools protocol evaluation is not subject to the
// extension page's CSP). Firefox: panelEval's function runs in a sandbox whose prototype is the panel window,
// without Xrays (see sessions.mjs), and evaluates the source there, so axe's `window` and `document` are the
// panel's and it leaves `axe` on the panel window; options and results stay inside, and only a JSON string comes back.
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../../../scripts/env.mjs';

const AXE_SOURCE = fs.readFileSync(path.join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** Firefox: run `code` (a script whose completion value is the answer, a promise allowed) in the panel's realm. */
function inFirefoxPanel(panel, code) {
  return panel.eval(
    // panelEval's functions run in such a sandbox already: a global eval there is the sandbox's
    (w, code) => (0, eval)(code),
    code,
  );
}

/**
 * axe.run on the whole panel document: { violations, passed, incomplete }, each violation as
 * { id, impact, help, nodes: [{ target, summary }] }, `passed` the ids of the rules that applied and passed, and
 * `incomplete` what axe could not decide, by rule id, with the elements' selectors.
 */
const RUN = `(async () => {
  const r = await axe.run(document, { resultTypes: ['violations'] });
  const nodes = (v) => v.nodes.map((n) => ({ target: n.target.join(' '), summary: (n.failureSummary || '').split('\\n').slice(1, 3).join(' ').trim() }));
  return JSON.stringify({
    violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: nodes(v) })),
    passed: r.passes.map((v) => v.id),
    incomplete: r.incomplete.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(' ')) })),
  });
})()`;

export async function injectAxe(panel) {
  const loaded = await panel.eval((w) => typeof w.axe === 'object' && typeof w.axe.run === 'function');
  if (loaded) return;
  if (panel.s.browserName === 'firefox') await inFirefoxPanel(panel, `${AXE_SOURCE}\n;typeof axe`);
  // DevTools-protocol evaluation compiles the source itself: no eval in the panel (its CSP forbids it)
  else await panel.eval(`(w) => { ${AXE_SOURCE}\n; return typeof w.axe; }`);
  const ok = await panel.eval((w) => typeof w.axe === 'object' && typeof w.axe.run === 'function');
  if (!ok) throw new Error('axe-core did not load in the panel');
}

/** What axe-core finds in the panel document now (injects axe first if this panel document lacks it). */
export async function runAxe(panel) {
  await injectAxe(panel);
  const json = panel.s.browserName === 'firefox' ? await inFirefoxPanel(panel, RUN) : await panel.eval(`(w) => ${RUN}`);
  return JSON.parse(json);
}

export const BLOCKING = new Set(['critical', 'serious']);

/**
 * What was found, by rule: its impact, on how many elements, in which panes, then each element (at most `max`)
 * with axe's summary of what is wrong. `found` is violations tagged with the `pane` they were seen in; an element
 * seen in several panes is listed once.
 */
export function formatViolations(found, { max = 8 } = {}) {
  const rules = new Map();
  for (const v of found) {
    const r = rules.get(v.id) ?? rules.set(v.id, { ...v, panes: new Set(), nodes: new Map() }).get(v.id);
    r.panes.add(v.pane);
    for (const n of v.nodes) if (!r.nodes.has(n.target)) r.nodes.set(n.target, n);
  }
  const order = ['critical', 'serious', 'moderate', 'minor'];
  return [...rules.values()]
    .sort((a, b) => order.indexOf(a.impact) - order.indexOf(b.impact))
    .map((r) => {
      const nodes = [...r.nodes.values()];
      const lines = nodes.slice(0, max).map((n) => `      ${n.target}${n.summary ? `: ${n.summary}` : ''}`);
      if (nodes.length > max) lines.push(`      … and ${nodes.length - max} more`);
      return [`  ${r.id} (${r.impact}) on ${nodes.length} element${nodes.length === 1 ? '' : 's'}: ${r.help} [${[...r.panes].join('; ')}]`, ...lines].join('\n');
    })
    .join('\n');
}
