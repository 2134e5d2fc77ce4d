import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { usePanel, useView } from './hooks/usePanel';
import { lineColumn, minifyJson, parseComposer, prettyJson, validateClose, type ComposerMode } from '../lib/composer';
import { formatBytes } from '../lib/format';
import { focusPane } from './keys';

const HISTORY_MAX = 50;

export interface SavedMessage {
  name: string;
  mode: ComposerMode;
  text: string;
}

export interface ComposerPersistence {
  loadHistory(): Promise<string[]>;
  saveHistory(h: string[]): void;
  loadSaved(): Promise<SavedMessage[]>;
  saveSaved(list: SavedMessage[]): void;
}

export function Composer({ persistence }: { persistence?: ComposerPersistence }) {
  const panel = usePanel();
  // the composer shows only the socket it sends on: not its traffic, which would re-render it on every batch
  const sock = useView((v) => {
    const s = v.socket(v.selection.primary);
    return s && { sid: s.sid, url: s.url, state: s.state, imported: v.doc(s.docId)?.imported };
  });
  const [mode, setMode] = useState<ComposerMode>('text');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [history, setHistory] = useState<string[]>([]);
  const [cursor, setCursor] = useState(-1);
  const [code, setCode] = useState('1000');
  const [reason, setReason] = useState('');
  const [saved, setSaved] = useState<SavedMessage[]>([]);
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    void persistence?.loadHistory().then(setHistory);
    void persistence?.loadSaved().then(setSaved);
  }, [persistence]);

  const saveCurrent = () => {
    const firstLine = text.trim().split('\n')[0];
    const name = firstLine.length > 40 ? `${firstLine.slice(0, 40)}…` : firstLine;
    const list = [{ name, mode, text }, ...saved.filter((m) => m.text !== text || m.mode !== mode)].slice(0, 100);
    setSaved(list);
    persistence?.saveSaved(list);
  };
  const removeSaved = (i: number) => {
    const list = saved.filter((_, j) => j !== i);
    setSaved(list);
    persistence?.saveSaved(list);
  };

  const parsed = useMemo(() => parseComposer(mode, text), [mode, text]);
  const closeCheck = validateClose(code, reason);
  const open = sock?.state === 'open';
  const imported = sock?.imported;
  const why = !sock
    ? 'Select a socket to send on.'
    : imported
      ? `Imported from ${imported}: a record, nothing can be sent on it.`
      : !open
        ? `The socket is ${sock.state}: frames can only go out while it is open.`
        : undefined;

  const remember = (t: string) => {
    const h = [t, ...history.filter((x) => x !== t)].slice(0, HISTORY_MAX);
    setHistory(h);
    setCursor(-1);
    persistence?.saveHistory(h);
  };

  const act = async (kind: 'send' | 'inject') => {
    if (!parsed.ok || busy) return;
    setBusy(true);
    const err = await panel.act(kind, parsed.payload);
    setBusy(false);
    // on failure the text stays in the composer: nothing is lost
    if (!err) remember(text);
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void act(e.shiftKey ? 'inject' : 'send');
      return;
    }
    if (e.key === 'Escape') {
      // out of the text area, back to the frames (and not to DevTools, whose Esc opens its drawer)
      e.preventDefault();
      e.stopPropagation();
      focusPane((e.currentTarget as HTMLElement).ownerDocument, 'frames');
      return;
    }
    const ta = e.currentTarget as HTMLTextAreaElement;
    // Up/Down walk the history when the caret is on the first/last line, like a shell
    if (e.key === 'ArrowUp' && !ta.value.slice(0, ta.selectionStart).includes('\n') && history.length) {
      const c = Math.min(history.length - 1, cursor + 1);
      setCursor(c);
      setText(history[c]);
      e.preventDefault();
    } else if (e.key === 'ArrowDown' && !ta.value.slice(ta.selectionEnd).includes('\n') && cursor >= 0) {
      const c = cursor - 1;
      setCursor(c);
      setText(c < 0 ? '' : history[c]);
      e.preventDefault();
    }
  };

  const status = !text
    ? ''
    : parsed.ok
      ? `${formatBytes(parsed.bytes)}${mode === 'json' ? ' · valid JSON' : ''}`
      : parsed.error;
  const errorAt = !parsed.ok && parsed.position !== undefined ? lineColumn(text, parsed.position) : undefined;

  return (
    <div class="composer" role="form" aria-label="Send a frame">
      <div class="composer-bar">
        <select data-testid="composer-mode" aria-label="Frame format" value={mode} onChange={(e) => setMode(e.currentTarget.value as ComposerMode)}>
          <option value="text">Text</option>
          <option value="json">JSON</option>
          <option value="hex">Binary (hex)</option>
          <option value="base64">Binary (base64)</option>
        </select>
        {mode === 'json' && (
          <>
            <button data-testid="composer-pretty" disabled={!parsed.ok} onClick={() => setText(prettyJson(text) ?? text)}>
              Pretty
            </button>
            <button data-testid="composer-minify" disabled={!parsed.ok} onClick={() => setText(minifyJson(text) ?? text)}>
              Minify
            </button>
          </>
        )}
        <select
          data-testid="saved-messages"
          aria-label="Saved messages"
          title="Saved messages (kept in extension storage)"
          value=""
          onChange={(e) => {
            const m = saved[Number(e.currentTarget.value)];
            if (m) {
              setMode(m.mode);
              setText(m.text);
            }
          }}
        >
          <option value="">Saved ({saved.length})</option>
          {saved.map((m, i) => (
            <option value={String(i)}>{m.name}</option>
          ))}
        </select>
        <button data-testid="save-message" disabled={!text} title="Keep this frame in the saved messages" onClick={saveCurrent}>
          Save
        </button>
        {saved.some((m) => m.text === text && m.mode === mode) && (
          <button title="Remove from saved messages" onClick={() => removeSaved(saved.findIndex((m) => m.text === text && m.mode === mode))}>
            Unsave
          </button>
        )}
        <span class="composer-target" title={sock?.url}>
          {sock ? `on #${sock.sid} ${sock.url}` : 'no socket selected'}
        </span>
        <span class="spacer" />
        <span class={`composer-status ${text && !parsed.ok ? 'error' : ''}`} data-testid="composer-status" role="status">
          {status}
        </span>
      </div>
      <textarea
        ref={area}
        data-testid="composer-input"
        data-pane="composer"
        aria-keyshortcuts="m"
        class={text && !parsed.ok ? 'invalid' : ''}
        aria-label="Frame to send"
        aria-invalid={!!text && !parsed.ok}
        placeholder={mode === 'hex' ? '48 65 6c 6c 6f' : mode === 'base64' ? 'SGVsbG8=' : mode === 'json' ? '{"type": "ping"}' : 'Type a frame; Ctrl+Enter sends, ↑/↓ history'}
        value={text}
        spellcheck={false}
        onInput={(e) => {
          setText(e.currentTarget.value);
          setCursor(-1);
        }}
        onKeyDown={onKey}
      />
      {errorAt && <div class="composer-where">line {errorAt.line}, column {errorAt.column}</div>}
      <div class="composer-actions">
        <button
          class="primary"
          data-testid="composer-send"
          disabled={!!why || !parsed.ok || busy}
          title={why ?? (parsed.ok ? 'Send on the page’s socket (Ctrl+Enter)' : parsed.error)}
          onClick={() => void act('send')}
        >
          Send
        </button>
        <button
          data-testid="composer-inject"
          disabled={!!why || !parsed.ok || busy}
          title={why ?? 'Deliver to the page as if the server had sent it (Ctrl+Shift+Enter)'}
          onClick={() => void act('inject')}
        >
          Inject as received
        </button>
        {why && (
          <span class="composer-why" data-testid="composer-why">
            {why}
          </span>
        )}
        <span class="spacer" />
        <label>
          code <input class="code" data-testid="close-code" value={code} onInput={(e) => setCode(e.currentTarget.value)} aria-label="Close code" />
        </label>
        <label>
          reason <input class="reason" data-testid="close-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} aria-label="Close reason" />
        </label>
        <button
          data-testid="composer-close"
          disabled={!sock || !!imported || sock.state === 'closed' || sock.state === 'closing' || !closeCheck.ok}
          title={!closeCheck.ok ? closeCheck.error : 'Close the page’s socket'}
          onClick={() => {
            if (closeCheck.ok) void panel.closeSocket(closeCheck.code, closeCheck.code === undefined ? undefined : reason);
          }}
        >
          Close socket
        </button>
        {!closeCheck.ok && <span class="composer-why error">{closeCheck.error}</span>}
      </div>
    </div>
  );
}
