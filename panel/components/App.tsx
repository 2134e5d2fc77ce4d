import { usePanel, useView } from './hooks/usePanel';
import { Toolbar } from './Toolbar';
import { ConnectionList } from './ConnectionList';
import { FrameTable } from './FrameTable';
import { BottomPane } from './BottomPane';
import { Composer, type ComposerPersistence } from './Composer';
import { Backpressure } from './Backpressure';
import { importHarFile } from './FileActions';
import { useEffect, useState } from 'preact/hooks';
import { ShortcutsDialog } from './Shortcuts';
import { focusPane, isTyping, PANE_KEYS, TAB_KEYS } from './keys';
import type { Tab } from './BottomPane';

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

/**
 * The panel's own shortcuts (keys.ts), taken on the window's capture phase: before DevTools' extension API, which
 * forwards keys it knows (Chrome: `?` opens DevTools' settings, Esc its drawer) from the panel's document.
 */
function useShortcuts(): { help: boolean; setHelp: (v: boolean) => void; tabRequest: { tab: Tab; n: number } | undefined } {
  const [help, setHelp] = useState(false);
  const [tabRequest, setTabRequest] = useState<{ tab: Tab; n: number }>();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const t = e.target as HTMLElement;
      if (isTyping(t) || t.closest?.('[role=dialog]')) return;
      // a pane may own a key (the JSON tree's c and p)
      const owner = t.closest?.('[data-keys]');
      if (owner && owner.getAttribute('data-keys')!.split(' ').includes(e.key)) return;
      const doc = t.ownerDocument ?? document;
      if (e.key === '?') setHelp(true);
      else if (e.key === '/') doc.querySelector<HTMLElement>('[data-testid=filter-input]')?.focus();
      else if (PANE_KEYS[e.key]) focusPane(doc, PANE_KEYS[e.key]);
      else if (TAB_KEYS[e.key]) {
        // BottomPane shows the tab and focuses it
        setTabRequest((cur) => ({ tab: TAB_KEYS[e.key], n: (cur?.n ?? 0) + 1 }));
      } else return;
      e.preventDefault();
      e.stopPropagation();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
  return { help, setHelp, tabRequest };
}

export function App({ persistence }: { persistence?: ComposerPersistence }) {
  const panel = usePanel();
  const { help, setHelp, tabRequest } = useShortcuts();
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
          <BottomPane tabRequest={tabRequest} />
          <Composer persistence={persistence} />
        </main>
      </div>
      {help && <ShortcutsDialog onClose={() => setHelp(false)} />}
    </div>
  );
}
