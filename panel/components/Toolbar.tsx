import { useEffect, useRef } from 'preact/hooks';
import { usePanel, useView } from './hooks/usePanel';
import type { DirectionFilter } from '../store/filter';
import { DEFAULT_MAX_FRAMES } from '../store/log';
import { FileActions } from './FileActions';

const LIMITS = [10_000, 50_000, DEFAULT_MAX_FRAMES, 1_000_000];

export function Toolbar() {
  const panel = usePanel();
  const { settings, workerCapture, filterError, paused, pausedSkipped, shown, hiddenBeats, total, trimmed, droppedInPage } = useView((v) => ({
    settings: v.settings,
    workerCapture: v.workerCapture,
    filterError: v.compiled.error,
    paused: v.paused,
    pausedSkipped: v.pausedSkipped,
    ...v.counts(),
  }));
  const { filter, preserveLog, maxFrames } = settings;
  const input = useRef<HTMLInputElement>(null);

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
        class={`icon-btn ${paused ? 'paused' : 'recording'}`}
        data-testid="pause"
        aria-pressed={paused}
        aria-label="Pause capture"
        title={paused ? 'Resume capture' : 'Pause capture'}
        onClick={() => panel.setPaused(!paused)}
      >
        {paused ? '▶' : '●'}
      </button>
      <button class="icon-btn" data-testid="clear" title="Clear log" aria-label="Clear log" onClick={() => panel.clear()}>
        ⊘
      </button>
      <span class="sep" />
      <FileActions />
      <span class="sep" />
      <label class="check" title="Keep sockets and frames of earlier documents across reloads and navigations">
        <input type="checkbox" data-testid="preserve-log" checked={preserveLog} onChange={(e) => panel.setPreserveLog(e.currentTarget.checked)} />
        Preserve log
      </label>
      {workerCapture && (
        <label
          class="check"
          title={
            workerCapture.state === 'unavailable'
              ? workerCapture.reason
              : 'Capture the sockets of the page’s workers. In Chrome (off until you turn it on) this attaches the debugger to the tab while the panel is open: Chrome shows its “started debugging this browser” bar, and DevTools shows its Sources panel each time a worker starts (come back here to see its sockets). In Firefox it costs nothing visible.'
          }
        >
          <input
            type="checkbox"
            data-testid="capture-workers"
            checked={settings.captureWorkers ?? workerCapture.state === 'on'}
            disabled={workerCapture.state === 'unavailable'}
            onChange={(e) => panel.setCaptureWorkers(e.currentTarget.checked)}
          />
          Workers
        </label>
      )}
      <span class="sep" />
      <input
        ref={input}
        class={`filter ${filterError ? 'invalid' : ''}`}
        data-testid="filter-input"
        type="search"
        placeholder="Filter  (text or /regex/i)"
        aria-label="Filter frames"
        title={filterError ?? 'Plain text, or /regex/flags. Press / to focus, Esc to clear.'}
        value={filter.text}
        onInput={(e) => panel.setFilter({ text: e.currentTarget.value })}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            panel.setFilter({ text: '' });
            e.currentTarget.blur();
          }
        }}
      />
      <select
        data-testid="filter-direction"
        aria-label="Direction"
        value={filter.direction}
        onChange={(e) => panel.setFilter({ direction: e.currentTarget.value as DirectionFilter })}
      >
        <option value="all">All</option>
        <option value="sent">Sent ↑</option>
        <option value="received">Received ↓</option>
        <option value="event">Events</option>
      </select>
      <label class="check" title="Show frames that do NOT match">
        <input type="checkbox" data-testid="filter-invert" checked={filter.invert} onChange={(e) => panel.setFilter({ invert: e.currentTarget.checked })} />
        Invert
      </label>
      <label class="check" title="Hide every protocol's keep-alive frames: Socket.IO and graphql-ws ping/pong, ka, STOMP heart-beats, MQTT PINGREQ/PINGRESP, SignalR ping, Phoenix heartbeat, Action Cable ping, SockJS h">
        <input
          type="checkbox"
          data-testid="hide-heartbeats"
          checked={filter.hideHeartbeats}
          onChange={(e) => panel.setFilter({ hideHeartbeats: e.currentTarget.checked })}
        />
        Hide heartbeats
      </label>
      <span class="spacer" />
      <span class="counts" data-testid="counts" aria-live="polite">
        {shown.toLocaleString()} / {total.toLocaleString()} frames
        {hiddenBeats > 0 && (
          <span data-testid="hidden-heartbeats" title="Keep-alive frames hidden by the switch">
            {' '}· {hiddenBeats.toLocaleString()} heartbeat{hiddenBeats === 1 ? '' : 's'} hidden
          </span>
        )}
        {trimmed > 0 && (
          <span class="warn" data-testid="dropped" title="Oldest frames removed to stay within the frame limit">
            {' '}· {trimmed.toLocaleString()} dropped (limit)
          </span>
        )}
        {droppedInPage > 0 && (
          <span class="warn" data-testid="dropped-page" title="Events the page's buffer overflowed before the panel read them">
            {' '}· {droppedInPage.toLocaleString()} lost before the panel opened
          </span>
        )}
        {paused && pausedSkipped > 0 && <span class="warn"> · {pausedSkipped.toLocaleString()} not recorded (paused)</span>}
      </span>
      <select
        data-testid="max-frames"
        aria-label="Frames to keep"
        title="How many frames to keep; the oldest are dropped past this"
        value={String(maxFrames)}
        onChange={(e) => panel.setMaxFrames(Number(e.currentTarget.value))}
      >
        {LIMITS.map((n) => (
          <option value={String(n)}>keep {n.toLocaleString()}</option>
        ))}
      </select>
    </div>
  );
}
