import { HandlerRuns } from './HandlerRuns';
import { useMemo, useState } from 'preact/hooks';
import { usePanel, useView } from './hooks/usePanel';
import { JsonTree } from './JsonTree';
import { copyText } from '../io/clipboard';
import { formatBytes, formatClock, hexDump } from '../lib/format';
import { checkJson } from '../lib/composer';
import { ruleSentence } from '../lib/ruleLabels';
import { decodedView } from '../store/decoding';
import { DecodedView } from './DecodedView';
import { sendSnippet } from '../lib/snippet';
import { onTabListKey } from './keys';

type View = 'text' | 'json' | 'hex' | 'base64';

export function DetailPane() {
  const panel = usePanel();
  // a shown row changes in place (its verdict, its whole payload, its reading), and an event row shows its socket
  const { rowId } = useView((v) => {
    const rowId = v.selection.rowId;
    return rowId === undefined ? { rowId } : { rowId, rows: v.revisions.rows, sockets: v.revisions.sockets };
  });
  const f = panel.row(rowId);
  const [view, setView] = useState<View | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const p = f?.payload;
  const json = useMemo(() => (p?.type === 'text' && !p.truncated ? checkJson(p.data) : undefined), [p]);
  if (!f)
    return (
      <div class="detail empty" data-testid="detail" data-pane="detail" tabIndex={-1}>
        <div class="empty-hint">Select a frame to see it whole.</div>
      </div>
    );
  const sock = panel.socket(f.socketKey);
  // plain JSON decodes to the very tree the raw side shows: only protocols get a decoded side
  const seen = decodedView(f, sock);
  const decoded = seen?.protocol === 'json' ? undefined : seen;
  const binary = p && p.type !== 'text';
  const views: View[] = !p ? [] : binary ? ['hex', 'base64'] : json?.ok ? ['json', 'text'] : ['text'];
  const current = view && views.includes(view) ? view : views[0];
  const body =
    !p ? (
      <div class="detail-event" data-testid="detail-event">
        <pre class="detail-text">{f.preview}</pre>
        {sock && (
          <dl class="facts">
            <dt>URL</dt>
            <dd>{sock.url}</dd>
            {sock.protocols.length > 0 && (
              <>
                <dt>Requested protocols</dt>
                <dd>{sock.protocols.join(', ')}</dd>
              </>
            )}
            <dt>Protocol</dt>
            <dd>{sock.protocol || '(none)'}</dd>
            {sock.extensions && (
              <>
                <dt>Extensions</dt>
                <dd>{sock.extensions}</dd>
              </>
            )}
            <dt>State</dt>
            <dd>
              {sock.state}
              {sock.code !== undefined ? `, code ${sock.code}${sock.reason ? ` “${sock.reason}”` : ''}${sock.wasClean ? ', clean' : ', not clean'}` : ''}
            </dd>
            <dt>Created at</dt>
            <dd>
              <pre class="detail-text" data-testid="creation-stack">
                {sock.stack || '(no stack)'}
              </pre>
            </dd>
          </dl>
        )}
      </div>
    ) : current === 'json' && json?.ok ? (
      <JsonTree value={json.value} />
    ) : current === 'hex' ? (
      <pre class="detail-text mono" data-testid="hex-dump">
        {p.data ? hexDump(p.data) : '(bytes not loaded yet)'}
      </pre>
    ) : (
      <pre class="detail-text mono" data-testid="detail-text">
        {p.data}
      </pre>
    );
  return (
    <div class="detail" data-testid="detail" role="region" aria-label="Frame detail" data-pane="detail">
      <div class="detail-head">
        <div class="tabs" role="tablist" aria-label="Show the payload as" onKeyDown={(e) => current && onTabListKey(e, views, current, setView)}>
          {views.map((vw) => (
            <button role="tab" aria-controls="detail-raw" aria-selected={vw === current} tabIndex={vw === current ? 0 : -1} class={vw === current ? 'active' : ''} data-testid={`view-${vw}`} onClick={() => setView(vw)}>
              {vw === 'json' ? 'JSON' : vw === 'hex' ? 'Hex' : vw === 'base64' ? 'Base64' : 'Text'}
            </button>
          ))}
        </div>
        <span class="detail-meta">
          {f.direction} · {f.kind}
          {f.origin ? ` (${f.origin})` : ''} · <span title={`page performance.now() ${f.mono.toFixed(3)} ms · seq ${f.seq}`}>{formatClock(f.time)}</span>
          {p ? ` · ${formatBytes(p.size)}` : ''}
          {f.bufferedAmount !== undefined ? ` · bufferedAmount ${f.bufferedAmount}` : ''}
          {sock ? ` · #${sock.sid}` : ''}
        </span>
        <span class="spacer" />
        {p && (
          <button title="Copy the payload" data-testid="copy-payload" onClick={() => copyText(p.data)}>
            Copy
          </button>
        )}
        {p && (
          <button
            data-testid="copy-send-snippet"
            disabled={p.truncated}
            title={p.truncated ? 'Load the full payload first' : 'Copy a socket.send(…) line to paste into the console'}
            onClick={() => copyText(sendSnippet(p))}
          >
            Copy as send()
          </button>
        )}
      </div>
      {p?.truncated && (
        <div class="notice info">
          Showing the first {p.type === 'text' ? `${p.data.length.toLocaleString()} characters` : formatBytes(p.data.length * 0.75)} of{' '}
          {formatBytes(p.size)}.{' '}
          <button
            data-testid="load-full"
            disabled={loading}
            onClick={async () => {
              setLoading(true);
              const err = await panel.fetchFullPayload(f.id);
              setLoading(false);
              if (err) panel.notify('error', err);
            }}
          >
            {loading ? 'Loading…' : 'Load full payload'}
          </button>
        </div>
      )}
      {ruleSentence(f) && (
        <div class="notice info rule-note" data-testid="detail-rule">
          {ruleSentence(f)}
        </div>
      )}
      <HandlerRuns frame={f} />
      {/* whichever part scrolls is focusable, so the keyboard can scroll it */}
      <div class={`detail-body ${decoded ? 'split' : ''}`} tabIndex={decoded ? undefined : 0}>
        {decoded && <DecodedView frame={f} decoded={decoded} />}
        <div
          class="raw"
          id="detail-raw"
          role={views.length ? 'tabpanel' : undefined}
          aria-label={views.length ? 'Payload' : undefined}
          tabIndex={decoded ? 0 : undefined}
        >
          {f.original !== undefined && (
            <div class="detail-original">
              <div class="dim">Before the rule rewrote it:</div>
              <pre class="detail-text mono" data-testid="detail-original">
                {f.original}
              </pre>
              <div class="dim">{f.direction === 'sent' ? 'Sent as:' : 'The page got:'}</div>
            </div>
          )}
          {body}
          {f.stack !== undefined && (
            <div class="detail-original">
              <div class="dim">Sent from:</div>
              <pre class="detail-text mono" data-testid="detail-stack">
                {f.stack}
              </pre>
            </div>
          )}
          {f.edited && (
            <div class="detail-original">
              <div class="dim">{f.direction === 'sent' ? 'Edited in the panel, and sent as:' : 'Edited in the panel; the page got:'}</div>
              <pre class="detail-text mono" data-testid="detail-edited">
                {f.edited.type === 'text' ? f.edited.data : hexDump(f.edited.data)}
              </pre>
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
