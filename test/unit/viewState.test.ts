/** The view state's pure functions: each returns a new value and leaves the one it was given as it was. */
import { describe, expect, it } from 'vitest';
import { mark, NO_MARKS, replayRowIds, unmarkAll } from '../../panel/store/marks';
import { afterClear, NO_SELECTION, pickAllSockets, pickOnly, pickRow, pickSocket, showsSocket } from '../../panel/store/selection';
import { appendKeepsOrder, DEFAULT_SORT, nextSort, sortRowIds } from '../../panel/store/sort';

describe('selection', () => {
  it('picks one socket, toggles others, and shows all again, never changing the selection it was given', () => {
    const one = pickSocket(NO_SELECTION, 'a', 'only');
    expect([...one.sockets, one.primary]).toEqual(['a', 'a']);
    const two = pickSocket(one, 'b', 'toggle');
    expect([...two.sockets, two.primary]).toEqual(['a', 'b', 'b']);
    expect([...one.sockets]).toEqual(['a']);
    const back = pickSocket(two, 'a', 'toggle');
    expect([...back.sockets]).toEqual(['b']);
    const all = pickAllSockets(back);
    expect([all.sockets.size, all.primary]).toEqual([0, 'a']);
    expect(showsSocket(all, 'z')).toBe(true);
    expect(showsSocket(back, 'a')).toBe(false);
  });

  it('is the same object when nothing changed, so a view skips redrawing', () => {
    const sel = pickRow(NO_SELECTION, 3);
    expect(pickRow(sel, 3)).toBe(sel);
    expect(pickAllSockets(sel)).toBe(sel);
  });

  it('after a clear, forgets the row and the sockets that went', () => {
    const sel = pickRow(pickSocket(pickOnly(['a', 'b']), 'b', 'only'), 7);
    const after = afterClear(sel, (k) => k === 'a');
    expect([[...after.sockets], after.primary, after.rowId]).toEqual([[], undefined, undefined]);
  });
});

describe('marks', () => {
  const shown = [10, 11, 12, 13, 14];
  const any = () => true;
  it('toggles one row, marks a range in view order, and skips rows that cannot be replayed', () => {
    const a = mark(NO_MARKS, 11, 'toggle', shown, any);
    const b = mark(a, 14, 'range', shown, (id) => id !== 13);
    expect([...b.rowIds].sort()).toEqual([11, 12, 14]);
    expect([...a.rowIds]).toEqual([11]);
    expect([...mark(b, 12, 'toggle', shown, any).rowIds].sort()).toEqual([11, 14]);
  });

  it('replays the marked rows in log order, else the selected row', () => {
    const m = mark(mark(NO_MARKS, 13, 'toggle', shown, any), 10, 'toggle', shown, any);
    expect(replayRowIds(m, 12)).toEqual([10, 13]);
    expect(replayRowIds(NO_MARKS, 12)).toEqual([12]);
    expect(replayRowIds(unmarkAll(m), undefined)).toEqual([]);
  });
});

describe('sort', () => {
  it('turns the order round on the same column; size starts largest first', () => {
    expect(nextSort(DEFAULT_SORT, 'time')).toEqual({ by: 'time', desc: true });
    expect(nextSort(DEFAULT_SORT, 'size')).toEqual({ by: 'size', desc: true });
    expect(appendKeepsOrder(DEFAULT_SORT)).toBe(true);
    expect(appendKeepsOrder(nextSort(DEFAULT_SORT, 'time'))).toBe(false);
  });

  it('sorts row ids by payload size, rows without one first', () => {
    const sizes: Record<number, number | undefined> = { 1: 30, 2: undefined, 3: 5 };
    const ids = [1, 2, 3];
    sortRowIds(ids, { by: 'size', desc: false }, (id) => ({ payload: sizes[id] === undefined ? undefined : { size: sizes[id] } }) as never);
    expect(ids).toEqual([2, 3, 1]);
  });
});
