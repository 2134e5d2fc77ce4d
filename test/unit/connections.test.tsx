// @vitest-environment happy-dom
/**
 * Thousands of sockets (issue 18): the connection list is virtualised (a screenful of rows exists, whatever the
 * count), filterable by url and state, and picking one of 5,000 takes under 50 ms, from the click until the list
 * and the frames show it (the view's redraw on the next animation frame included).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render } from '@testing-library/preact';
import { App } from '../../panel/components/App';
import { PanelContext } from '../../panel/components/hooks/usePanel';
import { Store } from '../../panel/store/store';
import { events, fromFrame, hello, text } from './fixtures';
import { FakeTransport } from './lib/fakeTransport';

for (const p of ['offsetHeight', 'clientHeight']) Object.defineProperty(HTMLElement.prototype, p, { configurable: true, get: () => 600 });
for (const p of ['offsetWidth', 'clientWidth']) Object.defineProperty(HTMLElement.prototype, p, { configurable: true, get: () => 800 });

const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));
const SOCKETS = 5000;

async function mount() {
  const store = new Store(new FakeTransport());
  const view = render(
    <PanelContext.Provider value={store}>
      <App />
    </PanelContext.Provider>,
  );
  const list: Parameters<typeof events>[1] = [];
  for (let sid = 1; sid <= SOCKETS; sid++) {
    list.push({ sid, kind: 'created' as const, url: `ws://127.0.0.1/room/${sid}`, protocols: [], stack: '' });
    if (sid % 10 !== 0) list.push({ sid, kind: 'open' as const, protocol: '', extensions: '' });
    list.push({ sid, kind: 'message' as const, direction: 'received' as const, payload: text(`{"type":"hello","room":${sid}}`) });
  }
  await act(async () => {
    store.receive(fromFrame(hello('d')));
    store.receive(fromFrame(events('d', list)));
    await frame();
  });
  return { store, view };
}

afterEach(async () => {
  await act(() => cleanup());
});

/** Resolve when `check` holds after a DOM change, with the ms since `t0`. */
function when(root: Node, check: () => boolean, t0: number): Promise<number> {
  return new Promise((resolve) => {
    if (check()) return resolve(performance.now() - t0);
    const seen = new MutationObserver(() => {
      if (!check()) return;
      seen.disconnect();
      resolve(performance.now() - t0);
    });
    seen.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

describe('thousands of sockets', () => {
  it('renders a screenful of 5,000 sockets, and picks one fast (goal 50 ms; the median checked against 150)', async () => {
    const { store, view } = await mount();
    const rows = () => view.getAllByTestId('connection');
    expect(store.socketKeys()).toHaveLength(SOCKETS);
    expect(rows().length).toBeLessThan(30);
    expect(view.getByTestId('connection-all').textContent).toContain('5,000');

    // filter to a few by url, then pick the last of them; the click is timed until the list and the log show it
    await act(async () => {
      fireEvent.input(view.getByTestId('connection-filter'), { target: { value: 'room/49' } });
      await frame();
    });
    // room/49, room/490-499, room/4900-4999
    expect(view.getByRole('grid', { name: 'WebSocket connections' }).dataset.shown).toBe('111');
    const times: number[] = [];
    for (const pick of [0, 5, 10]) {
      const row = rows()[pick];
      const url = row.dataset.url!;
      const t0 = performance.now();
      fireEvent.click(row);
      const ms = await when(
        view.container,
        () =>
          view.queryAllByTestId('connection').some((r) => r.dataset.url === url && r.getAttribute('aria-selected') === 'true') &&
          view.queryAllByTestId('frame').some((f) => f.dataset.direction === 'received') &&
          view.queryAllByTestId('frame').every((f) => f.dataset.direction === 'event' || f.textContent!.includes(`"room":${url.split('/').pop()}}`)),
        t0,
      );
      times.push(ms);
    }
    console.log(`picking one of ${SOCKETS} sockets: ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
    // the goal is 50 ms (18-36 ms measured here, idle); a loaded CI machine doubles such times, so the test fails only
    // on what no load explains (a list that is not virtualised took 330 ms): the figure itself is printed above
    const sorted = [...times].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(150);
    await act(async () => {
      await frame();
    });
  });

  it('filters by state', async () => {
    const { view } = await mount();
    await act(async () => {
      fireEvent.change(view.getByTestId('connection-state'), { target: { value: 'connecting' } });
      await frame();
    });
    // every tenth never opened
    expect(view.getByRole('grid', { name: 'WebSocket connections' }).dataset.shown).toBe('500');
    expect(view.getAllByTestId('connection').every((r) => r.dataset.state === 'connecting')).toBe(true);
    await act(async () => {
      fireEvent.input(view.getByTestId('connection-filter'), { target: { value: 'room/4990' } });
      await frame();
    });
    expect(view.getAllByTestId('connection').map((r) => r.dataset.url)).toEqual(['ws://127.0.0.1/room/4990']);
  });
});
