import { useEffect, useRef } from 'preact/hooks';
import { useStore } from './hooks/useStore';
import type { DirectionFilter } from '../store/filter';
import { FileActions } from './FileActions';

const LIMITS = [10_000, 50_000, 200_000, 1_000_000];

export function Toolbar() {
  const store = useStore();
  const { filter, preserveLog, maxFrames } = store.settings;
  const input = useRef<HTMLInputElement>(null);
  const log = store.log;

  // "/" focuses the filter, as in DevTools' own panels
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.key === '/' && !/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) {
        e.preventDefault();
        input.current?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div class="toolbar" role="toolbar" aria-label="Capture and filter">
      <button
        class={`icon-btn ${store.paused ? 'paused' : 'recording'}`}
        data-testid="pause"
        aria-pressed={store.paused}
        title={store.paused ? 'Resume capture' : 'Pause capture'}
        onClick={() => store.setPaused(!store.paused)}
      >
        {store.paused ? '▶' : '●'}
      </button>
      <button class="icon-btn" data-testid="clear" title="Clear log" aria-label="Clear log" onClick={() => store.clear()}>
        ⊘
      </button>
      <span class="sep" />
      <FileActions />
      <span class="sep" />
      <label class="check" title="Keep sockets and frames of earlier documents across reloads and navigations">
        <input type="checkbox" data-testid="preserve-log" checked={preserveLog} onChange={(e) => store.setPreserveLog(e.currentTarget.checked)} />
        Preserve log
      </label>
      <span class="sep" />
      <input
        ref={input}
        class={`filter ${store.compiled.error ? 'invalid' : ''}`}
        data-testid="filter-input"
        type="search"
        placeholder="Filter  (text or /regex/i)"
        aria-label="Filter frames"
        title={store.compiled.error ?? 'Plain text, or /regex/flags. Press / to focus, Esc to clear.'}
        value={filter.text}
        onInput={(e) => store.setFilter({ text: e.currentTarget.value })}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            store.setFilter({ text: '' });
            e.currentTarget.blur();
          }
        }}
      />
      <select
        data-testid="filter-direction"
        aria-label="Direction"
        value={filter.direction}
        onChange={(e) => store.setFilter({ direction: e.currentTarget.value as DirectionFilter })}
      >
        <option value="all">All</option>
        <option value="sent">Sent ↑</option>
        <option value="received">Received ↓</option>
        <option value="event">Events</option>
      </select>
      <label class="check" title="Show frames that do NOT match">
        <input type="checkbox" data-testid="filter-invert" checked={filter.invert} onChange={(e) => store.setFilter({ invert: e.currentTarget.checked })} />
        Invert
      </label>
      <span class="spacer" />
      <span class="counts" data-testid="counts" aria-live="polite">
        {store.visible.length.toLocaleString()} / {log.frames.length.toLocaleString()} frames
        {log.trimmed > 0 && (
          <span class="warn" data-testid="dropped" title="Oldest frames removed to stay within the frame limit">
            {' '}· {log.trimmed.toLocaleString()} dropped (limit)
          </span>
        )}
        {log.droppedInPage > 0 && (
          <span class="warn" data-testid="dropped-page" title="Events the page's buffer overflowed before the panel read them">
            {' '}· {log.droppedInPage.toLocaleString()} lost before the panel opened
          </span>
        )}
        {store.paused && store.pausedSkipped > 0 && <span class="warn"> · {store.pausedSkipped.toLocaleString()} not recorded (paused)</span>}
      </span>
      <select
        data-testid="max-frames"
        aria-label="Frames to keep"
        title="How many frames to keep; the oldest are dropped past this"
        value={String(maxFrames)}
        onChange={(e) => store.setMaxFrames(Number(e.currentTarget.value))}
      >
        {LIMITS.map((n) => (
          <option value={String(n)}>keep {n.toLocaleString()}</option>
        ))}
      </select>
    </div>
  );
}
