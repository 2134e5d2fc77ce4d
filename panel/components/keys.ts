/**
 * The panel's keyboard: the shortcuts the `?` overlay lists (and the README), and the helpers the panes share.
 * Single-key shortcuts act only when the focus is not in a text field, a select or a dialog, as in DevTools' own
 * panels and most web apps; keys with Ctrl, Alt or Meta are left to DevTools and the browser.
 */
import type { Tab } from './BottomPane';

export interface Shortcut {
  keys: string[];
  what: string;
}

export interface ShortcutGroup {
  title: string;
  shortcuts: Shortcut[];
}

export const SHORTCUTS: ShortcutGroup[] = [
  {
    title: 'Anywhere (outside a text field)',
    shortcuts: [
      { keys: ['?'], what: 'Show or hide these shortcuts' },
      { keys: ['/'], what: 'Focus the filter (Esc clears it)' },
      { keys: ['c'], what: 'Go to the connections' },
      { keys: ['f'], what: 'Go to the frames' },
      { keys: ['d'], what: 'Go to the frame detail (its JSON tree)' },
      { keys: ['m'], what: 'Go to the composer (message)' },
      { keys: ['h'], what: 'Go to the held frames' },
      { keys: ['t'], what: 'Go to the pane tabs (← → switch)' },
      { keys: ['1', '2', '3', '4'], what: 'Show the Frame, Types, Rules or Replay tab' },
      { keys: ['Tab', 'Shift+Tab'], what: 'Next / previous control' },
    ],
  },
  {
    title: 'Connections',
    shortcuts: [
      { keys: ['↑', '↓'], what: 'Pick the previous / next socket' },
      { keys: ['Home', 'End'], what: 'Pick the first / last socket' },
      { keys: ['Space'], what: 'Add the socket to the picked ones, or take it out' },
      { keys: ['a'], what: 'All sockets' },
    ],
  },
  {
    title: 'Frames',
    shortcuts: [
      { keys: ['↑', '↓', 'PgUp', 'PgDn', 'Home', 'End'], what: 'Walk the frames' },
      { keys: ['Enter'], what: 'Open the frame in the detail' },
      { keys: ['Space'], what: 'Mark the frame for replay, or unmark it' },
      { keys: ['Shift+Space'], what: 'Mark every frame from the last marked one' },
      { keys: ['Esc'], what: 'No frame selected' },
    ],
  },
  {
    title: 'JSON tree',
    shortcuts: [
      { keys: ['↑', '↓'], what: 'Previous / next field' },
      { keys: ['→', '←'], what: 'Open / close (or go to the first child / the parent)' },
      { keys: ['Enter'], what: 'Open or close' },
      { keys: ['c'], what: 'Copy the value' },
      { keys: ['p'], what: 'Copy the path ($.items[0].sku)' },
    ],
  },
  {
    title: 'Composer',
    shortcuts: [
      { keys: ['Ctrl+Enter'], what: 'Send on the socket' },
      { keys: ['Ctrl+Shift+Enter'], what: 'Inject as received' },
      { keys: ['↑', '↓'], what: 'History (on the first / last line)' },
      { keys: ['Esc'], what: 'Back to the frames' },
    ],
  },
];

/** The bottom tabs by number key. */
export const TAB_KEYS: Record<string, Tab> = { '1': 'detail', '2': 'types', '3': 'rules', '4': 'replay' };

export type PaneName = 'sockets' | 'frames' | 'detail' | 'composer' | 'tabs' | 'held';
export const PANE_KEYS: Record<string, PaneName> = { c: 'sockets', f: 'frames', d: 'detail', m: 'composer', t: 'tabs', h: 'held' };

/** Where the focus goes for a pane: its grid, its tree, its text area, its selected tab, its first button. */
export function focusPane(doc: Document, pane: PaneName): boolean {
  const root = doc.querySelector<HTMLElement>(`[data-pane=${pane}]`);
  if (!root) return false;
  let target: HTMLElement | null = root;
  if (pane === 'tabs') target = root.querySelector<HTMLElement>('[role=tab][aria-selected=true]');
  // the first held frame's Forward, not Resume all above it
  else if (pane === 'held') target = root.querySelector<HTMLElement>('.held-row button:not(:disabled)');
  else if (pane === 'detail')
    target = root.querySelector<HTMLElement>('[role=treeitem][tabindex="0"]') ?? root.querySelector<HTMLElement>('[tabindex="0"]') ?? root;
  if (!target) return false;
  target.focus();
  return doc.activeElement === target;
}

/** Whether a key event's target takes typing (where single-key shortcuts must not act). */
export function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  const type = (el as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
}

/** The ARIA tab pattern: ← → Home End move between tabs and show them. */
export function onTabListKey<T extends string>(e: KeyboardEvent, ids: readonly T[], current: T, select: (t: T) => void): void {
  const i = ids.indexOf(current);
  const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? ids.length - 1 : undefined;
  if (next === undefined) return;
  e.preventDefault();
  const j = (next + ids.length) % ids.length;
  select(ids[j]);
  const tabs = (e.currentTarget as HTMLElement).querySelectorAll<HTMLElement>('[role=tab]');
  tabs[j]?.focus();
}
