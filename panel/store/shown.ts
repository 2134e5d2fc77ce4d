/**
 * The rows in view: those of the selected sockets that pass the filter, in the chosen order. They are kept as a list
 * of row ids beside the log and extended as rows arrive rather than recomputed: under a flood, a pass over 200,000
 * rows per batch is what would freeze the table. Only a change of filter, selection or order walks the whole log.
 */
import { rowMatches, type CompiledFilter, type FilterSpec } from './filter';
import { rowById, type Log } from './log';
import type { Frame } from './model';
import { showsSocket, type Selection } from './selection';
import { sortRowIds, type SortSpec } from './sort';

export interface ViewCriteria {
  selection: Selection;
  filter: FilterSpec;
  compiled: CompiledFilter;
  sort: SortSpec;
}

/** Would be in view but for the "hide heartbeats" switch (whose count the toolbar shows). */
function isBeat(f: Frame, c: ViewCriteria): boolean {
  return c.filter.hideHeartbeats && f.decoded?.heartbeat === true;
}

function passes(f: Frame, c: ViewCriteria): boolean {
  return showsSocket(c.selection, f.socketKey) && rowMatches(f, c.filter, c.compiled);
}

export function inView(f: Frame, c: ViewCriteria): boolean {
  return passes(f, c) && !isBeat(f, c);
}

/** The rows in view and the heartbeats the switch hides from it. */
export interface ViewRows {
  shown: number[];
  hiddenBeats: number[];
}

/** Every row of the log in view, in order. */
export function rowsInView(log: Log, c: ViewCriteria): ViewRows {
  const rows: ViewRows = { shown: [], hiddenBeats: [] };
  for (const f of log.frames) if (passes(f, c)) (isBeat(f, c) ? rows.hiddenBeats : rows.shown).push(f.id);
  sortRowIds(rows.shown, c.sort, (id) => rowById(log, id));
  return rows;
}

/**
 * Append the rows from `fromRowId` on that are in view, to `rows.shown` in place (it may hold 200,000 ids: copying
 * it per batch is the cost this module exists to avoid). Returns whether any was added; the caller re-sorts if it
 * must.
 */
export function appendInView(rows: ViewRows, log: Log, fromRowId: number, c: ViewCriteria): boolean {
  let added = false;
  for (let id = Math.max(fromRowId, log.base); id < log.nextId; id++) {
    const f = rowById(log, id);
    if (!f || !passes(f, c)) continue;
    if (isBeat(f, c)) rows.hiddenBeats.push(id);
    else {
      rows.shown.push(id);
      added = true;
    }
  }
  return added;
}

/** Forget rows the log trimmed. */
export function withoutTrimmed(rows: ViewRows, log: Log): ViewRows {
  return { shown: rows.shown.filter((id) => id >= log.base), hiddenBeats: rows.hiddenBeats.filter((id) => id >= log.base) };
}
