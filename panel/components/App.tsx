import { usePanel, useView } from './hooks/usePanel';
import { Toolbar } from './Toolbar';
import { ConnectionList } from './ConnectionList';
import { FrameTable } from './FrameTable';
import { BottomPane } from './BottomPane';
import { Composer, type ComposerPersistence } from './Composer';
import { Backpressure } from './Backpressure';
import { importHarFile } from './FileActions';

function Notices() {
  const panel = usePanel();
  const { notices, connection } = useView((v) => ({ notices: v.notices, connection: v.connection }));
  if (!notices.length && connection !== 'disconnected') return null;
  return (
    <div class="notices" role="alert" data-testid="notices">
      {connection === 'disconnected' && <div class="notice info">Reconnecting to the extension background…</div>}
      {notices.map((n) => (
        <div class={`notice ${n.level}`} data-testid="notice">
          <span>{n.text}</span>
          <button aria-label="Dismiss" onClick={() => panel.dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export function App({ persistence }: { persistence?: ComposerPersistence }) {
  const panel = usePanel();
  // a HAR dropped anywhere on the panel imports, as in DevTools' Network panel
  const onDrop = (e: DragEvent) => {
    const file = e.dataTransfer?.files?.[0];
    if (!file) return;
    e.preventDefault();
    void importHarFile(panel, file);
  };
  return (
    <div class="app" onDragOver={(e) => e.dataTransfer?.types.includes('Files') && e.preventDefault()} onDrop={onDrop}>
      {/* landmarks: the toolbar and notices (banner), the sockets (complementary), the log and its panes (main) */}
      <header class="top">
        <h1 class="sr-only">WS Lens: WebSockets</h1>
        <Toolbar />
        <Notices />
      </header>
      <div class="main">
        <aside class="sidebar" aria-label="Sockets">
          <ConnectionList />
          <Backpressure />
        </aside>
        <main class="center">
          <FrameTable />
          <BottomPane />
          <Composer persistence={persistence} />
        </main>
      </div>
    </div>
  );
}
