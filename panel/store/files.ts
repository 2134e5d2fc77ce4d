/** What the log writes to files (HAR, JSON Lines, a test or mock server) and what reading one tells the user. */
import { buildScript, type ExportChoices, type ExportScope } from '../lib/captureScript';
import { exportMockServer } from '../lib/exportMockServer';
import { exportPlaywright } from '../lib/exportPlaywright';
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

/**
 * What a test or mock-server export covers: the selected sockets (none selected: the one the composer acts on), all
 * of them, or the marked rows (with their sockets).
 */
export function scriptRows(log: Log, sel: Selection, marked: readonly number[], scope: ExportScope): { sockets: Socket[]; rows: Frame[] } {
  if (scope === 'marked') {
    const rows = [...marked].sort((a, b) => a - b).map((id) => rowById(log, id)).filter((f): f is Frame => !!f);
    const keys = new Set(rows.map((f) => f.socketKey));
    return { sockets: log.socketOrder.filter((k) => keys.has(k)).map((k) => log.sockets.get(k)!), rows };
  }
  const keys = scope === 'all' ? log.socketOrder : sel.sockets.size ? [...sel.sockets] : sel.primary ? [sel.primary] : log.socketOrder;
  const sockets = keys.map((k) => log.sockets.get(k)).filter((x): x is Socket => !!x);
  return { sockets, rows: rowsOfSockets(log, sockets) };
}

/** A Playwright test (`.spec.ts`) or a standalone mock server (`-mock-server.mjs`) replaying the rows' server side. */
export function scriptFile(sockets: Socket[], rows: Frame[], choices: ExportChoices, pageUrl: string | undefined, appVersion: string): SavedFile {
  const script = buildScript(sockets, rows, choices, { pageUrl, fromFirstRow: choices.scope === 'marked' });
  return choices.target === 'playwright'
    ? { name: `${fileStem(pageUrl)}.spec.ts`, text: exportPlaywright(script, { appVersion }) }
    : { name: `${fileStem(pageUrl)}-mock-server.mjs`, text: exportMockServer(script, { appVersion }) };
}

export function importedText(name: string, socketCount: number, sockets: ImportedSocket[], skipped: number): string {
  const frames = sockets.reduce((n, x) => n + x.messages.length, 0);
  return (
    `Imported ${socketCount} socket${socketCount === 1 ? '' : 's'} and ${frames.toLocaleString()} frame${frames === 1 ? '' : 's'} from ${name}` +
    (skipped ? ` (${skipped} control frame${skipped === 1 ? '' : 's'} skipped)` : '') +
    '. They are a record: nothing can be sent on them.'
  );
}
