import { createContext } from 'preact';
import { useContext, useEffect, useReducer } from 'preact/hooks';
import type { Store } from '../../store/store';

export const StoreContext = createContext<Store | null>(null);

/** The longest a change waits for an animation frame before the view updates anyway. */
const STALE_MS = 100;

/**
 * Re-render on store changes, at most once per animation frame: a flood of batches must not become a flood of
 * renders (the panel's longest task is one of the benchmark's budgets). A timer backs the frame up: animation
 * frames stall when the compositor does (a starved machine, an occluded DevTools window); in one CI run the panel
 * showed no socket for ten seconds while only the composer, re-rendered by its own state, had caught up.
 */
export function useStore(): Store {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStore outside StoreContext');
  const [, bump] = useReducer((x: number) => x + 1, 0);
  useEffect(() => {
    let queued = false;
    let frame = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const render = () => {
      if (!queued) return;
      queued = false;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
      bump(0);
    };
    const unsubscribe = store.subscribe(() => {
      if (queued) return;
      queued = true;
      frame = requestAnimationFrame(render);
      timer = setTimeout(render, STALE_MS);
    });
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [store]);
  return store;
}
