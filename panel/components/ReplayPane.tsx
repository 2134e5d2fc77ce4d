import { useState } from 'preact/hooks';
import { usePanel, useView } from './hooks/usePanel';
import { parseComposer } from '../lib/composer';
import { editableText } from '../lib/editable';
import type { Frame } from '../store/model';

/**
 * Replay marked frames (Ctrl/Shift-click rows) on the selected socket: sent ones go out again, received ones are
 * handed to the page again, each editable first, with their original spacing or as fast as possible.
 */
export function ReplayPane() {
  const panel = usePanel();
  const { anyMarked, sid, url, state } = useView((v) => {
    const s = v.socket(v.selection.primary);
    return {
      anyMarked: v.marks.rowIds.size > 0,
      // what a replay covers: the marks, else the selected row, as they are in the log now
      marks: v.marks,
      rowId: v.selection.rowId,
      rows: v.revisions.rows,
      // the socket it replays on
      sid: s?.sid,
      url: s?.url,
      state: s?.state,
    };
  });
  const frames = panel.replayRows();
  // edits are kept by frame id, so marking more frames never loses one already made
  const [edits, setEdits] = useState<Record<number, string>>({});
  const [timing, setTiming] = useState<'original' | 'fast'>('original');
  const [busy, setBusy] = useState(false);

  const textOf = (f: Frame) => edits[f.id] ?? editableText(f).text;
  const parsed = frames.map((f) => parseComposer(editableText(f).mode, textOf(f)));
  const bad = parsed.findIndex((p) => !p.ok);
  const span = frames.length > 1 ? frames[frames.length - 1].mono - frames[0].mono : 0;

  const run = async () => {
    setBusy(true);
    // a cut preview would replay the cut: fetch whole payloads first
    for (const f of frames)
      if (f.payload?.truncated && edits[f.id] === undefined) {
        const err = await panel.fetchFullPayload(f.id);
        if (err) {
          panel.notify('error', err);
          setBusy(false);
          return;
        }
      }
    const items = panel.replayRows().map((f) => {
      const p = parseComposer(editableText(f).mode, textOf(f));
      return { frame: f, payload: p.ok ? p.payload : { type: 'text' as const, data: '' } };
    });
    const err = await panel.replay(items, timing);
    setBusy(false);
    if (!err) panel.notify('info', `Replayed ${items.length} frame${items.length === 1 ? '' : 's'} on #${sid}.`);
  };

  return (
    <div class="replay" data-testid="replay" role="region" aria-label="Replay">
      <div class="rules-head">
        <span>
          {frames.length
            ? `${frames.length} frame${frames.length === 1 ? '' : 's'} ${anyMarked ? 'marked' : 'selected'}`
            : 'Ctrl-click or Shift-click frames in the log to mark them for replay.'}
        </span>
        {anyMarked && (
          <button data-testid="replay-clear" onClick={() => panel.clearMarks()}>
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
          disabled={busy || !frames.length || bad >= 0 || state !== 'open'}
          title={state !== 'open' ? 'Select an open socket to replay on' : `Replay on #${sid} ${url}`}
          onClick={() => void run()}
        >
          {busy ? 'Replaying…' : `Replay on #${sid ?? '?'}`}
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
