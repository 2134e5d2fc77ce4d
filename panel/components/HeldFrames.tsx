import { useEffect, useState } from 'preact/hooks';
import { usePanel, useView } from './hooks/usePanel';
import { parseComposer } from '../lib/composer';
import { editableText } from '../lib/editable';
import type { Frame } from '../store/model';

function HeldRow({ f, now, holdTimeoutMs }: { f: Frame; now: number; holdTimeoutMs: number }) {
  const panel = usePanel();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const { mode } = editableText(f);
  const parsed = parseComposer(mode, text);
  const left = Math.max(0, Math.ceil((f.time + holdTimeoutMs - now) / 1000));
  const act = async (verdict: 'forward' | 'drop', edited?: boolean) => {
    setBusy(true);
    await panel.decide(f.id, verdict, edited && parsed.ok ? parsed.payload : undefined);
    setBusy(false);
  };
  const startEdit = async () => {
    // editing a cut preview would send the cut: load the whole frame first
    if (f.payload?.truncated) {
      const err = await panel.fetchFullPayload(f.id);
      if (err) return panel.notify('error', err);
    }
    setText(editableText(f).text);
    setEditing(true);
  };
  // a socket's url never changes: the row is re-rendered with its list, every second
  const sock = panel.socket(f.socketKey);
  return (
    <div class="held-row" data-testid="held-frame" data-direction={f.direction}>
      <div class="held-line">
        <span class={`held-dir ${f.direction}`}>{f.direction === 'sent' ? '↑ sent' : '↓ received'}</span>
        <span class="held-rule" title={`held by rule “${f.rule?.name}”`}>
          {f.rule?.name}
        </span>
        <span class="held-preview" title={sock?.url}>
          {f.preview}
        </span>
        <span class="held-timeout" title="Released as it was when the hold timeout runs out">
          {left} s
        </span>
        <button class="primary" data-testid="held-forward" disabled={busy} onClick={() => void act('forward')}>
          Forward
        </button>
        <button data-testid="held-edit" disabled={busy} onClick={() => (editing ? setEditing(false) : void startEdit())}>
          {editing ? 'Cancel edit' : 'Edit'}
        </button>
        <button data-testid="held-drop" disabled={busy} onClick={() => void act('drop')}>
          Drop
        </button>
      </div>
      {editing && (
        <div class="held-edit">
          <textarea data-testid="held-edit-input" spellcheck={false} value={text} aria-label="Edited frame" onInput={(e) => setText(e.currentTarget.value)} />
          <div class="held-edit-bar">
            <button class="primary" data-testid="held-forward-edited" disabled={busy || !parsed.ok} onClick={() => void act('forward', true)}>
              Forward edited
            </button>
            <span class={parsed.ok ? 'composer-status' : 'composer-status error'}>{parsed.ok ? (mode === 'base64' ? 'bytes as base64' : '') : parsed.error}</span>
          </div>
        </div>
      )}
    </div>
  );
}

/** Frames a pause rule holds: decide on each, or resume them all. Shown above the detail whenever any wait. */
export function HeldFrames() {
  const panel = usePanel();
  const { holdTimeoutMs } = useView((v) => ({ holdTimeoutMs: v.holdTimeoutMs, queued: v.revisions.queued, docs: v.revisions.docs }));
  const held = panel.held();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!held.length) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [held.length > 0]);
  if (!held.length) return null;
  return (
    <div class="held" data-testid="held" role="region" aria-label="Held frames" data-pane="held">
      <div class="held-head">
        <strong>{held.length === 1 ? '1 frame' : `${held.length} frames`} held by rules</strong>
        <span class="dim">Frames behind a held one wait for it, in order.</span>
        <span class="spacer" />
        <button class="primary" data-testid="resume-all" onClick={() => panel.resumeAll()}>
          Resume all
        </button>
      </div>
      <div class="held-list">
        {held.slice(0, 200).map((f) => (
          <HeldRow key={f.id} f={f} now={now} holdTimeoutMs={holdTimeoutMs} />
        ))}
        {held.length > 200 && <div class="dim">and {held.length - 200} more (Resume all forwards them all)</div>}
      </div>
    </div>
  );
}
