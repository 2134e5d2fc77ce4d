import { useEffect, useState } from 'preact/hooks';
import { useStore } from './hooks/useStore';
import { DetailPane } from './DetailPane';
import { RulesPane } from './RulesPane';
import { ReplayPane } from './ReplayPane';
import { HeldFrames } from './HeldFrames';

type Tab = 'detail' | 'rules' | 'replay';

/** Below the log: held frames (whenever any wait), then the frame detail, the rules or replay. */
export function BottomPane() {
  const store = useStore();
  const [tab, setTab] = useState<Tab>('detail');
  // picking a frame in the log means "show me this frame"
  useEffect(() => {
    if (store.selectedFrame !== undefined) setTab('detail');
  }, [store.selectedFrame]);
  const active = store.ruleDrafts.filter((d) => d.enabled).length;
  const tabs: [Tab, string][] = [
    ['detail', 'Frame'],
    ['rules', `Rules${store.rulesOn && active ? ` (${active})` : store.ruleDrafts.length ? ' (off)' : ''}`],
    ['replay', `Replay${store.marked.size ? ` (${store.marked.size})` : ''}`],
  ];
  return (
    <div class="bottom">
      <HeldFrames />
      <div class="bottom-tabs tabs" role="tablist">
        {tabs.map(([t, label]) => (
          <button role="tab" data-testid={`tab-${t}`} aria-selected={tab === t} class={tab === t ? 'active' : ''} onClick={() => setTab(t)}>
            {label}
          </button>
        ))}
      </div>
      {tab === 'detail' ? <DetailPane /> : tab === 'rules' ? <RulesPane /> : <ReplayPane />}
    </div>
  );
}
