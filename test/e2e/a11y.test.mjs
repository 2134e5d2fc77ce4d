// Accessibility (issue 18): axe-core run on the real panel inside DevTools, in DevTools' light and dark themes,
// with every pane shown in turn; any critical or serious violation fails the scenario, and every violation found is
// listed (rule, impact, the elements, what is wrong).
// The theme is DevTools' own, set before the browser starts (lib/sessions.mjs: Chromium --force-dark-mode, which
// DevTools follows by default; Firefox's devtools.theme preference): the panel reads it as
// devtools.panels.themeName and the scenario checks that the panel took it. A last scenario switches the theme
// while the panel is open (DevTools' ui-theme setting; Firefox's preference again) and checks the panel follows.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../../scripts/env.mjs';
import { BLOCKING, formatViolations, runAxe } from './lib/axe.mjs';
import { pause } from './lib/panel.mjs';
import { browserName, scenario } from './lib/suite.mjs';

const ORDER = JSON.stringify({ type: 'order', id: 42, user: { name: 'Ada', admin: false }, items: [{ sku: 'A-1', qty: 2 }], total: 31.5, note: null });

for (const theme of ['light', 'dark'])
  scenario(
    `a11y: axe-core finds no critical or serious violation on any pane, ${theme} theme`,
    async (s, panel, { origin, t }) => {
      await panel.openControlPage(origin);
      await panel.waitFor(`(w) => w.document.documentElement.dataset.theme === ${JSON.stringify(theme)}`, { message: `the panel in the ${theme} theme` });

      // traffic: JSON, text and binary frames both ways, and a second socket that is closed (its state badge)
      await s.pageEval(`() => {
        window.__ws.binaryType = 'arraybuffer';
        window.__send(${JSON.stringify(ORDER)}, 'plain words');
        window.__ws.send(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00, 0x41]));
        const other = new WebSocket('ws://' + location.host + '/echo?closed');
        other.onopen = () => other.close(4000, 'done');
      }`);
      await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame][data-kind=binary]')].length >= 2`);
      await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=connection]')].some((c) => c.dataset.state === 'closed')`);

      const found = [];
      const undecided = new Map();
      const check = async (pane) => {
        const { violations, passed, incomplete } = await runAxe(panel);
        for (const v of violations) found.push({ pane, ...v });
        // axe looked, and found these rules satisfied: the grid, the controls and the colours were checked
        for (const rule of ['aria-required-children', 'aria-required-parent', 'color-contrast', 'nested-interactive'])
          assert.ok(passed.includes(rule) || violations.some((v) => v.id === rule), `axe-core applied ${rule} in pane "${pane}"`);
        for (const { id, targets } of incomplete) for (const target of targets) undecided.set(`${id}: ${target}`, pane);
      };

      await check('frames, every socket');
      await panel.showSocket('/echo');
      // a JSON frame selected: the detail's JSON tree
      await panel.clickRow('"order"', 'received');
      await panel.waitFor(`(w) => w.document.querySelector('[data-testid=detail] [data-testid=json-tree] [data-path="$.user.name"]')`);
      await check('detail, JSON tree');
      // a binary frame selected: the hex view
      await panel.clickRow('6 bytes', 'received');
      await panel.waitFor(`(w) => /de ad be ef/.test(w.document.querySelector('[data-testid=hex-dump]')?.textContent || '')`);
      await check('detail, hex');

      // the Rules tab with a hold rule, a held frame being edited, and the rule editor open
      await panel.addRule({ name: 'hold a11y', direction: 'sent', 'match-type': 'text', match: 'a11y-hold', action: 'pause' });
      await s.pageEval(`() => window.__send('a11y-hold-1', 'a11y-behind')`);
      await panel.waitHeld(1);
      await panel.waitRowRule('a11y-behind', 'sent', 'waiting');
      await panel.click('held-edit');
      await panel.waitFor(`(w) => w.document.querySelector('[data-testid=held-edit-input]')?.value === 'a11y-hold-1'`);
      await check('rules, a held frame');
      await panel.click('rule-add');
      await panel.type('rule-match-type', 'json', 'change');
      await panel.type('rule-action', 'mock', 'change');
      await check('rules, the rule editor');
      await panel.click('held-forward');
      await panel.waitHeld(0);
      await panel.waitRow('a11y-behind', 'received');

      // replay with two marked frames, then the notice a replay leaves
      await panel.ctrlClickRow('"order"', 'sent');
      await panel.ctrlClickRow('plain words', 'sent');
      await panel.click('tab-replay');
      await panel.waitFor(`(w) => w.document.querySelectorAll('[data-testid=replay-item]').length === 2`);
      await check('replay, marked frames');
      await panel.click('replay-fast');
      await panel.click('replay-run');
      await panel.waitFor(`(w) => w.document.querySelector('[data-testid=notice]')`);
      await check('replay done, a notice');

      // the composer: JSON mode with a frame, then a frame that does not parse and a bad close code
      await panel.type('composer-mode', 'json', 'change');
      await panel.type('composer-input', '{"type": "ping", "n": 99}');
      await panel.waitFor(`(w) => /valid JSON/.test(w.document.querySelector('[data-testid=composer-status]').textContent)`);
      await check('composer, JSON');
      // an injected frame in the log, an error notice, and the log scrolled up ("jump to latest")
      await panel.click('composer-inject');
      await panel.waitFor(`(w) => w.document.querySelector('[data-testid=frame][data-kind=injected]')`);
      await panel.importFile('broken.har', 'not a HAR');
      await panel.waitFor(`(w) => w.document.querySelector('.notice.error')`);
      await panel.eval((w) => {
        const grid = w.document.querySelector('[role=grid][aria-label=Frames]');
        grid.scrollTop = 0;
        grid.dispatchEvent(new w.Event('scroll'));
      });
      await panel.waitFor(`(w) => w.document.querySelector('[data-testid=jump-latest]')`);
      await check('an injected frame, an error notice, scrolled up');
      await panel.type('composer-input', '{"type": ');
      await panel.type('close-code', '12');
      await check('composer, errors');
      await panel.type('close-code', '1000');

      // the Protocol Buffers schema pane ("decode as" opens it)
      await panel.decodeAs('/echo', 'protobuf-schema');
      await panel.waitFor(`(w) => w.document.querySelector('[data-testid=proto-pane]')`);
      await check('protobuf schema');

      // the second pass (issue 18): the Types table, a filter being named, the ? overlay
      await panel.decodeAs('/echo', 'auto');
      await panel.click('tab-types');
      await panel.waitFor(`(w) => w.document.querySelectorAll('[data-testid=type-row]').length >= 3`);
      await check('types');
      await panel.type('filter-input', 'dir:sent size>4');
      await panel.click('filter-save');
      await panel.waitFor(`(w) => w.document.querySelector('[data-testid=filter-save-name]')`);
      await check('a filter being named');
      await panel.type('filter-save-name', 'a11y');
      await panel.click('filter-save-confirm');
      await panel.focusPanel();
      await panel.keys('?');
      await panel.waitFor(`(w) => w.document.querySelector('[data-testid=shortcuts]')`);
      await check('the shortcuts overlay');
      await panel.keys('Escape');
      await panel.type('filter-input', '');

      const shot = path.join(root, 'artifacts', `a11y-${browserName}-${theme}.png`);
      fs.mkdirSync(path.dirname(shot), { recursive: true });
      await pause(200);
      await s.screenshotPanel(shot).catch(() => {});

      // the lesser ones (moderate, minor) are listed, not failed on
      const blocking = found.filter((v) => BLOCKING.has(v.impact));
      const lesser = found.filter((v) => !BLOCKING.has(v.impact));
      t.diagnostic(lesser.length ? `axe-core, moderate and minor:` : 'axe-core: no moderate or minor violation either');
      for (const line of formatViolations(lesser).split('\n')) if (line) t.diagnostic(line);
      // what axe could not decide (a colour over a gradient or behind another element) is for a person to look at
      if (undecided.size) t.diagnostic(`axe-core could not decide (one example per rule): ${[...undecided.keys()].slice(0, 12).join('; ')}`);
      assert.equal(blocking.length, 0, `axe-core, ${browserName}, ${theme} theme: critical or serious violations\n${formatViolations(blocking)}`);
    },
    { session: { theme } },
  );

/** DevTools' theme switched while the panel is open: the panel follows at once, and stays clean. */
scenario('a11y: the panel follows a switch of DevTools theme while open', async (s, panel, { origin }) => {
  await panel.openControlPage(origin);
  await panel.waitFor(`(w) => w.document.documentElement.dataset.theme === 'light'`, { message: 'the panel in the light theme' });
  await s.setTheme('dark');
  await panel.waitFor(`(w) => w.document.documentElement.dataset.theme === 'dark'`, { message: 'the panel to follow DevTools into the dark theme' });
  const { violations } = await runAxe(panel);
  const blocking = violations.filter((v) => BLOCKING.has(v.impact)).map((v) => ({ pane: 'after the switch', ...v }));
  assert.equal(blocking.length, 0, formatViolations(blocking));
  await s.setTheme('light');
  await panel.waitFor(`(w) => w.document.documentElement.dataset.theme === 'light'`, { message: 'the panel to follow DevTools back' });
});
