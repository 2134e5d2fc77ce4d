import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { usePanel, useView } from './hooks/usePanel';
import { saveFile } from '../io/download';
import { DEFAULT_CHOICES, ignoreListError, parseIgnoreList, type ExportChoices, type ExportScope } from '../lib/captureScript';
import { plural } from '../lib/format';

/**
 * "Export test…": the capture as a Playwright test or a standalone mock server (panel/lib/exportPlaywright.ts,
 * exportMockServer.ts). A small modal dialog: focus goes to its first control, Tab stays inside it, Escape or Cancel
 * closes it and gives focus back to the button that opened it.
 */
export function ExportScript() {
  const panel = usePanel();
  const anySocket = useView((v) => v.socketKeys().length > 0);
  const [open, setOpen] = useState(false);
  // kept across openings while the panel lives, so a second export starts from the first one's choices
  const [choices, setChoices] = useState<ExportChoices>(DEFAULT_CHOICES);
  const [ignoreText, setIgnoreText] = useState(DEFAULT_CHOICES.ignore.join(', '));
  const opener = useRef<HTMLButtonElement>(null);
  return (
    <>
      <button
        ref={opener}
        data-testid="export-script"
        disabled={!anySocket}
        aria-haspopup="dialog"
        aria-expanded={open}
        title="Save the capture as a Playwright test (page.routeWebSocket) or as a standalone mock server (Node, ws)"
        onClick={() => setOpen(true)}
      >
        Export test…
      </button>
      {open && (
        <ExportDialog
          choices={choices}
          ignoreText={ignoreText}
          onChange={(patch, text) => {
            setChoices((c) => ({ ...c, ...patch }));
            if (text !== undefined) setIgnoreText(text);
          }}
          onClose={() => {
            setOpen(false);
            opener.current?.focus();
          }}
          onExport={async (c) => {
            const { name, text } = await panel.exportScript(c);
            saveFile(name, text, c.target === 'playwright' ? 'text/plain' : 'text/javascript');
          }}
        />
      )}
    </>
  );
}

interface DialogProps {
  choices: ExportChoices;
  ignoreText: string;
  onChange(patch: Partial<ExportChoices>, ignoreText?: string): void;
  onClose(): void;
  onExport(c: ExportChoices): Promise<void>;
}

const SCOPES: [ExportScope, string][] = [
  ['selected', 'Selected sockets'],
  ['all', 'All sockets'],
  ['marked', 'Marked frames'],
];

function ExportDialog({ choices, ignoreText, onChange, onClose, onExport }: DialogProps) {
  const panel = usePanel();
  // what the counts depend on; they are counted again only when one of these moved
  const { rows, selection, marks } = useView((v) => ({ rows: v.revisions.rows, selection: v.selection, marks: v.marks }));
  const scope = choices.scope === 'marked' && !marks.rowIds.size ? 'selected' : choices.scope;
  const { sockets, frames } = useMemo(() => panel.scriptScope(scope), [panel, scope, rows, selection, marks]);
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const first = useRef<HTMLSelectElement>(null);
  useEffect(() => first.current?.focus(), []);

  const ignoreError = choices.match === 'json' ? ignoreListError(parseIgnoreList(ignoreText)) : undefined;
  const nothing = frames === 0 ? 'Nothing to export: no frames in this scope.' : undefined;
  const why = ignoreError ?? nothing;
  const playwright = choices.target === 'playwright';

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    } else if (e.key === 'Tab' && box.current) {
      // keep Tab inside the dialog
      const focusable = [...box.current.querySelectorAll<HTMLElement>('select, input, button')].filter((el) => !(el as HTMLButtonElement).disabled);
      const at = focusable.indexOf(document.activeElement as HTMLElement);
      if (e.shiftKey && at <= 0) {
        e.preventDefault();
        focusable[focusable.length - 1]?.focus();
      } else if (!e.shiftKey && at === focusable.length - 1) {
        e.preventDefault();
        focusable[0]?.focus();
      }
    }
  };

  return (
    <div class="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={box} class="dialog export-dialog" role="dialog" aria-modal="true" aria-labelledby="export-title" data-testid="export-dialog" onKeyDown={onKeyDown}>
        <h2 id="export-title">Export the capture as a test</h2>
        <div class="dialog-grid">
          <label for="export-target">As</label>
          <select id="export-target" ref={first} data-testid="export-target" value={choices.target} onChange={(e) => onChange({ target: e.currentTarget.value as ExportChoices['target'] })}>
            <option value="playwright">Playwright test (.spec.ts, page.routeWebSocket)</option>
            <option value="mock-server">Mock server (Node script on ws)</option>
          </select>

          <label for="export-scope">Frames</label>
          <span class="dialog-row">
            <select id="export-scope" data-testid="export-scope" value={scope} onChange={(e) => onChange({ scope: e.currentTarget.value as ExportScope })}>
              {SCOPES.map(([s, label]) => (
                <option key={s} value={s} disabled={s === 'marked' && !marks.rowIds.size}>
                  {label}
                  {s === 'marked' ? ` (${marks.rowIds.size})` : ''}
                </option>
              ))}
            </select>
            <span class="dim" data-testid="export-summary" aria-live="polite">
              {plural(sockets, 'socket')}, {plural(frames, 'frame')}
            </span>
          </span>

          <label for="export-match">Match the page's frames</label>
          <select id="export-match" data-testid="export-match" value={choices.match} onChange={(e) => onChange({ match: e.currentTarget.value as ExportChoices['match'] })}>
            <option value="json">as JSON, ignoring fields</option>
            <option value="text">by exact text</option>
            <option value="regex">by a regex per frame (edit it in the file)</option>
          </select>
          {choices.match === 'json' && (
            <>
              <label for="export-ignore">Fields that may differ</label>
              <input
                id="export-ignore"
                data-testid="export-ignore"
                class={ignoreError ? 'invalid' : ''}
                aria-invalid={!!ignoreError}
                aria-describedby={ignoreError ? 'export-error' : 'export-ignore-hint'}
                title="Keys (id: anywhere) or JSON paths ($.meta.ts), separated by commas"
                value={ignoreText}
                onInput={(e) => {
                  const text = e.currentTarget.value;
                  onChange({ ignore: parseIgnoreList(text) }, text);
                }}
              />
              <span />
              <span class="dim" id="export-ignore-hint">
                keys (id, anywhere) or paths ($.meta.ts); an ignored field the server echoed is echoed with the page's value
              </span>
            </>
          )}

          <label for="export-timing">Answers</label>
          <select id="export-timing" data-testid="export-timing" value={choices.timing} onChange={(e) => onChange({ timing: e.currentTarget.value as ExportChoices['timing'] })}>
            <option value="recorded">with the recorded delays</option>
            <option value="fast">as fast as possible</option>
          </select>

          <label for="export-unmatched">A frame the capture does not have</label>
          <select id="export-unmatched" data-testid="export-unmatched" value={choices.unmatched} onChange={(e) => onChange({ unmatched: e.currentTarget.value as ExportChoices['unmatched'] })}>
            <option value="fail">{playwright ? 'fails the test' : 'is an error (logged, exit code 1)'}</option>
            <option value="pass">goes on to the real server</option>
          </select>
        </div>
        <p class="dim dialog-note">
          {playwright
            ? 'The test opens the page with the server replayed, answers each frame the page sends with what the server sent after it, and fails unless the page sends every recorded frame.'
            : 'The server replays the server side to any client that connects: what the server sent first on connect, then each answer when the client sends the frame it followed.'}
        </p>
        {why && (
          <p class="error" id="export-error" data-testid="export-error" role="alert">
            {why}
          </p>
        )}
        <div class="dialog-buttons">
          <button data-testid="export-cancel" onClick={onClose}>
            Cancel
          </button>
          <button
            class="primary"
            data-testid="export-save"
            disabled={busy || !!why}
            onClick={async () => {
              setBusy(true);
              try {
                await onExport({ ...choices, scope, ignore: choices.match === 'json' ? parseIgnoreList(ignoreText) : [] });
                onClose();
              } finally {
                setBusy(false);
              }
            }}
          >
            {busy ? 'Exporting…' : playwright ? 'Save .spec.ts' : 'Save .mjs'}
          </button>
        </div>
      </div>
    </div>
  );
}
