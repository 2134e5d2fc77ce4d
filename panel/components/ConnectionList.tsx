import { useState } from 'preact/hooks';
import { usePanel, useView } from './hooks/usePanel';
import { formatBytes, formatClock, formatDuration, hostPath } from '../lib/format';
import type { Doc, Socket } from '../store/model';
import { CHOICES, protocolById } from '../decoders';
import type { DecoderChoice } from '../store/decoding';
import { focusPane } from './keys';

/** The heading of a document's sockets: the page, a frame, or which kind of worker (its script is the url). */
function whereItLives(doc: Doc): string {
  if (doc.context === 'service_worker') return 'Service worker (it may outlive this tab)';
  if (doc.context === 'worker') return 'Worker';
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

export function ConnectionList() {
  const panel = usePanel();
  const selection = useView((v) => ({
    sockets: v.selection.sockets,
    primary: v.selection.primary,
    // the list shows every socket's state and counters, and a marker per document
    socketsRev: v.revisions.sockets,
    docsRev: v.revisions.docs,
  }));
  const socketOrder = panel.socketKeys();
  const severalDocs = panel.docCount() > 1;
  const now = Date.now();
  const all = selection.sockets.size === 0;
  // the row the keyboard is on: the socket picked last, or one Ctrl+↑/↓ moved to without picking it
  const [cursorKey, setCursor] = useState<string | undefined>();
  const cursor = cursorKey !== undefined && panel.socket(cursorKey) ? cursorKey : selection.primary;
  const onKey = (e: KeyboardEvent) => {
    if (e.target !== e.currentTarget) return; // keys in the "decode as" select are its own
    const i = socketOrder.indexOf(cursor ?? '');
    const last = socketOrder.length - 1;
    const to =
      e.key === 'ArrowDown' ? Math.min(last, i + 1) : e.key === 'ArrowUp' ? Math.max(0, i - 1) : e.key === 'Home' ? 0 : e.key === 'End' ? last : undefined;
    if (to !== undefined && to >= 0) {
      const key = socketOrder[to];
      setCursor(key);
      // Ctrl+↑/↓ moves without picking, so that Space can add sockets to the picked ones
      if (!(e.ctrlKey || e.metaKey)) panel.selectSocket(key);
    } else if (e.key === ' ' && cursor) panel.selectSocket(cursor, 'toggle');
    else if (e.key === 'Escape' || e.key === 'a') panel.selectAllSockets();
    else if (e.key === 'Enter') focusPane((e.currentTarget as HTMLElement).ownerDocument, 'frames');
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  let lastDoc = '';
  // A grid of one column (issue 18): each socket is a row you select, and its "decode as" control sits in a cell
  // of that row. A listbox could hold no control: an option is one thing to pick, with nothing inside to operate.
  const activeIndex = cursor === undefined ? -1 : socketOrder.indexOf(cursor);
  return (
    <div class="connections">
      <div
        class="conn-grid"
        role="grid"
        aria-label="WebSocket connections"
        aria-multiselectable="true"
        aria-activedescendant={activeIndex < 0 ? (all ? 'conn-all' : undefined) : `conn-${activeIndex}`}
        tabIndex={0}
        data-pane="sockets"
        data-keys="a"
        aria-keyshortcuts="c"
        onKeyDown={onKey}
      >
        <div
          id="conn-all"
          class={`conn-all ${all ? 'selected' : ''}`}
          role="row"
          aria-selected={all}
          data-testid="connection-all"
          onClick={() => panel.selectAllSockets()}
        >
          <div role="gridcell">All sockets ({socketOrder.length})</div>
        </div>
        {socketOrder.map((key, i) => {
          const s = panel.socket(key)!;
          const doc = panel.doc(s.docId);
          const marker = doc && s.docId !== lastDoc && severalDocs;
          lastDoc = s.docId;
          const selected = selection.sockets.has(key);
          return (
            <>
              {marker && (
                <div class="doc-marker" role="row" title={doc.url}>
                  <div role="rowheader">
                    {whereItLives(doc)}: {hostPath(doc.url)}
                    {doc.gone ? ' (gone)' : ''}
                  </div>
                </div>
              )}
              <div
                id={`conn-${i}`}
                class={`conn ${selected ? 'selected' : ''} ${selection.primary === key ? 'primary' : ''} ${cursor === key ? 'cursor' : ''}`}
                role="row"
                aria-selected={selected}
                data-testid="connection"
                data-state={s.state}
                data-url={s.url}
                data-kind={s.kind}
                data-context={s.context}
                title={`${s.url}\nCreated at:\n${s.stack}`}
                onClick={(e) => panel.selectSocket(key, e.ctrlKey || e.metaKey ? 'toggle' : 'only')}
              >
                <div role="gridcell">
                  <div class="conn-line">
                    <span class={`badge ${s.state}`}>{s.state}</span>
                    <span class="conn-url">{hostPath(s.url)}</span>
                    {s.context !== 'document' && (
                      <span class="kind-tag" title={s.context === 'service_worker' ? 'opened by a service worker: it may outlive this tab' : 'opened by a worker of this page'}>
                        {s.context === 'service_worker' ? 'service worker' : 'worker'}
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
            </>
          );
        })}
      </div>
      {/* outside the grid: a grid holds rows only */}
      {socketOrder.length === 0 && (
        <div class="empty-hint">
          No WebSocket yet. Sockets the page opens appear here, including those opened before DevTools was; reload to
          capture from the very start.
        </div>
      )}
    </div>
  );
}
