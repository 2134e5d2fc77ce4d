import { useStore } from '../lib/useStore';
import { Toolbar } from './Toolbar';
import { ConnectionList } from './ConnectionList';
import { FrameTable } from './FrameTable';
import { BottomPane } from './BottomPane';
import { Composer, type ComposerPersistence } from './Composer';
import { Backpressure } from './Backpressure';

function Notices() {
  const store = useStore();
  if (!store.notices.length && store.connection !== 'disconnected') return null;
  return (
    <div class="notices" role="alert" data-testid="notices">
      {store.connection === 'disconnected' && <div class="notice info">Reconnecting to the extension background…</div>}
      {store.notices.map((n) => (
        <div class={`notice ${n.level}`} data-testid="notice">
          <span>{n.text}</span>
          <button aria-label="Dismiss" onClick={() => store.dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export function App({ persistence }: { persistence?: ComposerPersistence }) {
  return (
    <div class="app">
      <Toolbar />
      <Notices />
      <div class="main">
        <aside class="sidebar">
          <ConnectionList />
          <Backpressure />
        </aside>
        <section class="center">
          <FrameTable />
          <BottomPane />
          <Composer persistence={persistence} />
        </section>
      </div>
    </div>
  );
}
