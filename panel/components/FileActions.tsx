import { useRef, useState } from 'preact/hooks';
import { useStore } from './hooks/useStore';
import { saveFile } from '../io/download';
import { HAR_MAX_BYTES, tooBigMessage } from '../lib/har';
import type { Store } from '../store/store';

/** Read a chosen or dropped HAR file into the store; a file too big is refused before it is read. */
export async function importHarFile(store: Store, file: File): Promise<void> {
  if (file.size > HAR_MAX_BYTES) {
    store.notify('error', `Could not import ${file.name}: ${tooBigMessage(file.size)}`);
    return;
  }
  let text: string;
  try {
    text = await file.text();
  } catch (e) {
    store.notify('error', `Could not read ${file.name}: ${(e as Error).message}`);
    return;
  }
  store.importHar(file.name, text);
}

/** Toolbar buttons: export the log as HAR or JSON Lines, import a HAR. */
export function FileActions() {
  const store = useStore();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const scope = store.selectedSockets.size ? 'the selected sockets' : 'every socket';
  return (
    <>
      <button
        data-testid="export-har"
        disabled={busy || store.log.socketOrder.length === 0}
        title={`Save ${scope} as a HAR file (Chrome DevTools can import it too)`}
        onClick={async () => {
          setBusy(true);
          try {
            const { name, text } = await store.exportHar();
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
        disabled={store.visible.length === 0}
        title="Save the frames in view (filter applied) as JSON Lines, one frame per line"
        onClick={() => {
          const { name, text } = store.exportJsonLines();
          saveFile(name, text, 'application/x-ndjson');
        }}
      >
        JSONL
      </button>
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
          if (file) await importHarFile(store, file);
          // the same file can be chosen again
          el.value = '';
        }}
      />
    </>
  );
}
