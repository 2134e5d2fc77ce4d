/**
 * A virtual window over rows of one fixed height, for the frame table: which rows are in view is arithmetic on the
 * scroll offset. @tanstack/virtual-core (still the connection list's) keeps a measurement per row, two doubles and a
 * key, and rebuilds them (a new Float64Array and array, copied) whenever the row count changes: under a flood that
 * is every update, O(rows) work per render and 20 bytes a row of panel heap (a 1.6 MB buffer for 100,000 frames in
 * a heap snapshot; README Performance, "Rows in columns"). Rows here never differ in height, so none of that is
 * needed.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';

export interface FixedRowItem {
  index: number;
  /** the row's top in the scroller's content, counting the header above the rows (`margin`) */
  start: number;
}

export interface FixedRows {
  /** the rows to render: those in view and `overscan` more on each side */
  items: FixedRowItem[];
  totalSize: number;
  /** the scroller's size once it is laid out */
  viewport: { height: number } | null;
  scrollToIndex(index: number, align: 'auto' | 'end'): void;
}

/**
 * `pinned`: while it answers true (the table follows its tail and renders the last rows whatever the offset), a
 * scroll only records the new offset and renders nothing. Under a flood every update scrolls the table, and each
 * scroll event re-rendered it a second time, in the same task as the animation frame's render (`bench/profile.mjs`:
 * a scroll dispatch of 3–5 ms on the panel's clock in most tasks over 50 ms wall).
 */
export function useFixedRows(scroller: RefObject<HTMLElement | null>, count: number, row: number, overscan: number, margin: number, pinned: () => boolean = () => false): FixedRows {
  const [, rendered] = useState(0);
  const view = useRef<{ top: number; height: number } | null>(null);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const read = (scrolled: boolean) => {
      const was = view.current;
      if (was && was.top === el.scrollTop && was.height === el.clientHeight) return;
      const resized = !was || was.height !== el.clientHeight;
      view.current = { top: el.scrollTop, height: el.clientHeight };
      if (resized || !scrolled || !pinned()) rendered((n) => n + 1);
    };
    const onScroll = () => read(true);
    const onResize = () => read(false);
    onResize();
    el.addEventListener('scroll', onScroll, { passive: true });
    const sized = new ResizeObserver(onResize);
    sized.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      sized.disconnect();
    };
    // the scroller is the table's own element, rendered once for its life
  }, []);

  const top = view.current?.top ?? 0;
  const height = view.current?.height ?? 0;
  // row i spans margin + i·row … margin + (i+1)·row; the header covers the first `margin` of the viewport
  const firstInView = Math.floor(top / row);
  const endInView = Math.ceil((top + height - margin) / row);
  const from = Math.max(0, firstInView - overscan);
  const to = Math.min(count, Math.max(from, endInView + overscan));
  const items: FixedRowItem[] = [];
  for (let i = from; i < to; i++) items.push({ index: i, start: margin + i * row });

  return {
    items,
    totalSize: count * row,
    viewport: view.current && { height: view.current.height },
    scrollToIndex(index, align) {
      const el = scroller.current;
      if (!el) return;
      const rowTop = margin + index * row;
      const rowBottom = rowTop + row;
      if (align === 'end' || rowBottom > el.scrollTop + el.clientHeight) el.scrollTop = rowBottom - el.clientHeight;
      else if (rowTop < el.scrollTop + margin) el.scrollTop = rowTop - margin;
    },
  };
}
