import { usePanel, useView } from './hooks/usePanel';
import { formatBytes } from '../lib/format';
import { socketUrlKey } from '../store/protobuf';

/** Every file the picker hands over, as bytes: a .proto is text, a descriptor set is not. */
async function readPicked(list: FileList | null): Promise<{ name: string; bytes: Uint8Array }[]> {
  const files = [...(list ?? [])];
  return Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

function TypeSelect({ direction, value, types, onChoose }: { direction: 'sent' | 'received'; value: string | undefined; types: readonly string[]; onChoose: (t: string | undefined) => void }) {
  const missing = value && !types.includes(value);
  return (
    <label>
      {direction === 'sent' ? 'Sent frames (page → server)' : 'Received frames (server → page)'}
      <select data-testid={`proto-type-${direction}`} value={value ?? ''} onChange={(e) => onChoose(e.currentTarget.value || undefined)}>
        <option value="">(no type: read raw)</option>
        {missing && <option value={value}>{value} (not in the schema)</option>}
        {types.map((t) => (
          <option value={t}>{t}</option>
        ))}
      </select>
    </label>
  );
}

/**
 * The Protocol Buffers schema of the inspected origin (.proto files or descriptor sets) and, for the selected
 * socket, the message type each direction's frames are read as.
 */
export function ProtobufPane() {
  const panel = usePanel();
  const { pb, primary } = useView((v) => ({ pb: v.protobuf, primary: v.selection.primary, sockets: v.revisions.sockets, origin: v.rulesOrigin }));
  const sock = panel.socket(primary);
  const chosen = sock ? pb.sockets[socketUrlKey(sock.url)] : undefined;
  const decoding = sock?.decoder.id === 'protobuf-schema';
  return (
    <div class="protobuf" data-testid="proto-pane" role="region" aria-label="Protocol Buffers schema">
      <div class="rules-head">
        <label class="proto-load">
          Load .proto files or a descriptor set:{' '}
          <input
            type="file"
            data-testid="proto-load"
            accept=".proto,.pb,.desc,.binpb"
            multiple
            disabled={pb.loading}
            onChange={async (e) => {
              const input = e.currentTarget;
              const picked = await readPicked(input.files);
              // the same file picked again after an edit must fire change again
              input.value = '';
              if (picked.length) await panel.loadProtobufFiles(picked);
            }}
          />
        </label>
        {pb.loading && <span class="dim">Loading…</span>}
        <span class="dim">{panel.rulesOrigin ? `Kept for ${panel.rulesOrigin}` : 'Not kept: no page origin yet'}</span>
      </div>
      {pb.error && (
        <div class="notice error" role="alert" data-testid="proto-error">
          {pb.error}
          {pb.types.length > 0 ? ' (the schema loaded before stays in use)' : ''}
        </div>
      )}
      <ul class="proto-files" data-testid="proto-files" aria-label="Loaded schema files">
        {pb.files.length === 0 && <li class="dim">No schema loaded: frames decoded as Protocol Buffers are read raw (field numbers and wire types).</li>}
        {pb.files.map((f) => (
          <li class="rule-row" data-testid="proto-file" data-name={f.name}>
            <span class="rule-name">{f.name}</span>
            <span class="rule-desc">{f.detail || (f.kind === 'descriptor' ? 'descriptor set' : '.proto')}</span>
            <span class="dim">{formatBytes(f.size)}</span>
            <span class="spacer" />
            <button aria-label={`Remove ${f.name}`} title="Remove this file from the schema" disabled={pb.loading} onClick={() => void panel.removeProtobufFile(f.name)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      {!sock ? (
        <div class="empty-hint">Select a socket to choose the message types its frames are read as.</div>
      ) : (
        <div class="proto-socket" role="group" aria-label="Message types for the selected socket">
          <div class="proto-socket-url">
            <span class="dim">Socket #{sock.sid}:</span> <span class="mono">{socketUrlKey(sock.url)}</span>{' '}
            <span class="dim">(kept for this URL, its query ignored)</span>
          </div>
          {!decoding && (
            <div class="notice info">
              This socket is not decoded with the schema.{' '}
              <button data-testid="proto-use" onClick={() => panel.setDecoder(sock.key, 'protobuf-schema')}>
                Decode it as Protocol Buffers
              </button>
            </div>
          )}
          <div class="rule-grid">
            <TypeSelect direction="sent" value={chosen?.sent} types={pb.types} onChoose={(t) => panel.setProtobufType(sock.key, 'sent', t)} />
            <TypeSelect direction="received" value={chosen?.received} types={pb.types} onChoose={(t) => panel.setProtobufType(sock.key, 'received', t)} />
          </div>
        </div>
      )}
    </div>
  );
}
