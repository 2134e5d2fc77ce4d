import { useState } from 'preact/hooks';
import { useStore } from './hooks/useStore';
import { parseComposer } from '../lib/composer';
import { editableText } from '../lib/editable';
import type { Frame } from '../store/model';

/**
 * Replay marked frames (Ctrl/Shift-click rows) on the selected socket: sent ones go out again, received ones are
 * handed to the page again, each editable first, with their original spacing or as fast as possible.
 */
export function ReplayPane() {
  const store = useStore();
  const frames = store.replayFrames();
  // edits are kept by frame id, so marking more frames never loses one already made
  const [edits, setEdits] = useState<Record<number, string>>({});
  const [timing, setTiming] = useState<'original' | 'fast'>('original');
  const [busy, setBusy] = useState(false);
  const sock = store.socket(store.primarySocket);

  const textOf = (f: Frame) => edits[f.id] ?? editableText(f).text;
  const parsed = frames.map((f) => parseComposer(editableText(f).mode, textOf(f)));
  const bad = parsed.findIndex((p) => !p.ok);
  const span = frames.length > 1 ? frames[frames.length - 1].mono - frames[0].mono : 0;

  const run = async () => {
    setBusy(true);
    // a cut preview would replay the cut: fetch whole payloads first
    for (const f of frames)
      if (f.payload?.truncated && edits[f.id] === undefined) {
        const err = await store.fetchFullPayload(f.id);
        if (err) {
          store.notify('error', err);
          setBusy(false);
          return;
        }
      }
    const items = store.replayFrames().map((f) => {
      const p = parseComposer(editableText(f).mode, textOf(f));
      return { frame: f, payload: p.ok ? p.payload : { type: 'text' as const, data: '' } };
    });
    const err = await store.replay(items, timing);
    setBusy(false);
    if (!err) store.notify('info', `Replayed ${items.length} frame${items.length === 1 ? '' : 's'} on #${sock?.sid}.`);
  };

  return (
    <div class="replay" data-testid="replay" role="region" aria-label="Replay">
      <div class="rules-head">
        <span>
          {frames.length
            ? `${frames.length} frame${frames.length === 1 ? '' : 's'} ${store.marked.size ? 'marked' : 'selected'}`
            : 'Ctrl-click or Shift-click frames in the log to mark them for replay.'}
        </span>
        {store.marked.size > 0 && (
          <button data-testid="replay-clear" onClick={() => store.clearMarks()}>
            Unmark all
          </button>
        )}
        <span class="spacer" />
        <label class="check">
          <input type="radio" name="timing" data-testid="replay-original" checked={timing === 'original'} onChange={() => setTiming('original')} /> original timing
          {span > 0 ? ` (${(span / 1000).toFixed(2)} s)` : ''}
        </label>
        <label class="check">
          <input type="radio" name="timing" data-testid="replay-fast" checked={timing === 'fast'} onChange={() => setTiming('fast')} /> as fast as possible
        </label>
        <button
          class="primary"
          data-testid="replay-run"
          disabled={busy || !frames.length || bad >= 0 || sock?.state !== 'open'}
          title={sock?.state !== 'open' ? 'Select an open socket to replay on' : `Replay on #${sock.sid} ${sock.url}`}
          onClick={() => void run()}
        >
          {busy ? 'Replaying…' : `Replay on #${sock?.sid ?? '?'}`}
        </button>
      </div>
      {bad >= 0 && <div class="composer-where">Frame {bad + 1}: {(parsed[bad] as { error: string }).error}</div>}
      <div class="replay-list">
        {frames.map((f, i) => (
          <div class="replay-item" data-testid="replay-item" data-direction={f.direction}>
            <span class={`held-dir ${f.direction}`} title={f.direction === 'sent' ? 'sent again on the wire' : 'handed to the page again, as if received'}>
              {f.direction === 'sent' ? '↑ send' : '↓ inject'}
            </span>
            <span class="dim replay-at">+{Math.round(f.mono - frames[0].mono)} ms</span>
            <textarea
              data-testid="replay-input"
              rows={1}
              spellcheck={false}
              aria-label={`Frame ${i + 1}`}
              value={textOf(f)}
              onInput={(e) => {
                const value = e.currentTarget.value;
                setEdits((cur) => ({ ...cur, [f.id]: value }));
              }}
            />
          </div>
        ))}
      </div>
    </div>
  );
}
