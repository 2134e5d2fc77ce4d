// The frame table: filters, the JSON detail, and a filter kept across reopening the panel.
import { pause } from './lib/panel.mjs';
import { scenario } from './lib/suite.mjs';

/** Filter: plain text and /regex/, direction, and the JSON tree in the detail pane. */
scenario('filter and JSON detail', async (s, panel, { origin }) => {
  await s.goto(`${origin}/first-script.html`);
  await s.openPanel();
  await panel.waitRow('first-script-hello', 'received');
  await s.pageEval(`() => { window.__ws.send(JSON.stringify({ type: 'chat', user: { name: 'Ada' } })); window.__ws.send('plain words'); }`);
  await panel.waitRow('plain words', 'received');
  await panel.type('filter-input', '/"type":"chat"/');
  await panel.waitFor(`(w) => { const r = [...w.document.querySelectorAll('[data-testid=frame]')]; return r.length === 2 && r.every((x) => x.textContent.includes('chat')); }`);
  await panel.type('filter-direction', 'received', 'change');
  await panel.waitFor(`(w) => w.document.querySelectorAll('[data-testid=frame]').length === 1`);
  await panel.clickRow('chat');
  await panel.waitFor(`(w) => { const t = w.document.querySelector('[data-testid=detail] [data-testid=json-tree]'); return t && t.querySelector('[data-path="$.user.name"]') && t.textContent.includes('"Ada"'); }`);
  await panel.type('filter-direction', 'all', 'change');
  await panel.type('filter-input', '');
});

/** The filter survives closing and reopening the panel. */
scenario('the filter survives reopening the panel', async (s, panel, { origin }) => {
  await s.goto(`${origin}/first-script.html`);
  await s.openPanel();
  await panel.waitRow('first-script-hello', 'received');
  await panel.type('filter-input', '/hello$/i');
  await panel.type('filter-direction', 'received', 'change');
  await pause(300); // settings are written to extension storage on change
  await s.reopenPanel();
  await panel.waitFor(`(w) => w.document.querySelector('[data-testid=filter-input]').value === '/hello$/i' && w.document.querySelector('[data-testid=filter-direction]').value === 'received'`);
  // and it applies: only the received hello is listed (the page's ring replayed the rest)
  await panel.waitFor(`(w) => { const r = w.document.querySelectorAll('[data-testid=frame]'); return r.length === 1 && r[0].dataset.direction === 'received'; }`);
  await panel.type('filter-input', '');
  await panel.type('filter-direction', 'all', 'change');
  await pause(300);
});
