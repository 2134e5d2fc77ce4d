/** The order of the rows in view: the log's own (time), by payload size, or by handler time; either way round. */
import type { Frame } from './model';

export interface SortSpec {
  by: 'time' | 'size' | 'handler';
  desc: boolean;
}

export const DEFAULT_SORT: SortSpec = { by: 'time', desc: false };

/** A click on a column: the same column turns the order round; a new one starts where it is most useful. */
export function nextSort(current: SortSpec, by: SortSpec['by']): SortSpec {
  return current.by === by ? { by, desc: !current.desc } : { by, desc: by !== 'time' };
}

/** The log arrives in time order: new rows can simply be appended in that order, and only in that one. */
export function appendKeepsOrder(sort: SortSpec): boolean {
  return sort.by === 'time' && !sort.desc;
}

/** Sort row ids (given in log order) in place. */
export function sortRowIds(rowIds: number[], sort: SortSpec, row: (rowId: number) => Frame | undefined): void {
  if (sort.by === 'size') {
    const size = (id: number) => row(id)?.payload?.size ?? -1;
    rowIds.sort((a, b) => size(a) - size(b));
  } else if (sort.by === 'handler') {
    // rows without handler runs (sent frames, events, frames before timing was on) sort below every timed one
    const ms = (id: number) => row(id)?.handlerMs ?? -1;
    rowIds.sort((a, b) => ms(a) - ms(b));
  }
  if (sort.desc) rowIds.reverse();
}
