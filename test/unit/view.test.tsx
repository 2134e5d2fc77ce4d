// @vitest-environment happy-dom
/**
 * The components' seam: they read the store through its read-only view and re-render only when what they watch
 * changed, not on every change of the store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, render } from '@testing-library/preact';
import { PanelContext, shallowEqual, useView } from '../../panel/components/hooks/usePanel';
import { Store } from '../../panel/store/store';
import type { PanelView } from '../../panel/store/view';
import { events, fromFrame, hello, socketLife, text } from './fixtures';
import { FakeTransport } from './lib/fakeTransport';

const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));

function mountWatcher<T>(watch: (v: PanelView) => T) {
  const store = new Store(new FakeTransport());
  const renders: T[] = [];
  function Watcher() {
    renders.push(useView(watch));
    return null;
  }
  render(
    <PanelContext.Provider value={store}>
      <Watcher />
    </PanelContext.Provider>,
  );
  return { store, renders };
}

afterEach(async () => {
  await act(() => cleanup());
});

describe('the view components read', () => {
  it('re-renders a component only when what it watches changed', async () => {
    const { store, renders } = mountWatcher((v) => ({ on: v.rulesOn }));
    await act(async () => {
      store.notify('info', 'unrelated');
      store.receive(fromFrame(hello('d')));
      store.receive(fromFrame(events('d', socketLife())));
      await frame();
    });
    expect(renders).toEqual([{ on: true }]);
    await act(async () => {
      store.setRules([], { on: false });
      await frame();
    });
    expect(renders).toEqual([{ on: true }, { on: false }]);
  });

  it('many changes before a frame make one render', async () => {
    const { store, renders } = mountWatcher((v) => v.counts().total);
    await act(async () => {
      store.receive(fromFrame(hello('d')));
      store.receive(fromFrame(events('d', socketLife())));
      store.receive(fromFrame(events('d', [{ kind: 'message', direction: 'received', payload: text('more') }], 4)));
      await frame();
    });
    expect(renders).toEqual([0, 5]);
  });

  it('counts changes to the log by part, so a view of one part can skip the others', () => {
    const store = new Store(new FakeTransport());
    store.receive(fromFrame(hello('d')));
    const before = store.revisions;
    store.receive(fromFrame(events('d', socketLife())));
    const after = store.revisions;
    expect([after.rows > before.rows, after.sockets > before.sockets, after.shown > before.shown]).toEqual([true, true, true]);
    expect(after.queued).toBe(before.queued);
    store.notify('info', 'x');
    expect(store.revisions).toEqual(after);
  });

  it('gives the rows in view by range, item by item', () => {
    const store = new Store(new FakeTransport());
    store.receive(fromFrame(hello('d')));
    store.receive(fromFrame(events('d', socketLife())));
    const rows = store.rowsInRange(2, 6);
    expect(rows.map((f) => f?.direction)).toEqual(['sent', 'received', undefined, undefined]);
    expect(store.indexOfRow(rows[1]!.id)).toBe(3);
    expect(store.rowIdAt(3)).toBe(rows[1]!.id);
  });
});

describe('shallowEqual', () => {
  it('compares values, and arrays or objects item by item', () => {
    const o = {};
    expect(shallowEqual({ a: 1, b: o }, { a: 1, b: o })).toBe(true);
    expect(shallowEqual({ a: 1, b: {} }, { a: 1, b: {} })).toBe(false);
    expect(shallowEqual([1, 'x'], [1, 'x'])).toBe(true);
    expect(shallowEqual([1], { 0: 1 })).toBe(false);
    expect(shallowEqual({ a: undefined }, {})).toBe(false);
    expect(shallowEqual(NaN, NaN)).toBe(true);
  });
});
