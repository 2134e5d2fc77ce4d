import { useEffect, useState } from 'preact/hooks';
import { useView } from './hooks/usePanel';
import { DetailPane } from './DetailPane';
import { RulesPane } from './RulesPane';
import { ReplayPane } from './ReplayPane';
import { HeldFrames } from './HeldFrames';

type Tab = 'detail' | 'rules' | 'replay';

/** Below the log: held frames (whenever any wait), then the frame detail, the rules or replay. */
export function BottomPane() {
  const { rowId, drafts, rulesOn, marked } = useView((v) => ({ rowId: v.selection.rowId, drafts: v.ruleDrafts, rulesOn: v.rulesOn, marked: v.marks.rowIds.size }));
  const [tab, setTab] = useState<Tab>('detail');
  // picking a frame in the log means "show me this frame"
  useEffect(() => {
    if (rowId !== undefined) setTab('detail');
  }, [rowId]);
  const active = drafts.filter((d) => d.enabled).length;
  const tabs: [Tab, string][] = [
    ['detail', 'Frame'],
    ['rules', `Rules${rulesOn && active ? ` (${active})` : drafts.length ? ' (off)' : ''}`],
    ['replay', `Replay${marked ? ` (${marked})` : ''}`],
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
