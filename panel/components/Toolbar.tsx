import { useEffect, useRef, useState } from 'preact/hooks';
import { usePanel, useView } from './hooks/usePanel';
import type { DirectionFilter, FilterSpec, SavedFilter } from '../store/filter';
import { DEFAULT_MAX_FRAMES } from '../store/log';
import { FileActions } from './FileActions';
import { focusPane } from './keys';

const LIMITS = [10_000, 50_000, DEFAULT_MAX_FRAMES, 1_000_000];

const FILTER_HELP =
  'Terms, all of which must match: text, "a phrase", /regex/i, dir:sent, socket:/chat or socket:#3, kind:binary, ' +
  'type:"event: chat" (a message type), event:chat (a decoded field), $.user.id=7 (a JSON path and value), size>1k, ' +
  'handler>5 (the page\'s listeners took over 5 ms), threw (a listener threw), and -term for not. Press / to focus, Esc to clear.';

const sameFilter = (a: FilterSpec, b: SavedFilter) =>
  a.text === b.text && a.direction === b.direction && a.invert === b.invert && a.hideHeartbeats === b.hideHeartbeats;

/** Saved filters: pick one, keep the filter in place under a name, or forget the one in place. */
function SavedFilters({ filter, saved }: { filter: FilterSpec; saved: readonly SavedFilter[] }) {
  const panel = usePanel();
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const nameInput = useRef<HTMLInputElement>(null);
  const current = saved.find((x) => sameFilter(filter, x));
  useEffect(() => {
    if (naming) nameInput.current?.focus();
  }, [naming]);
  const done = (keep: boolean) => {
    if (keep && name.trim()) panel.saveFilter(name);
    setNaming(false);
    setName('');
  };
  return (
    <span class="saved-filters">
      <select
        data-testid="saved-filters"
        aria-label="Saved filters"
        title="Filters kept for this site (in extension storage)"
        value={current?.name ?? ''}
        onChange={(e) => e.currentTarget.value && panel.applySavedFilter(e.currentTarget.value)}
      >
        <option value="">{saved.length ? `Saved filters (${saved.length})` : 'No saved filters'}</option>
        {saved.map((f) => (
          <option value={f.name}>{f.name}</option>
        ))}
      </select>
      {naming ? (
        <span class="filter-naming" role="group" aria-label="Save the filter">
          <input
            ref={nameInput}
            data-testid="filter-save-name"
            aria-label="Name of the saved filter"
            placeholder="name"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                done(true);
              } else if (e.key === 'Escape') {
                e.preventDefault();
                e.stopPropagation();
                done(false);
              }
            }}
          />
          <button data-testid="filter-save-confirm" disabled={!name.trim()} onClick={() => done(true)}>
            Save
          </button>
          <button onClick={() => done(false)}>Cancel</button>
        </span>
      ) : current ? (
        <button data-testid="filter-delete" title={`Forget the saved filter “${current.name}”`} onClick={() => panel.deleteSavedFilter(current.name)}>
          Forget
        </button>
      ) : (
        <button
          data-testid="filter-save"
          disabled={!filter.text.trim() && filter.direction === 'all' && !filter.invert && !filter.hideHeartbeats}
          title="Keep this filter under a name, for this site"
          onClick={() => {
            setName('');
            setNaming(true);
          }}
        >
          Save filter…
        </button>
      )}
    </span>
  );
}

export function Toolbar() {
  const panel = usePanel();
  const { settings, savedFilters, workerCapture, filterError, paused, pausedSkipped, shown, hiddenBeats, total, trimmed, droppedInPage } = useView((v) => ({
    settings: v.settings,
    savedFilters: v.savedFilters,
    workerCapture: v.workerCapture,
    filterError: v.compiled.error,
    paused: v.paused,
    pausedSkipped: v.pausedSkipped,
    ...v.counts(),
  }));
  const { filter, preserveLog, maxFrames } = settings;
  const input = useRef<HTMLInputElement>(null);

  // "/" focuses the filter, as in DevTools' own panels: one of the shortcuts App takes (keys.ts)
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
      <label class="check" title="Record where the page called send() for every frame it sends, shown in the frame's detail. Off by default: it takes a stack per send, which a busy socket's page pays for.">
        <input type="checkbox" data-testid="send-stacks" checked={settings.sendStacks === true} onChange={(e) => panel.setSendStacks(e.currentTarget.checked)} />
        Send stacks
      </label>
      <label class="check" title="Time the page’s own message listeners for every frame it receives: the Handler column, the frame’s detail (each listener, its time, what it threw) and handler ms/s. On by default; its cost to a busy page is in README Performance.">
        <input type="checkbox" data-testid="handler-timing" checked={settings.handlerTiming !== false} onChange={(e) => panel.setHandlerTiming(e.currentTarget.checked)} />
        Handler timing
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
        placeholder="Filter  (text, /regex/i, type:…, $.path=…)"
        aria-label="Filter frames"
        aria-invalid={!!filterError}
        title={filterError ?? FILTER_HELP}
        value={filter.text}
        onInput={(e) => panel.setFilter({ text: e.currentTarget.value })}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            // kept from DevTools (Chrome's Esc opens its drawer); the keyboard goes on in the frames
            e.stopPropagation();
            panel.setFilter({ text: '' });
            focusPane(e.currentTarget.ownerDocument, 'frames');
          } else if (e.key === 'Enter') focusPane(e.currentTarget.ownerDocument, 'frames');
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
      <SavedFilters filter={filter} saved={savedFilters} />
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
