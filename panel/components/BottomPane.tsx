import { useEffect, useRef, useState } from 'preact/hooks';
import { useView } from './hooks/usePanel';
import { DetailPane } from './DetailPane';
import { RulesPane } from './RulesPane';
import { ReplayPane } from './ReplayPane';
import { HeldFrames } from './HeldFrames';
import { ProtobufPane } from './ProtobufPane';
import { TypesPane } from './TypesPane';
import { onTabListKey } from './keys';

export type Tab = 'detail' | 'types' | 'rules' | 'replay' | 'protobuf';

/**
 * Below the log: held frames (whenever any wait), then the frame detail, the rules, replay, or the Protocol Buffers
 * schema (its tab shows once a schema is loaded or "decode as" asked for it).
 */
export function BottomPane({ tabRequest }: { tabRequest?: { tab: Tab; n: number } }) {
  const { rowId, drafts, rulesOn, marked, paneRequests, schemaFiles } = useView((v) => ({
    rowId: v.selection.rowId,
    drafts: v.ruleDrafts,
    rulesOn: v.rulesOn,
    marked: v.marks.rowIds.size,
    paneRequests: v.protobuf.paneRequests,
    schemaFiles: v.protobuf.files.length,
  }));
  const [tab, setTab] = useState<Tab>('detail');
  // picking a frame in the log means "show me this frame"
  useEffect(() => {
    if (rowId !== undefined) setTab('detail');
  }, [rowId]);
  // "decode as" → Protocol Buffers (schema)… means "let me pick the schema and types"
  useEffect(() => {
    if (paneRequests) setTab('protobuf');
  }, [paneRequests]);
  // a shortcut (see keys.ts) asks for a tab, and the keyboard goes to it once it shows
  const focusTab = useRef<Tab | undefined>(undefined);
  useEffect(() => {
    if (!tabRequest) return;
    setTab(tabRequest.tab);
    focusTab.current = tabRequest.tab;
  }, [tabRequest]);
  const tabList = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focusTab.current !== tab) return;
    focusTab.current = undefined;
    tabList.current?.querySelector<HTMLElement>('[role=tab][aria-selected=true]')?.focus();
  });
  const active = drafts.filter((d) => d.enabled).length;
  const tabs: [Tab, string][] = [
    ['detail', 'Frame'],
    ['types', 'Types'],
    ['rules', `Rules${rulesOn && active ? ` (${active})` : drafts.length ? ' (off)' : ''}`],
    ['replay', `Replay${marked ? ` (${marked})` : ''}`],
  ];
  if (paneRequests || schemaFiles) tabs.push(['protobuf', `Protobuf${schemaFiles ? ` (${schemaFiles})` : ''}`]);
  return (
    <div class="bottom">
      <HeldFrames />
      <div
        ref={tabList}
        class="bottom-tabs tabs"
        role="tablist"
        aria-label="Panes"
        data-pane="tabs"
        onKeyDown={(e) => onTabListKey(e, tabs.map(([t]) => t), tab, setTab)}
      >
        {tabs.map(([t, label]) => (
          <button
            role="tab"
            id={`tab-${t}`}
            aria-controls="bottom-panel"
            data-testid={`tab-${t}`}
            aria-selected={tab === t}
            tabIndex={tab === t ? 0 : -1}
            class={tab === t ? 'active' : ''}
            onClick={() => setTab(t)}
          >
            {label}
          </button>
        ))}
      </div>
      <div class="bottom-panel" id="bottom-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'detail' ? <DetailPane /> : tab === 'types' ? <TypesPane /> : tab === 'rules' ? <RulesPane /> : tab === 'replay' ? <ReplayPane /> : <ProtobufPane />}
      </div>
    </div>
  );
}
