// @vitest-environment happy-dom
/**
 * The real panel components in a DOM, fed by a fake transport: the testing-contract testids, the composer's
 * validation and what a click sends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render } from '@testing-library/preact';
import { App } from '../../panel/components/App';
import { PanelContext } from '../../panel/components/hooks/usePanel';
import { Store } from '../../panel/store/store';
import type { PageCommand } from '../../src/shared/protocol';
import { envelope } from '../../src/shared/protocol';
import { events, fromFrame, hello, socketLife, text } from './fixtures';
import { FakeTransport } from './lib/fakeTransport';

// happy-dom does no layout: give elements a viewport size so the virtualiser has rows to render
for (const p of ['offsetHeight', 'clientHeight']) Object.defineProperty(HTMLElement.prototype, p, { configurable: true, get: () => 400 });
for (const p of ['offsetWidth', 'clientWidth']) Object.defineProperty(HTMLElement.prototype, p, { configurable: true, get: () => 800 });

const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));

async function mount() {
  const t = new FakeTransport();
  const store = new Store(t);
  const view = render(
    <PanelContext.Provider value={store}>
      <App />
    </PanelContext.Provider>,
  );
  await act(async () => {
    store.receive(fromFrame(hello('d')));
    store.receive(fromFrame(events('d', socketLife())));
    await frame();
  });
  return { t, store, view };
}

afterEach(async () => {
  await act(() => cleanup());
});

describe('panel in a page', () => {
  it('shows the socket with its state and url', async () => {
    const { view } = await mount();
    const conn = view.getByTestId('connection');
    expect(conn.dataset.state).toBe('open');
    expect(conn.dataset.url).toBe('ws://127.0.0.1/echo');
  });

  it('renders frames with their direction (virtualised rows)', async () => {
    const { view } = await mount();
    const rows = view.queryAllByTestId('frame');
    expect(rows.map((r) => r.dataset.direction)).toEqual(['event', 'event', 'sent', 'received']);
  });

  it('shows the frame in the detail pane as a JSON tree when selected', async () => {
    const { store, view } = await mount();
    await act(async () => {
      store.selectRow(store.log.frames[3].id);
      await frame();
    });
    const detail = view.getByTestId('detail');
    expect(detail.querySelector('[data-testid=json-tree]')).not.toBeNull();
    expect(detail.textContent).toContain('"hello"');
  });

  it('blocks invalid JSON with its position and sends valid text', async () => {
    const { t, view, store } = await mount();
    await act(async () => {
      fireEvent.change(view.getByTestId('composer-mode'), { target: { value: 'json' } });
      fireEvent.input(view.getByTestId('composer-input'), { target: { value: '{"a": }' } });
      await frame();
    });
    expect(view.getByTestId('composer-status').textContent).toMatch(/line 1, column 7/);
    expect((view.getByTestId('composer-send') as HTMLButtonElement).disabled).toBe(true);
    await act(async () => {
      fireEvent.input(view.getByTestId('composer-input'), { target: { value: '{"a": 1}' } });
      await frame();
    });
    await act(async () => {
      fireEvent.click(view.getByTestId('composer-send'));
      await frame();
    });
    const cmd = t.commands.at(-1) as Extract<PageCommand, { cmd: 'send' }>;
    expect(cmd).toMatchObject({ cmd: 'send', sid: 1, payload: { type: 'text', data: '{"a": 1}' } });
    await act(async () => {
      store.receive(fromFrame(envelope({ type: 'result' as const, docId: 'd', reqId: cmd.reqId, ok: true })));
      await frame();
    });
  });

  it('says why sending is disabled on a closed socket', async () => {
    const { store, view } = await mount();
    await act(async () => {
      store.receive(fromFrame(events('d', [{ kind: 'close', code: 1006, reason: '', wasClean: false }], 4)));
      await frame();
    });
    expect(view.getByTestId('composer-why').textContent).toMatch(/closed/);
    expect(view.getByTestId('connection').dataset.state).toBe('closed');
  });

  it('shows bufferedAmount for the selected socket', async () => {
    const { store, view } = await mount();
    await act(async () => {
      store.receive(fromFrame(events('d', [{ kind: 'message', direction: 'sent', payload: text('x'), bufferedAmount: 4096 }], 4)));
      await frame();
    });
    expect(view.getByTestId('buffered-amount').textContent).toBe('4096');
  });

  it('renders page data as text, never HTML', async () => {
    const { store, view } = await mount();
    await act(async () => {
      store.receive(fromFrame(events('d', [{ kind: 'message', direction: 'received', payload: text('<img src=x onerror=alert(1)>') }], 4)));
      store.selectRow(store.log.frames.at(-1)!.id);
      await frame();
    });
    expect(view.container.querySelector('img')).toBeNull();
    expect(view.getByTestId('detail').textContent).toContain('<img src=x onerror=alert(1)>');
  });
});

describe('traffic control in the panel', () => {
  it('a rule made in the Rules tab goes to the page compiled; a bad one says why and is not saved', async () => {
    const { view, t } = await mount();
    await act(async () => {
      fireEvent.click(view.getByTestId('tab-rules'));
      await frame();
    });
    await act(async () => {
      fireEvent.click(view.getByTestId('rule-add'));
      await frame();
    });
    await act(async () => {
      fireEvent.change(view.getByTestId('rule-match-type'), { target: { value: 'json' } });
      await frame();
    });
    await act(async () => {
      fireEvent.input(view.getByTestId('rule-match'), { target: { value: '$.a..b' } });
      await frame();
    });
    expect(view.getByTestId('rule-error').textContent).toMatch(/name is missing/);
    expect((view.getByTestId('rule-save') as HTMLButtonElement).disabled).toBe(true);
    await act(async () => {
      fireEvent.input(view.getByTestId('rule-match'), { target: { value: '$.type' } });
      fireEvent.input(view.getByTestId('rule-match-value'), { target: { value: 'ping' } });
      await frame();
    });
    await act(async () => {
      fireEvent.click(view.getByTestId('rule-save'));
      await frame();
    });
    const cmd = t.commands.filter((c) => c.cmd === 'rules').at(-1);
    expect(cmd).toMatchObject({ cmd: 'rules', holdTimeoutMs: 30000, rules: [{ match: { type: 'json', path: ['type'], value: '"ping"' }, action: { type: 'pause' } }] });
    expect(view.getAllByTestId('rule')).toHaveLength(1);
  });

  it('lists a held frame and decides on it; the log tags what happened', async () => {
    const { view, t, store } = await mount();
    const rule = { id: 'r', name: 'hold pings', action: 'pause' as const };
    await act(async () => {
      store.receive(fromFrame(events('d', [{ kind: 'message', direction: 'sent', payload: text('ping'), rule, queued: true }], 4)));
      await frame();
    });
    expect(view.getAllByTestId('held-frame')).toHaveLength(1);
    expect(view.getAllByTestId('frame').at(-1)!.dataset.rule).toBe('held');
    await act(async () => {
      fireEvent.click(view.getByTestId('held-drop'));
      await frame();
    });
    expect(t.commands.at(-1)).toMatchObject({ cmd: 'decide', seq: 4, verdict: 'drop' });
    await act(async () => {
      store.receive(fromFrame(envelope({ type: 'result' as const, docId: 'd', reqId: (t.commands.at(-1) as { reqId: number }).reqId, ok: true })));
      store.receive(fromFrame(events('d', [{ kind: 'verdict', ref: 4, outcome: 'dropped', waited: 900 }], 5)));
      await frame();
    });
    expect(view.queryAllByTestId('held-frame')).toHaveLength(0);
    expect(view.getAllByTestId('frame').at(-1)!.dataset.rule).toBe('dropped');
  });

  it('shows decoded summaries, the decoded side of the detail, and "decode as" raw', async () => {
    const { store, view } = await mount();
    await act(async () => {
      store.receive(
        fromFrame(
          events(
            'd',
            [
              { sid: 2, kind: 'created', url: 'ws://127.0.0.1/rpc', protocols: [], stack: '' },
              { sid: 2, kind: 'open', protocol: '', extensions: '' },
              { sid: 2, kind: 'message', direction: 'sent', payload: text('{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}') },
              { sid: 2, kind: 'message', direction: 'received', payload: text('{"jsonrpc":"2.0","result":3,"id":1}') },
            ],
            4,
          ),
        ),
      );
      store.selectSocket('d#2');
      await frame();
    });
    const summaries = () => view.queryAllByTestId('frame-summary').map((e) => e.textContent);
    expect(summaries()).toEqual(['', '', expect.stringMatching(/^call sum #1/), expect.stringMatching(/^result #1 · sum/)]);
    const rpc = view.getAllByTestId('decode-as')[1] as HTMLSelectElement;
    expect(rpc.dataset.protocol).toBe('json-rpc');
    // the result beside its decoding, leading to its call
    await act(async () => {
      fireEvent.click(view.getAllByTestId('frame')[3]);
      await frame();
    });
    expect(view.getByTestId('detail-decoded').dataset.protocol).toBe('json-rpc');
    expect(view.getByTestId('detail-rtt').textContent).toMatch(/round trip/);
    await act(async () => {
      fireEvent.click(view.getByTestId('related-frame'));
      await frame();
    });
    expect(view.getByTestId('detail-summary').textContent).toMatch(/^call sum/);
    await act(async () => {
      fireEvent.change(rpc, { target: { value: 'none' } });
      await frame();
    });
    expect(summaries()).toEqual(['', '', '', '']);
    expect(view.queryByTestId('detail-decoded')).toBeNull();
  });
});

describe('accessible structure (issue 18)', () => {
  it('the frame log is one grid: the header is row 1, every rendered row says where it is in the whole log', async () => {
    const { store, view } = await mount();
    const grid = view.getByRole('grid', { name: 'Frames' });
    expect(grid.getAttribute('aria-rowcount')).toBe('5');
    const rows = [...grid.querySelectorAll('[role=row]')];
    expect(rows[0].querySelectorAll('[role=columnheader]').length).toBe(7);
    // no empty column header: the direction column is named for screen readers
    for (const h of rows[0].querySelectorAll('[role=columnheader]')) expect(h.textContent!.trim()).not.toBe('');
    const frames = view.getAllByTestId('frame');
    expect(frames.map((r) => r.getAttribute('role'))).toEqual(['row', 'row', 'row', 'row']);
    expect(frames.map((r) => r.getAttribute('aria-rowindex'))).toEqual(['2', '3', '4', '5']);
    for (const r of frames) expect([...r.children].every((c) => c.getAttribute('role') === 'gridcell')).toBe(true);
    // a selected row is the grid's active descendant, so focus on the grid announces it
    await act(async () => {
      store.selectRow(store.log.frames[2].id);
      await frame();
    });
    expect(grid.getAttribute('aria-activedescendant')).toBe(frames[2].id);
    expect(frames[2].getAttribute('aria-selected')).toBe('true');
    // sorting is a button in its header, and the header says how the grid is sorted
    const time = view.getByRole('button', { name: /Time/ });
    expect(time.closest('[role=columnheader]')!.getAttribute('aria-sort')).toBe('ascending');
  });

  it('the sockets are rows of a grid, with "decode as" in a cell beside the socket, not inside an option', async () => {
    const { store, view } = await mount();
    const grid = view.getByRole('grid', { name: 'WebSocket connections' });
    expect(grid.getAttribute('aria-multiselectable')).toBe('true');
    const conn = view.getByTestId('connection');
    expect(conn.getAttribute('role')).toBe('row');
    expect(view.container.querySelector('[role=option]')).toBeNull();
    const decodeAs = view.getByTestId('decode-as');
    expect(decodeAs.closest('[role=gridcell]')!.parentElement).toBe(conn);
    await act(async () => {
      store.selectSocket(store.socketKeys()[0]);
      await frame();
    });
    expect(conn.getAttribute('aria-selected')).toBe('true');
    expect(grid.getAttribute('aria-activedescendant')).toBe(conn.id);
  });

  it('marks each document of several with a row of its own (a row header), still inside the sockets grid', async () => {
    const { store, view } = await mount();
    await act(async () => {
      store.receive(fromFrame(hello('f', 'http://127.0.0.1/frame.html'), 3));
      store.receive(fromFrame(events('f', socketLife('ws://127.0.0.1/other')), 3));
      await frame();
    });
    const grid = view.getByRole('grid', { name: 'WebSocket connections' });
    const headers = [...grid.querySelectorAll('[role=row] > [role=rowheader]')].map((h) => h.textContent);
    expect(headers).toEqual([expect.stringMatching(/^Page: /), expect.stringMatching(/^Frame 3: /)]);
    // every child of the grid is a row or the rowgroup of its virtualised rows, and every child of a row a cell
    const rows = [...grid.children].flatMap((c) => (c.getAttribute('role') === 'rowgroup' ? [...c.children] : [c]));
    expect(rows.every((c) => c.getAttribute('role') === 'row')).toBe(true);
    for (const row of rows) expect([...row.children].every((c) => ['gridcell', 'rowheader'].includes(c.getAttribute('role')!))).toBe(true);
  });

  it('has landmarks: a banner with the toolbar, the sockets beside the main area, named panes', async () => {
    const { view } = await mount();
    expect(view.getByRole('banner').querySelector('[role=toolbar]')).not.toBeNull();
    expect(view.getByRole('complementary', { name: 'Sockets' }).contains(view.getByTestId('connection'))).toBe(true);
    expect(view.getByRole('main').contains(view.getByTestId('composer-input'))).toBe(true);
    const tab = view.getByRole('tab', { name: 'Frame' });
    expect(view.getByRole('tabpanel').getAttribute('aria-labelledby')).toBe(tab.id);
  });
});
