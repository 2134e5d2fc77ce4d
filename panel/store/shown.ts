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

export function inView(f: Frame, c: ViewCriteria): boolean {
  return showsSocket(c.selection, f.socketKey) && rowMatches(f, c.filter, c.compiled);
}

/** Every row of the log in view, in order. */
export function rowsInView(log: Log, c: ViewCriteria): number[] {
  const out: number[] = [];
  for (const f of log.frames) if (inView(f, c)) out.push(f.id);
  sortRowIds(out, c.sort, (id) => rowById(log, id));
  return out;
}

/**
 * Append the rows from `fromRowId` on that are in view, to `shown` in place (it may hold 200,000 ids: copying it per
 * batch is the cost this module exists to avoid). Returns whether any was added; the caller re-sorts if it must.
 */
export function appendInView(shown: number[], log: Log, fromRowId: number, c: ViewCriteria): boolean {
  let added = false;
  for (let id = Math.max(fromRowId, log.base); id < log.nextId; id++) {
    const f = rowById(log, id);
    if (f && inView(f, c)) {
      shown.push(id);
      added = true;
    }
  }
  return added;
}

/** Forget rows the log trimmed. */
export function withoutTrimmed(shown: number[], log: Log): number[] {
  return shown.filter((id) => id >= log.base);
}
