import { usePanel, useView } from './hooks/usePanel';
import { JsonTree } from './JsonTree';
import { protocolById } from '../decoders';
import type { Decoded } from '../decoders/types';
import type { Frame } from '../store/model';

/** The decoded side of the frame detail: what the protocol decoder read, and the frames it belongs with. */
export function DecodedView({ frame, decoded }: { frame: Frame; decoded: Decoded }) {
  const panel = usePanel();
  // the related rows may be trimmed or cleared, or change their own reading
  useView((v) => v.revisions.rows);
  return (
    <div class="decoded" data-testid="detail-decoded" data-protocol={decoded.protocol} tabIndex={0} role="region" aria-label="Decoded">
      <div class="decoded-head">
        <span class="decoded-protocol">{protocolById(decoded.protocol).label}</span>
        <span class="decoded-summary" data-testid="detail-summary">
          {decoded.summary}
        </span>
        {decoded.rtt !== undefined && (
          <span class="dim" data-testid="detail-rtt" title="round trip: from the frame it answers to this one">
            round trip {decoded.rtt < 1 ? '<1' : Math.round(decoded.rtt)} ms
          </span>
        )}
      </div>
      {decoded.error && (
        <div class="notice info" data-testid="detail-decode-error">
          {decoded.error}
        </div>
      )}
      {decoded.related && decoded.related.length > 0 && (
        <div class="related">
          {decoded.related.map((r) => {
            const other = panel.rowBySeq(frame.socketKey, r.seq);
            const label = other?.decoded?.summary ?? other?.preview ?? '(no longer in the log)';
            return (
              <button
                class="link"
                data-testid="related-frame"
                data-seq={r.seq}
                disabled={!other}
                title={other ? 'Show that frame' : 'That frame was cleared or trimmed from the log'}
                onClick={() => other && panel.selectRow(other.id)}
              >
                {r.label}: {other ? (other.direction === 'sent' ? '↑ ' : '↓ ') : ''}
                {label}
              </button>
            );
          })}
        </div>
      )}
      <JsonTree value={decoded.fields} />
    </div>
  );
}
