import { createContext } from 'preact';
import { useContext, useEffect, useReducer } from 'preact/hooks';
import type { Store } from '../store/store';

export const StoreContext = createContext<Store | null>(null);

/**
 * Re-render on store changes, at most once per animation frame: a flood of batches must not become a flood of
 * renders (the panel's longest task is one of the benchmark's budgets).
 */
export function useStore(): Store {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStore outside StoreContext');
  const [, bump] = useReducer((x: number) => x + 1, 0);
  useEffect(() => {
    let queued = false;
    return store.subscribe(() => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        bump(0);
      });
    });
  }, [store]);
  return store;
}
