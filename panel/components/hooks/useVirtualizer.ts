/**
 * A preact binding for @tanstack/virtual-core (the engine behind react-virtual): the table renders only the rows
 * in view, so a log of hundreds of thousands of frames scrolls like a short one.
 */
import { useLayoutEffect, useReducer, useState } from 'preact/hooks';
import { Virtualizer, elementScroll, observeElementOffset, observeElementRect, type VirtualizerOptions } from '@tanstack/virtual-core';

type Options = Pick<VirtualizerOptions<HTMLDivElement, Element>, 'count' | 'estimateSize' | 'overscan' | 'getScrollElement' | 'scrollMargin'>;

export function useVirtualizer(opts: Options): Virtualizer<HTMLDivElement, Element> {
  const [, rerender] = useReducer((x: number) => x + 1, 0);
  const full = {
    observeElementRect,
    observeElementOffset,
    scrollToFn: elementScroll,
    ...opts,
    onChange: () => rerender(0),
  } as VirtualizerOptions<HTMLDivElement, Element>;
  const [v] = useState(() => new Virtualizer(full));
  v.setOptions(full);
  useLayoutEffect(() => v._didMount(), []);
  useLayoutEffect(() => v._willUpdate());
  return v;
}
