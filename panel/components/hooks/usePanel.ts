import { createContext } from 'preact';
import { useContext, useEffect, useReducer, useRef } from 'preact/hooks';
import type { Panel, PanelView } from '../../store/view';

export const PanelContext = createContext<Panel | null>(null);

/** The longest a change waits for an animation frame before the view updates anyway. */
const STALE_MS = 100;

/** The panel's view and actions, for reading while rendering and acting in handlers. It does not re-render the caller. */
export function usePanel(): Panel {
  const panel = useContext(PanelContext);
  if (!panel) throw new Error('usePanel outside PanelContext');
  return panel;
}

/**
 * Re-render the caller when what it shows changed: `watch` names it, as values and revisions (see PanelView), and
 * the caller re-renders only when one of them differs from what it rendered last. Everything the caller reads from
 * the view while rendering must be covered by what `watch` returns.
 *
 * The check runs at most once per animation frame: a flood of batches must not become a flood of renders (the
 * panel's longest task is one of the benchmark's budgets). A timer backs the frame up: animation frames stall when
 * the compositor does (a starved machine, an occluded DevTools window); in one CI run the panel showed no socket for
 * ten seconds while only the composer, re-rendered by its own state, had caught up.
 */
export function useView<T>(watch: (v: PanelView) => T): T {
  const panel = usePanel();
  const [, bump] = useReducer((x: number) => x + 1, 0);
  const value = watch(panel);
  const rendered = useRef(value);
  rendered.current = value;
  const latest = useRef(watch);
  latest.current = watch;
  useEffect(
    () =>
      viewChecks(panel).add(() => {
        if (!shallowEqual(latest.current(panel), rendered.current)) bump(0);
      }),
    [panel],
  );
  return value;
}

/**
 * One scheduled check per panel for all its views, not one per component: every view that shows a change bumps in
 * the same task, so preact redraws them together and no component is ever a task ahead of another (with a timer
 * each, the frame table could show a new socket's rows while the connection list did not list it yet).
 */
const checksByPanel = new WeakMap<Panel, { add(check: () => void): () => void }>();
function viewChecks(panel: Panel): { add(check: () => void): () => void } {
  let entry = checksByPanel.get(panel);
  if (entry) return entry;
  const checks = new Set<() => void>();
  let queued = false;
  let frame = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    if (!queued) return;
    queued = false;
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    for (const check of checks) check();
  };
  let unsubscribe: (() => void) | undefined;
  entry = {
    add(check) {
      checks.add(check);
      unsubscribe ??= panel.subscribe(() => {
        if (queued) return;
        queued = true;
        frame = requestAnimationFrame(run);
        timer = setTimeout(run, STALE_MS);
      });
      return () => {
        checks.delete(check);
        if (checks.size || !unsubscribe) return;
        unsubscribe();
        unsubscribe = undefined;
        queued = false;
        cancelAnimationFrame(frame);
        clearTimeout(timer);
      };
    },
  };
  checksByPanel.set(panel, entry);
  return entry;
}

/** Equal values, or arrays or plain objects whose items are each the same (Object.is). */
export function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}
