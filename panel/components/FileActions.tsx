import { useRef, useState } from 'preact/hooks';
import { usePanel, useView } from './hooks/usePanel';
import { saveFile } from '../io/download';
import { HAR_MAX_BYTES, tooBigMessage } from '../lib/har';
import type { PanelActions } from '../store/view';
import { ExportScript } from './ExportScript';

/** Read a chosen or dropped HAR file into the log; a file too big is refused before it is read. */
export async function importHarFile(panel: PanelActions, file: File): Promise<void> {
  if (file.size > HAR_MAX_BYTES) {
    panel.notify('error', `Could not import ${file.name}: ${tooBigMessage(file.size)}`);
    return;
  }
  let text: string;
  try {
    text = await file.text();
  } catch (e) {
    panel.notify('error', `Could not read ${file.name}: ${(e as Error).message}`);
    return;
  }
  panel.importHar(file.name, text);
}

/** Toolbar buttons: export the log as HAR, JSON Lines or a test (Playwright, mock server), import a HAR. */
export function FileActions() {
  const panel = usePanel();
  const { someSelected, anySocket, anyShown } = useView((v) => ({
    someSelected: v.selection.sockets.size > 0,
    anySocket: v.socketKeys().length > 0,
    anyShown: v.counts().shown > 0,
  }));
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const scope = someSelected ? 'the selected sockets' : 'every socket';
  return (
    <>
      <button
        data-testid="export-har"
        disabled={busy || !anySocket}
        title={`Save ${scope} as a HAR file (Chrome DevTools can import it too)`}
        onClick={async () => {
          setBusy(true);
          try {
            const { name, text } = await panel.exportHar();
            saveFile(name, text, 'application/json');
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? 'Exporting…' : 'Export HAR'}
      </button>
      <button
        data-testid="export-jsonl"
        disabled={!anyShown}
        title="Save the frames in view (filter applied) as JSON Lines, one frame per line"
        onClick={() => {
          const { name, text } = panel.exportJsonLines();
          saveFile(name, text, 'application/x-ndjson');
        }}
      >
        JSONL
      </button>
      <ExportScript />
      <button title="Open a HAR file (from WS Lens or Chrome DevTools) to view its sockets; you can also drop it on the panel" onClick={() => input.current?.click()}>
        Import…
      </button>
      <input
        ref={input}
        type="file"
        accept=".har,.json,application/json"
        data-testid="import-har"
        hidden
        onChange={async (e) => {
          const el = e.currentTarget;
          const file = el.files?.[0];
          if (file) await importHarFile(panel, file);
          // the same file can be chosen again
          el.value = '';
        }}
      />
    </>
  );
}
