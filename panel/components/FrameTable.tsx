import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { usePanel, useView } from './hooks/usePanel';
import { useFixedRows } from './hooks/useFixedRows';
import { formatBytes, formatClock, formatMs, formatRelative, plural } from '../lib/format';
import { runsOf } from '../store/log';
import type { Frame } from '../store/model';
import type { SortSpec } from '../store/sort';
import { ruleSentence, ruleTag, wentNowhere } from '../lib/ruleLabels';
import { decodedView } from '../store/decoding';
import { focusPane } from './keys';

const ROW = 21;
const OVERSCAN = 12;

/**
 * The last rows, where a table that follows the tail shows them. The window learns a new scroll offset only from
 * the scroll event a frame after the table scrolled, so its range lags one update behind: rendering that range meant
 * two renders and two paints per update under a flood, the first of rows about to scroll away.
 */
function tailItems(count: number, viewport: number): { index: number; start: number }[] {
  const n = Math.min(count, Math.ceil(viewport / ROW) + OVERSCAN);
  // item starts count the header row, as the window's do (its margin)
  return Array.from({ length: n }, (_, i) => ({ index: count - n + i, start: ROW + (count - n + i) * ROW }));
}
const ARROWS = { sent: '↑', received: '↓', event: '•' } as const;

/** The Handler cell's tooltip: how many listeners, which threw or stopped the others. */
function handlerTitle(f: Frame): string | undefined {
  const runs = runsOf(f);
  if (!runs) return undefined;
  if (!runs.length) return 'no page listener ran for this frame';
  const threw = runs.find((r) => r.threw);
  const stopped = runs.find((r) => r.stopped);
  return [
    `${formatMs(f.handlerMs ?? 0)} in ${plural(runs.length, 'listener')}`,
    threw ? `${threw.name} threw: ${threw.threw!.message}` : '',
    stopped ? `${stopped.name} stopped the listeners after it` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** Highlight filter matches in a preview (rendered as text nodes: page data is never HTML). */
function highlight(text: string, re: RegExp | null): ComponentChildren {
  if (!re) return text;
  const out: ComponentChildren[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m && out.length < 40; m = re.exec(text)) {
    if (m[0] === '') {
      re.lastIndex++;
      continue;
    }
    out.push(text.slice(last, m.index), <mark>{m[0]}</mark>);
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

export function FrameTable() {
  const panel = usePanel();
  const { rowId: selected, marked, sort, regex: re, connection, paused } = useView((v) => ({
    rowId: v.selection.rowId,
    marked: v.marks.rowIds,
    sort: v.sort,
    regex: v.compiled.regex,
    connection: v.connection,
    paused: v.paused,
    // rows change in place (verdicts, decoding) and show their socket's times and decoder
    rows: v.revisions.rows,
    shown: v.revisions.shown,
    sockets: v.revisions.sockets,
  }));
  const scroller = useRef<HTMLDivElement>(null);
  const [follow, setFollowState] = useState(true);
  // The effect below runs after paint, so a render committed before the user scrolled up would scroll back down
  // and its scroll event would turn following on again: the effect and onScroll read this ref, never a closure.
  const following = useRef(true);
  const sortDesc = useRef(sort.desc);
  sortDesc.current = sort.desc;
  // the table shows its tail while it follows and sorts oldest first (the scroll hook's callback reads refs)
  const followsTail = () => following.current && !sortDesc.current;
  const setFollow = (on: boolean) => {
    following.current = on;
    setFollowState(on);
  };
  const { shown: count, total } = panel.counts();
  // the column headers are the grid's first row, sticky at the top of the scroller: the rows start one row down
  // while it follows the tail it renders tailItems(), whatever the offset: its own scrolling renders nothing more
  const v = useFixedRows(scroller, count, ROW, OVERSCAN, ROW, followsTail);

  // Follow new frames until the user scrolls up; then offer "jump to latest". One scrollTop write from the known
  // total size (the browser clamps it), with no read of the layout, which would force one per render under a flood.
  // Before paint, so the frame painted is the tail.
  useLayoutEffect(() => {
    if (followsTail() && count && scroller.current) scroller.current.scrollTop = v.totalSize + ROW;
  });
  const onScroll = () => {
    const el = scroller.current!;
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW * 1.5;
    if (atEnd !== following.current) setFollow(atEnd);
  };

  const select = (idx: number) => {
    const at = Math.max(0, Math.min(count - 1, idx));
    const id = panel.rowIdAt(at);
    if (id === undefined) return;
    panel.selectRow(id);
    v.scrollToIndex(at, 'auto');
  };
  const onKey = (e: KeyboardEvent) => {
    const cur = selected === undefined ? -1 : panel.indexOfRow(selected);
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 200) / ROW) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (e.key in moves) select(cur < 0 ? (moves[e.key] > 0 ? 0 : count - 1) : cur + moves[e.key]);
    else if (e.key === 'Home') select(0);
    else if (e.key === 'End') select(count - 1);
    else if (e.key === 'Escape') panel.selectRow(undefined);
    else if (e.key === ' ' && selected !== undefined) panel.mark(selected, e.shiftKey ? 'range' : 'toggle');
    else if (e.key === 'Enter' && selected !== undefined) {
      // the detail renders with the selection: focus it once it has
      const doc = (e.currentTarget as HTMLElement).ownerDocument;
      requestAnimationFrame(() => focusPane(doc, 'detail'));
    } else return;
    e.preventDefault();
    // Esc is DevTools' too (Chrome's drawer): taken here, it stays here
    e.stopPropagation();
  };

  const sortMark = (by: SortSpec['by']) => (sort.by === by ? (sort.desc ? ' ▼' : ' ▲') : '');
  const ariaSort = (by: SortSpec['by']) => (sort.by === by ? (sort.desc ? 'descending' : 'ascending') : undefined);
  const atTail = followsTail() && v.viewport;
  const items = atTail ? tailItems(count, v.viewport!.height) : v.items;
  const first = items.length ? items[0].index : 0;
  const rows = panel.rowsInRange(first, items.length ? items[items.length - 1].index + 1 : 0);
  const empty = total === 0;
  // the grid keeps focus and points at the selected row while it is rendered (a virtualised row may not be)
  const active = selected !== undefined && rows.some((f) => f?.id === selected) ? `frame-row-${selected}` : undefined;

  // A real grid (issue 18): the header row and every rendered row are rows of one grid, counted by aria-rowcount
  // (the header is row 1), each row with its aria-rowindex, so a screen reader knows where a virtualised row is.
  return (
    <div class="frames">
      <div
        class="frames-body"
        ref={scroller}
        onScroll={onScroll}
        tabIndex={0}
        role="grid"
        aria-label="Frames"
        aria-rowcount={count + 1}
        aria-activedescendant={active}
        data-pane="frames"
        aria-keyshortcuts="f"
        onKeyDown={onKey}
      >
        <div class="frames-head" role="row" aria-rowindex={1}>
          <span class="c-dir" role="columnheader">
            <span class="sr-only">Direction</span>
          </span>
          <span class="c-time" role="columnheader" aria-sort={ariaSort('time')}>
            <button class="sort" onClick={() => panel.setSort('time')} title="Sort by time">
              Time{sortMark('time')}
            </button>
          </span>
          <span class="c-size" role="columnheader" aria-sort={ariaSort('size')}>
            <button class="sort" onClick={() => panel.setSort('size')} title="Sort by size">
              Size{sortMark('size')}
            </button>
          </span>
          <span class="c-handler" role="columnheader" aria-sort={ariaSort('handler')}>
            <button class="sort" data-testid="sort-handler" onClick={() => panel.setSort('handler')} title="Sort by the time the page's message listeners took for the frame (slowest first)">
              Handler{sortMark('handler')}
            </button>
          </span>
          <span class="c-kind" role="columnheader">
            Kind
          </span>
          <span class="c-sum" role="columnheader" title="What the socket's protocol decoder made of the frame">
            Summary
          </span>
          <span class="c-data" role="columnheader">
            Data
          </span>
        </div>
        <div class="frames-rows" role="rowgroup" style={{ height: `${v.totalSize}px` }}>
          {items.map((it) => {
            const f: Frame | undefined = rows[it.index - first];
            if (!f) return null;
            const sock = panel.socket(f.socketKey);
            const tag = ruleTag(f);
            const origin = f.origin === 'panel' || f.origin === 'replay' ? f.origin : undefined;
            const isMarked = marked.has(f.id);
            const gone = wentNowhere(f);
            const decoded = decodedView(f, sock);
            // keyed by place in the window, not by frame: a row scrolling by reuses its element, so under a flood
            // each update rewrites the rows' text instead of building every row anew
            return (
              <div
                key={it.index - first}
                id={`frame-row-${f.id}`}
                class={`frame-row ${f.direction} ${f.kind} ${selected === f.id ? 'selected' : ''} ${isMarked ? 'marked' : ''} ${tag ? 'ruled' : ''} ${f.queued ? 'queued' : ''} ${gone ? 'gone' : ''}`}
                role="row"
                aria-rowindex={it.index + 2}
                aria-selected={selected === f.id}
                data-testid="frame"
                data-direction={f.direction}
                data-kind={f.kind}
                data-rule={tag}
                data-origin={f.origin}
                data-marked={isMarked || undefined}
                data-threw={f.threw || undefined}
                style={{ transform: `translateY(${it.start - ROW}px)`, height: `${ROW}px` }}
                onClick={(e) => {
                  // Ctrl/Cmd-click and Shift-click mark frames for replay; a plain click selects
                  if (e.ctrlKey || e.metaKey || e.shiftKey) panel.mark(f.id, e.shiftKey ? 'range' : 'toggle');
                  else panel.selectRow(f.id);
                }}
              >
                <span class="c-dir" role="gridcell" aria-label={isMarked ? `${f.direction}, marked for replay` : f.direction}>
                  {isMarked ? '☑' : ARROWS[f.direction]}
                </span>
                <span class="c-time" role="gridcell" title={formatClock(f.time)}>
                  {formatRelative(f.time, sock?.openedAt ?? sock?.createdAt)}
                </span>
                <span class="c-size" role="gridcell">
                  {f.payload ? formatBytes(f.payload.size) : ''}
                </span>
                <span class="c-handler" role="gridcell" data-testid="frame-handler" title={handlerTitle(f)}>
                  {f.handlerMs !== undefined ? formatMs(f.handlerMs) : ''}
                </span>
                <span
                  class="c-kind"
                  role="gridcell"
                  title={tag ? ruleSentence(f) : origin === 'panel' ? 'sent from the WS Lens panel' : origin === 'replay' ? 'replayed from the WS Lens panel' : f.kind === 'page' ? "dispatched by the page's own code (ws.dispatchEvent): the socket did not carry it" : undefined}
                >
                  {f.kind}
                  {origin ? ` · ${origin}` : ''}
                  {tag && <span class={`rule-tag ${f.queued ? 'queued' : ''}`}>{tag}</span>}
                </span>
                <span
                  class={`c-sum ${decoded?.error ? 'decode-error' : ''}`}
                  role="gridcell"
                  data-testid="frame-summary"
                  data-protocol={decoded?.protocol}
                  title={decoded ? `${decoded.summary}${decoded.error ? `\n${decoded.error}` : ''}` : undefined}
                >
                  {decoded ? highlight(decoded.summary, re) : ''}
                </span>
                <span class="c-data" role="gridcell">
                  {highlight(f.preview, re)}
                </span>
              </div>
            );
          })}
        </div>
      </div>
      {/* outside the grid (a grid holds rows only), over its body */}
      {empty && (
        <div class="empty-hint big">
          {connection === 'disconnected'
            ? 'Reconnecting to the extension…'
            : paused
              ? 'Capture is paused. Press ▶ to record frames again.'
              : 'Waiting for WebSocket frames. Interact with the page, or reload it to capture its sockets from the start.'}
        </div>
      )}
      {!empty && count === 0 && (
        <div class="empty-hint big">
          No frame matches the filter.
        </div>
      )}
      {!follow && count > 0 && (
        <button
          class="jump"
          data-testid="jump-latest"
          onClick={() => {
            setFollow(true);
            v.scrollToIndex(count - 1, 'end');
          }}
        >
          ↓ Jump to latest
        </button>
      )}
    </div>
  );
}
