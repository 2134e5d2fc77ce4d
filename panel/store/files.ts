/** What the log writes to files (HAR, JSON Lines) and what reading one tells the user. */
import { exportHar, type ImportedSocket } from '../lib/har';
import { framesToJsonLines } from '../lib/jsonl';
import { fileStem } from '../lib/fileName';
import { rowById, type Log } from './log';
import type { Frame, Socket } from './model';
import type { Selection } from './selection';

export interface SavedFile {
  name: string;
  text: string;
}

/** An export covers the selected sockets, or all of them. */
export function socketsToExport(log: Log, sel: Selection): Socket[] {
  const keys = sel.sockets.size ? [...sel.sockets] : log.socketOrder;
  return keys.map((k) => log.sockets.get(k)).filter((x): x is Socket => !!x);
}

export function rowsOfSockets(log: Log, sockets: Socket[]): Frame[] {
  const keys = new Set(sockets.map((x) => x.key));
  return log.frames.filter((f) => keys.has(f.socketKey));
}

/** HAR 1.2 in Chrome's dialect, so Chrome DevTools imports it too. */
export function harFile(sockets: Socket[], rows: Frame[], pageUrl: string | undefined, appVersion: string): SavedFile {
  const har = exportHar({ sockets, frames: rows, pageUrl, version: appVersion });
  return { name: `${fileStem(pageUrl)}.har`, text: JSON.stringify(har, null, 2) };
}

/** The rows in view, one JSON object per line. */
export function jsonLinesFile(log: Log, rowIds: readonly number[], pageUrl: string | undefined): SavedFile {
  const rows = rowIds.map((id) => rowById(log, id)).filter((f): f is Frame => !!f);
  return { name: `${fileStem(pageUrl)}.jsonl`, text: framesToJsonLines(rows, log.sockets) };
}

export function importedText(name: string, socketCount: number, sockets: ImportedSocket[], skipped: number): string {
  const frames = sockets.reduce((n, x) => n + x.messages.length, 0);
  return (
    `Imported ${socketCount} socket${socketCount === 1 ? '' : 's'} and ${frames.toLocaleString()} frame${frames === 1 ? '' : 's'} from ${name}` +
    (skipped ? ` (${skipped} control frame${skipped === 1 ? '' : 's'} skipped)` : '') +
    '. They are a record: nothing can be sent on them.'
  );
}
