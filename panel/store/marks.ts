/**
 * Rows marked for replay (Ctrl/Cmd-click toggles one, Shift-click marks the range from the last one). Each function
 * returns new marks and leaves the old ones as they were, so a view can tell a change by identity.
 */
import type { Frame } from './model';

export interface Marks {
  readonly rowIds: ReadonlySet<number>;
  /** where a Shift-click range starts */
  readonly last: number | undefined;
}

export const NO_MARKS: Marks = { rowIds: new Set(), last: undefined };

/** Only messages with a payload can be replayed; lifecycle rows cannot be marked. */
export function markable(f: Frame | undefined): f is Frame {
  return !!f && f.direction !== 'event' && !!f.payload;
}

/** `shown` is the rows in view, in view order: a range is what the user sees between two clicks. */
export function mark(marks: Marks, rowId: number, mode: 'toggle' | 'range', shown: readonly number[], canMark: (rowId: number) => boolean): Marks {
  const rowIds = new Set(marks.rowIds);
  if (mode === 'range' && marks.last !== undefined) {
    const a = shown.indexOf(marks.last);
    const b = shown.indexOf(rowId);
    if (a >= 0 && b >= 0) for (let i = Math.min(a, b); i <= Math.max(a, b); i++) if (canMark(shown[i])) rowIds.add(shown[i]);
  } else if (rowIds.has(rowId)) rowIds.delete(rowId);
  else if (canMark(rowId)) rowIds.add(rowId);
  return { rowIds, last: rowId };
}

/**
 * The log lost its rows (a clear, a new page): nothing is marked any more. Where a range starts is kept, as it
 * always was; a Shift-click from a row no longer in view marks nothing.
 */
export function unmarkAll(marks: Marks): Marks {
  return marks.rowIds.size ? { rowIds: new Set(), last: marks.last } : marks;
}

/** What a replay covers: the marked rows in log order, else the selected row. */
export function replayRowIds(marks: Marks, selectedRowId: number | undefined): number[] {
  if (marks.rowIds.size) return [...marks.rowIds].sort((a, b) => a - b);
  return selectedRowId !== undefined ? [selectedRowId] : [];
}
