import { usePanel, useView } from './hooks/usePanel';
import { formatBytes, formatClock, formatDuration, hostPath } from '../lib/format';
import type { Doc, Socket } from '../store/model';
import { CHOICES, protocolById } from '../decoders';
import type { DecoderChoice } from '../store/decoding';

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
  const move = (delta: number) => {
    const i = socketOrder.indexOf(selection.primary ?? '');
    const next = socketOrder[Math.max(0, Math.min(socketOrder.length - 1, i + delta))];
    if (next) panel.selectSocket(next);
  };
  let lastDoc = '';
  return (
    <div
      class="connections"
      role="listbox"
      aria-label="WebSocket connections"
      aria-multiselectable="true"
      tabIndex={0}
      onKeyDown={(e) => {
        const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
        if (step) {
          move(step);
          e.preventDefault();
        } else if (e.key === 'Escape') panel.selectAllSockets();
      }}
    >
      <div
        class={`conn-all ${all ? 'selected' : ''}`}
        role="option"
        aria-selected={all}
        data-testid="connection-all"
        onClick={() => panel.selectAllSockets()}
      >
        All sockets ({socketOrder.length})
      </div>
      {socketOrder.length === 0 && (
        <div class="empty-hint">
          No WebSocket yet. Sockets the page opens appear here, including those opened before DevTools was; reload to
          capture from the very start.
        </div>
      )}
      {socketOrder.map((key) => {
        const s = panel.socket(key)!;
        const doc = panel.doc(s.docId);
        const marker = doc && s.docId !== lastDoc && severalDocs;
        lastDoc = s.docId;
        const selected = selection.sockets.has(key);
        return (
          <>
            {marker && (
              <div class="doc-marker" title={doc.url}>
                {whereItLives(doc)}: {hostPath(doc.url)}
                {doc.gone ? ' (gone)' : ''}
              </div>
            )}
            <div
              class={`conn ${selected ? 'selected' : ''} ${selection.primary === key ? 'primary' : ''}`}
              role="option"
              aria-selected={selected}
              data-testid="connection"
              data-state={s.state}
              data-url={s.url}
              data-kind={s.kind}
              data-context={s.context}
              data-chaos={s.chaos ? (s.openedAt === undefined ? 'refused' : 'closed') : undefined}
              title={`${s.url}\nCreated at:\n${s.stack}`}
              onClick={(e) => panel.selectSocket(key, e.ctrlKey || e.metaKey ? 'toggle' : 'only')}
            >
              <div class="conn-line">
                <span class={`badge ${s.state}`}>{s.state}</span>
                <span class="conn-url">{hostPath(s.url)}</span>
                {s.context !== 'document' && (
                  <span class="kind-tag" title={s.context === 'service_worker' ? 'opened by a service worker: it may outlive this tab' : 'opened by a worker of this page'}>
                    {s.context === 'service_worker' ? 'service worker' : 'worker'}
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
              <div class="conn-decode">
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
  );
}
