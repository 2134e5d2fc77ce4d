// @vitest-environment happy-dom
/**
 * Issue 18's second pass, in the real components fed by a fake transport: saved filters (named, applied from the
 * toolbar, forgotten, restored per origin), the Types table (sorted, a bar per row, a click filters the log to the
 * type), the `?` overlay and the shortcuts, the JSON tree by keyboard.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render } from '@testing-library/preact';
import { App } from '../../panel/components/App';
import { PanelContext } from '../../panel/components/hooks/usePanel';
import { Store } from '../../panel/store/store';
import { events, fromFrame, hello, text } from './fixtures';
import { FakeTransport } from './lib/fakeTransport';

for (const p of ['offsetHeight', 'clientHeight']) Object.defineProperty(HTMLElement.prototype, p, { configurable: true, get: () => 400 });
for (const p of ['offsetWidth', 'clientWidth']) Object.defineProperty(HTMLElement.prototype, p, { configurable: true, get: () => 800 });

const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));
const settle = async () => {
  await frame();
  await new Promise((r) => setTimeout(r, 0));
  await frame();
};

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
    store.receive(
      fromFrame(
        events('d', [
          { kind: 'created', url: 'ws://127.0.0.1/echo', protocols: [], stack: '' },
          { kind: 'open', protocol: '', extensions: '' },
          { kind: 'message', direction: 'sent', payload: text('{"type":"chat","user":{"name":"Ada"}}') },
          { kind: 'message', direction: 'received', payload: text('{"type":"chat","user":{"name":"Ada"}}') },
          { kind: 'message', direction: 'received', payload: text(`{"type":"prices","data":"${'x'.repeat(400)}"}`) },
          { kind: 'message', direction: 'received', payload: text(`{"type":"prices","data":"${'y'.repeat(400)}"}`) },
          { kind: 'message', direction: 'received', payload: text('{"type":"ping"}') },
        ]),
      ),
    );
    await settle();
  });
  return { t, store, view };
}

const key = async (el: Element, k: string, init: KeyboardEventInit = {}) => {
  await act(async () => {
    fireEvent.keyDown(el, { key: k, bubbles: true, ...init });
    await settle();
  });
};

afterEach(async () => {
  await act(() => cleanup());
});

describe('saved filters', () => {
  it('names the filter in place, lists it in the toolbar, applies it, forgets it', async () => {
    const { store, view } = await mount();
    await act(async () => {
      fireEvent.input(view.getByTestId('filter-input'), { target: { value: 'type:prices size>300' } });
      fireEvent.change(view.getByTestId('filter-direction'), { target: { value: 'received' } });
      await settle();
    });
    expect(view.getAllByTestId('frame')).toHaveLength(2);
    await act(async () => {
      fireEvent.click(view.getByTestId('filter-save'));
      await settle();
    });
    const name = view.getByTestId('filter-save-name') as HTMLInputElement;
    expect(document.activeElement).toBe(name);
    await act(async () => {
      fireEvent.input(name, { target: { value: 'Big prices' } });
      await settle();
    });
    await key(name, 'Enter');
    expect(store.savedFilters).toEqual([{ name: 'Big prices', text: 'type:prices size>300', direction: 'received', invert: false, hideHeartbeats: false }]);
    const select = view.getByTestId('saved-filters') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(['Saved filters (1)', 'Big prices']);
    // the filter in place is the saved one: the toolbar says so, and offers to forget it
    expect(select.value).toBe('Big prices');
    expect(view.getByTestId('filter-delete')).toBeTruthy();

    // another filter, then the saved one back from the toolbar
    await act(async () => {
      store.setFilter({ text: '', direction: 'all' });
      await settle();
    });
    expect(view.getAllByTestId('frame')).toHaveLength(7);
    expect(select.value).toBe('');
    await act(async () => {
      fireEvent.change(select, { target: { value: 'Big prices' } });
      await settle();
    });
    expect((view.getByTestId('filter-input') as HTMLInputElement).value).toBe('type:prices size>300');
    expect((view.getByTestId('filter-direction') as HTMLSelectElement).value).toBe('received');
    expect(view.getAllByTestId('frame')).toHaveLength(2);

    await act(async () => {
      fireEvent.click(view.getByTestId('filter-delete'));
      await settle();
    });
    expect(store.savedFilters).toEqual([]);
    expect(view.getByTestId('filter-save')).toBeTruthy();
  });

  it('a name already used is replaced; Esc leaves the name unsaved; restore takes what storage had', async () => {
    const { store, view } = await mount();
    await act(async () => {
      store.setFilter({ text: 'ping' });
      store.saveFilter('mine');
      store.setFilter({ text: 'chat' });
      store.saveFilter('mine');
      await settle();
    });
    expect(store.savedFilters.map((f) => [f.name, f.text])).toEqual([['mine', 'chat']]);
    await act(async () => {
      store.setFilter({ text: 'other' });
      await settle();
    });
    await act(async () => {
      fireEvent.click(view.getByTestId('filter-save'));
      await settle();
    });
    const name = view.getByTestId('filter-save-name');
    fireEvent.input(name, { target: { value: 'nope' } });
    await key(name, 'Escape');
    expect(view.queryByTestId('filter-save-name')).toBeNull();
    expect(store.savedFilters).toHaveLength(1);
    // an older stored filter lacking a field gets its default
    await act(async () => {
      store.restoreSavedFilters([{ name: 'old', text: 'x' } as never]);
      await settle();
    });
    expect(store.savedFilters).toEqual([{ name: 'old', text: 'x', direction: 'all', invert: false, hideHeartbeats: false }]);
  });
});

describe('the Types table', () => {
  it('lists types by bytes, largest first, with both directions; sorts; a type filters the log to it and back', async () => {
    const { store, view } = await mount();
    await act(async () => {
      fireEvent.click(view.getByTestId('tab-types'));
      await settle();
    });
    const rows = () => view.getAllByTestId('type-row').map((r) => r.dataset.type);
    expect(rows()).toEqual(['prices', 'chat', 'ping']);
    expect(view.getByTestId('types-scope').textContent).toBe('all sockets');
    const chat = view.getAllByTestId('type-row')[1];
    const cell = (r: Element, c: string) => r.querySelector(`[data-col=${c}]`)!.textContent;
    expect([cell(chat, 'sentFrames'), cell(chat, 'receivedFrames'), cell(chat, 'frames')]).toEqual(['1', '1', '2']);
    // a bar per row, the largest full
    const bar = (r: Element) => (r.querySelector('.bar-received') as HTMLElement).style.width;
    expect(bar(view.getAllByTestId('type-row')[0])).toBe('100.0%');

    // by frames, then by name
    await act(async () => {
      fireEvent.click(view.getByTestId('types-sort-frames'));
      await settle();
    });
    expect(rows()).toEqual(['chat', 'prices', 'ping']);
    expect(view.getByTestId('types-sort-frames').closest('th')!.getAttribute('aria-sort')).toBe('descending');
    await act(async () => {
      fireEvent.click(view.getByTestId('types-sort-type'));
      await settle();
    });
    expect(rows()).toEqual(['chat', 'ping', 'prices']);

    // a click filters the log to the type; again shows every type
    await act(async () => {
      fireEvent.click(view.getAllByTestId('type-filter')[2]);
      await settle();
    });
    expect(store.settings.filter.text).toBe('type:prices');
    expect(view.getAllByTestId('frame')).toHaveLength(2);
    expect(view.getAllByTestId('type-filter')[2].getAttribute('aria-pressed')).toBe('true');
    await act(async () => {
      fireEvent.click(view.getAllByTestId('type-filter')[2]);
      await settle();
    });
    expect(store.settings.filter.text).toBe('');
  });

  it('covers the picked socket only', async () => {
    const { store, view } = await mount();
    await act(async () => {
      store.receive(
        fromFrame(
          events(
            'd',
            [
              { sid: 2, kind: 'created', url: 'ws://127.0.0.1/other', protocols: [], stack: '' },
              { sid: 2, kind: 'open', protocol: '', extensions: '' },
              { sid: 2, kind: 'message', direction: 'received', payload: { type: 'binary', data: 'AAAA', size: 3, truncated: false } },
            ],
            7,
          ),
        ),
      );
      fireEvent.click(view.getByTestId('tab-types'));
      await settle();
    });
    await act(async () => {
      store.selectSocket('d#2');
      await settle();
    });
    expect(view.getAllByTestId('type-row').map((r) => r.dataset.type)).toEqual(['binary']);
    expect(view.getByTestId('types-scope').textContent).toBe('#2 127.0.0.1/other');
  });
});

describe('keyboard', () => {
  it('? shows the shortcuts in a dialog; Esc closes it and the focus comes back', async () => {
    const { view } = await mount();
    const grid = view.getByRole('grid', { name: 'Frames' });
    grid.focus();
    await key(grid, '?');
    const dialog = view.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(dialog.textContent).toContain('Copy the path');
    expect(document.activeElement).toBe(view.getByTestId('shortcuts-close'));
    await key(document.activeElement!, 'Escape');
    expect(view.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(grid);
  });

  it('letters move between panes; they type as letters in a text field', async () => {
    const { view } = await mount();
    const body = document.body;
    await key(body, 'c');
    expect(document.activeElement).toBe(view.getByRole('grid', { name: 'WebSocket connections' }));
    await key(document.activeElement!, 'f');
    expect(document.activeElement).toBe(view.getByRole('grid', { name: 'Frames' }));
    await key(document.activeElement!, 'm');
    expect(document.activeElement).toBe(view.getByTestId('composer-input'));
    // in the composer, c is a letter
    await key(document.activeElement!, 'c');
    expect(document.activeElement).toBe(view.getByTestId('composer-input'));
    await key(document.activeElement!, 'Escape');
    expect(document.activeElement).toBe(view.getByRole('grid', { name: 'Frames' }));
    await key(document.activeElement!, '3');
    expect(document.activeElement).toBe(view.getByTestId('tab-rules'));
    expect(view.getByTestId('rules')).toBeTruthy();
    await key(document.activeElement!, 'ArrowRight');
    expect(document.activeElement).toBe(view.getByTestId('tab-replay'));
    expect(view.getByTestId('replay')).toBeTruthy();
  });

  it('walks frames, marks with Space, opens the JSON tree with Enter, moves in it and copies a path', async () => {
    const { store, view } = await mount();
    const grid = view.getByRole('grid', { name: 'Frames' });
    grid.focus();
    await key(grid, 'Home');
    await key(grid, 'ArrowDown');
    await key(grid, 'ArrowDown');
    expect(store.row(store.selection.rowId)!.preview).toContain('"chat"');
    await key(grid, ' ');
    await key(grid, 'ArrowDown');
    await key(grid, ' ', { shiftKey: true });
    expect(store.marks.rowIds.size).toBe(2);
    await key(grid, 'ArrowUp');
    await key(grid, 'Enter');
    const tree = view.getByTestId('detail').querySelector('[role=tree]')!;
    const focused = () => (document.activeElement as HTMLElement).dataset.path;
    expect(focused()).toBe('$');
    const copied: string[] = [];
    const seen = new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) if ((n as HTMLElement).tagName === 'TEXTAREA') copied.push((n as HTMLTextAreaElement).value);
    });
    seen.observe(document.body, { childList: true });
    await key(document.activeElement!, 'ArrowDown');
    expect(focused()).toBe('$.type');
    await key(document.activeElement!, 'ArrowDown');
    expect(focused()).toBe('$.user');
    await key(document.activeElement!, 'ArrowLeft');
    expect(document.activeElement!.getAttribute('aria-expanded')).toBe('false');
    await key(document.activeElement!, 'ArrowRight');
    await key(document.activeElement!, 'ArrowRight');
    expect(focused()).toBe('$.user.name');
    // c and p are the tree's: they copy, and the focus stays
    await key(document.activeElement!, 'p');
    await key(document.activeElement!, 'c');
    seen.disconnect();
    expect(copied).toEqual(['$.user.name', '"Ada"']);
    expect(focused()).toBe('$.user.name');
    await key(document.activeElement!, 'ArrowLeft');
    expect(focused()).toBe('$.user');
    // one item of the tree is in the Tab order
    expect(tree.querySelectorAll('[tabindex="0"]')).toHaveLength(1);
  });

  it('sockets: arrows pick, Ctrl+arrow moves without picking, Space adds, a shows all', async () => {
    const { store, view } = await mount();
    await act(async () => {
      store.receive(
        fromFrame(
          events(
            'd',
            [
              { sid: 2, kind: 'created', url: 'ws://127.0.0.1/two', protocols: [], stack: '' },
              { sid: 3, kind: 'created', url: 'ws://127.0.0.1/three', protocols: [], stack: '' },
            ],
            7,
          ),
        ),
      );
      await settle();
    });
    const grid = view.getByRole('grid', { name: 'WebSocket connections' });
    grid.focus();
    await key(grid, 'Home');
    expect([...store.selection.sockets]).toEqual(['d#1']);
    await key(grid, 'ArrowDown', { ctrlKey: true });
    await key(grid, 'ArrowDown', { ctrlKey: true });
    await key(grid, ' ');
    expect([...store.selection.sockets].sort()).toEqual(['d#1', 'd#3']);
    expect(grid.getAttribute('aria-activedescendant')).toBe('conn-2');
    await key(grid, 'a');
    expect(store.selection.sockets.size).toBe(0);
  });
});
