import { useRef, useState } from 'preact/hooks';
import { useVirtualizer } from './hooks/useVirtualizer';
import { usePanel, useView } from './hooks/usePanel';
import { formatBytes, formatClock, formatDuration, hostPath } from '../lib/format';
import type { Doc, Socket } from '../store/model';
import { CHOICES, protocolById } from '../decoders';
import type { DecoderChoice } from '../store/decoding';
import { focusPane } from './keys';

/** the tag on a socket that does not live in a window's document, and its tooltip */
const CONTEXT_TAGS: Record<Socket['context'], [string, string]> = {
  document: ['', ''],
  worker: ['worker', 'opened by a worker of this page'],
  service_worker: ['service worker', 'opened by a service worker: it may outlive this tab'],
  shared_worker: ['shared worker', 'opened by a SharedWorker: every tab of its origin shares it'],
};

/** The heading of a document's sockets: the page, a frame, or which kind of worker (its script is the url). */
function whereItLives(doc: Doc): string {
  if (doc.context === 'service_worker') return 'Service worker (it may outlive this tab)';
  if (doc.context === 'worker') return 'Worker';
  if (doc.context === 'shared_worker') return 'Shared worker (of every tab of its origin; attached late: sockets it opened before the panel are not shown)';
  return doc.frameId === 0 ? 'Page' : `Frame ${doc.frameId}`;
}

function lifetime(s: Socket, now: number): string {
  if (s.openedAt === undefined) return s.state === 'closed' ? 'never opened' : 'connecting…';
  return formatDuration((s.closedAt ?? now) - s.openedAt);
}

function detectedLabel(s: Socket): string {
  return s.decoder.id === 'none' ? 'raw' : protocolById(s.decoder.id).label;
}

/** "Decode as" for one socket: automatic (what was detected), a protocol, or raw frames. */
function DecodeAs({ s, onChoose }: { s: Socket; onChoose: (c: DecoderChoice) => void }) {
  const manual = s.decoder.how === 'manual';
  return (
    <select
      class="decode-as"
      data-testid="decode-as"
      data-protocol={s.decoder.id}
      data-how={s.decoder.how}
      aria-label="Decode frames as"
      title={
        manual
          ? 'Decoded as you chose'
          : s.decoder.how === 'undecided'
            ? 'No protocol recognised: frames shown raw (JSON decoded as plain JSON)'
            : `Detected from the ${s.decoder.how === 'handshake' ? 'url and subprotocol' : 'frames'}`
      }
      value={manual ? s.decoder.id : 'auto'}
      onClick={(e) => e.stopPropagation()}
      onChange={(e) => onChoose(e.currentTarget.value as DecoderChoice)}
    >
      <option value="auto">{manual || s.decoder.how === 'undecided' ? 'Auto' : `Auto: ${detectedLabel(s)}`}</option>
      {CHOICES.map((p) => (
        // the schema choice opens the schema pane, hence the ellipsis
        <option value={p.id}>{p.id === 'protobuf-schema' ? `${p.label}…` : p.label}</option>
      ))}
      <option value="none">Raw (no decoding)</option>
    </select>
  );
}

/** row heights: fixed, so the virtualiser never measures (CSS .conn and .doc-marker match them) */
const ROW = 58;
const MARKER = 19;

type Item = { marker: Doc } | { key: string; index: number };

const STATES = ['connecting', 'open', 'closing', 'closed'] as const;

/**
 * The sockets: a grid of one column, virtualised (only the rows in view exist, so thousands of sockets cost what a
 * screenful does), filterable by url and state. Each socket is a row you select, and its "decode as" control sits in
 * a cell of that row: a listbox could hold no control, an option is one thing to pick with nothing inside to operate.
 */
export function ConnectionList() {
  const panel = usePanel();
  const selection = useView((v) => ({
    sockets: v.selection.sockets,
    primary: v.selection.primary,
    // the list shows every socket's state and counters, and a marker per document
    socketsRev: v.revisions.sockets,
    docsRev: v.revisions.docs,
  }));
  const [urlFilter, setUrlFilter] = useState('');
  const [stateFilter, setStateFilter] = useState<'' | (typeof STATES)[number]>('');
  const scroller = useRef<HTMLDivElement>(null);
  const socketOrder = panel.socketKeys();
  const severalDocs = panel.docCount() > 1;
  const now = Date.now();
  const all = selection.sockets.size === 0;

  // the sockets the list shows, in order, with a marker row before each document's first (when there are several)
  const needle = urlFilter.trim().toLowerCase();
  const shownKeys: string[] = [];
  const items: Item[] = [];
  let lastDoc = '';
  for (const key of socketOrder) {
    const s = panel.socket(key)!;
    if (stateFilter && s.state !== stateFilter) continue;
    if (needle && !s.url.toLowerCase().includes(needle)) continue;
    if (severalDocs && s.docId !== lastDoc) {
      const doc = panel.doc(s.docId);
      if (doc) items.push({ marker: doc });
    }
    lastDoc = s.docId;
    items.push({ key, index: shownKeys.length });
    shownKeys.push(key);
  }
  const v = useVirtualizer({
    count: items.length,
    estimateSize: (i) => ('marker' in items[i] ? MARKER : ROW),
    overscan: 6,
    getScrollElement: () => scroller.current,
  });
  // the sizes depend on which rows are markers: tell the virtualiser when that may have changed
  const shape = `${items.length}:${severalDocs}:${needle}:${stateFilter}:${socketOrder.length}`;
  const lastShape = useRef(shape);
  if (lastShape.current !== shape) {
    lastShape.current = shape;
    v.measure();
  }

  // the row the keyboard is on: the socket picked last, or one Ctrl+↑/↓ moved to without picking it
  const [cursorKey, setCursor] = useState<string | undefined>();
  const cursor = cursorKey !== undefined && panel.socket(cursorKey) ? cursorKey : selection.primary;
  const itemIndexOf = (key: string) => items.findIndex((it) => 'key' in it && it.key === key);
  const onKey = (e: KeyboardEvent) => {
    if (e.target !== e.currentTarget) return; // keys in the "decode as" select are its own
    const i = shownKeys.indexOf(cursor ?? '');
    const last = shownKeys.length - 1;
    const to =
      e.key === 'ArrowDown' ? Math.min(last, i + 1) : e.key === 'ArrowUp' ? Math.max(0, i - 1) : e.key === 'Home' ? 0 : e.key === 'End' ? last : undefined;
    if (to !== undefined && to >= 0) {
      const key = shownKeys[to];
      setCursor(key);
      v.scrollToIndex(itemIndexOf(key), { align: 'auto' });
      // Ctrl+↑/↓ moves without picking, so that Space can add sockets to the picked ones
      if (!(e.ctrlKey || e.metaKey)) panel.selectSocket(key);
    } else if (e.key === ' ' && cursor) panel.selectSocket(cursor, 'toggle');
    else if (e.key === 'Escape' || e.key === 'a') panel.selectAllSockets();
    else if (e.key === 'Enter') focusPane((e.currentTarget as HTMLElement).ownerDocument, 'frames');
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  const virtual = v.getVirtualItems();
  const activeIndex = cursor === undefined ? -1 : shownKeys.indexOf(cursor);
  const activeRendered = activeIndex >= 0 && virtual.some((it) => { const x = items[it.index]; return 'key' in x && x.index === activeIndex; });
  const filtered = needle !== '' || stateFilter !== '';
  return (
    <div class="connections">
      <div class="conn-filters" role="search" aria-label="Filter sockets">
        <input
          type="search"
          data-testid="connection-filter"
          aria-label="Filter sockets by url"
          placeholder={`Filter ${socketOrder.length.toLocaleString()} socket${socketOrder.length === 1 ? '' : 's'} by url`}
          value={urlFilter}
          onInput={(e) => setUrlFilter(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              setUrlFilter('');
            } else if (e.key === 'Enter') focusPane(e.currentTarget.ownerDocument, 'sockets');
          }}
        />
        <select data-testid="connection-state" aria-label="Sockets in state" value={stateFilter} onChange={(e) => setStateFilter(e.currentTarget.value as typeof stateFilter)}>
          <option value="">any state</option>
          {STATES.map((st) => (
            <option value={st}>{st}</option>
          ))}
        </select>
      </div>
      <div
        class="conn-grid"
        ref={scroller}
        role="grid"
        aria-label="WebSocket connections"
        aria-multiselectable="true"
        aria-rowcount={items.length + 1}
        aria-activedescendant={activeRendered ? `conn-${activeIndex}` : all && activeIndex < 0 ? 'conn-all' : undefined}
        tabIndex={0}
        data-pane="sockets"
        data-keys="a"
        aria-keyshortcuts="c"
        data-shown={shownKeys.length}
        onKeyDown={onKey}
      >
        <div
          id="conn-all"
          class={`conn-all ${all ? 'selected' : ''}`}
          role="row"
          aria-rowindex={1}
          aria-selected={all}
          data-testid="connection-all"
          onClick={() => panel.selectAllSockets()}
        >
          <div role="gridcell">
            All sockets ({socketOrder.length.toLocaleString()}){filtered ? ` · ${shownKeys.length.toLocaleString()} shown` : ''}
          </div>
        </div>
        <div class="conn-rows" role="rowgroup" style={{ height: `${v.getTotalSize()}px` }}>
          {virtual.map((it) => {
            const item = items[it.index];
            const style = { transform: `translateY(${it.start}px)`, height: `${'marker' in item ? MARKER : ROW}px` };
            if ('marker' in item) {
              const doc = item.marker;
              return (
                <div key={`doc-${doc.docId}`} class="doc-marker" role="row" aria-rowindex={it.index + 2} title={doc.url} style={style}>
                  <div role="rowheader">
                    {whereItLives(doc)}: {hostPath(doc.url)}
                    {doc.gone ? ' (gone)' : ''}
                  </div>
                </div>
              );
            }
            const key = item.key;
            const s = panel.socket(key)!;
            const doc = panel.doc(s.docId);
            const selected = selection.sockets.has(key);
            return (
              <div
                key={key}
                id={`conn-${item.index}`}
                class={`conn ${selected ? 'selected' : ''} ${selection.primary === key ? 'primary' : ''} ${cursor === key ? 'cursor' : ''}`}
                role="row"
                aria-rowindex={it.index + 2}
                aria-selected={selected}
                data-testid="connection"
                data-state={s.state}
                data-url={s.url}
                data-kind={s.kind}
                data-context={s.context}
                data-chaos={s.chaos ? (s.openedAt === undefined ? 'refused' : 'closed') : undefined}
                title={`${s.url}\nCreated at:\n${s.stack}`}
                style={style}
                onClick={(e) => {
                  setCursor(key);
                  panel.selectSocket(key, e.ctrlKey || e.metaKey ? 'toggle' : 'only');
                }}
              >
                <div role="gridcell">
                  <div class="conn-line">
                    <span class={`badge ${s.state}`}>{s.state}</span>
                    <span class="conn-url">{hostPath(s.url)}</span>
                    {s.context !== 'document' && (
                      <span class="kind-tag" title={CONTEXT_TAGS[s.context][1]}>
                        {CONTEXT_TAGS[s.context][0]}
                      </span>
                    )}
                    {s.chaos && (
                      <span class="kind-tag chaos" title={`${s.chaos.action === 'offline' ? 'The offline switch' : `Chaos rule “${s.chaos.name}”`} ${s.openedAt === undefined ? 'refused this socket: it never connected' : 'closed this socket'}`}>
                        {s.openedAt === undefined ? 'refused' : 'chaos close'}
                      </span>
                    )}
                    {s.kind === 'stream' && (
                      <span class="kind-tag" title="a WebSocketStream: frames are recorded as the page reads and writes them">
                        stream
                      </span>
                    )}
                  </div>
                  <div class="conn-meta">
                    {s.protocol && <span title="negotiated subprotocol">{s.protocol} · </span>}
                    <span title="frames in / out">
                      ↓{s.framesIn} {formatBytes(s.bytesIn)} ↑{s.framesOut} {formatBytes(s.bytesOut)}
                    </span>
                    <span title={s.openedAt ? `opened at ${formatClock(s.openedAt)}` : undefined}>
                      {' '}
                      · {s.openedAt ? `${formatClock(s.openedAt).slice(0, 8)} · ` : ''}
                      {lifetime(s, now)}
                    </span>
                    {s.code !== undefined && (
                      <span class="close-info" data-testid="close-info">
                        {' '}
                        · {s.code}
                        {s.reason ? ` “${s.reason}”` : ''}
                      </span>
                    )}
                    {s.errored && <span class="warn"> · error</span>}
                  </div>
                </div>
                <div class="conn-decode" role="gridcell">
                  <DecodeAs s={s} onChoose={(c) => panel.setDecoder(key, c)} />
                  {doc?.imported && (
                    <span class="dim" data-testid="imported-from" title="Loaded from a file: read-only">
                      imported · {doc.imported}
                    </span>
                  )}
                </div>
              </div>
            );
          })}
        </div>
      </div>
      {/* outside the grid: a grid holds rows only */}
      {socketOrder.length === 0 && (
        <div class="empty-hint">
          No WebSocket yet. Sockets the page opens appear here, including those opened before DevTools was; reload to
          capture from the very start.
        </div>
      )}
      {socketOrder.length > 0 && shownKeys.length === 0 && <div class="empty-hint">No socket matches.</div>}
    </div>
  );
}
