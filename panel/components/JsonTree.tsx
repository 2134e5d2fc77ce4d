/**
 * A collapsible JSON tree with "copy value" and "copy path". Hand-written: the preact-compatible viewers we
 * looked at lack path copying, and this is small. Values render as text nodes only.
 *
 * The keyboard follows the ARIA tree pattern: one item is in the Tab order (a roving tabindex), ↑ ↓ move through
 * the items shown, → opens a node or goes to its first child, ← closes it or goes to its parent, Home / End, Enter
 * toggles; `c` copies the focused item's value and `p` its path. The copy buttons show on the focused item as on
 * the hovered one.
 */
import { createContext } from 'preact';
import { useContext, useState } from 'preact/hooks';
import { copyText } from '../io/clipboard';

function pathOf(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** which item is in the Tab order, and what was copied last (said to screen readers) */
interface TreeState {
  current: string;
  setCurrent: (path: string) => void;
  copied: (what: string) => void;
}
const TreeContext = createContext<TreeState>({ current: '$', setCurrent: () => {}, copied: () => {} });

function Leaf({ value }: { value: unknown }) {
  const cls = value === null ? 'null' : typeof value;
  return <span class={`json-${cls}`}>{typeof value === 'string' ? JSON.stringify(value) : String(value)}</span>;
}

function Node({ name, value, path, depth, level, setSize, posInSet }: { name?: string | number; value: unknown; path: string; depth: number; level: number; setSize: number; posInSet: number }) {
  const tree = useContext(TreeContext);
  const [open, setOpen] = useState(depth < 2);
  const isObj = value !== null && typeof value === 'object';
  const entries: [string | number, unknown][] = isObj
    ? Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.entries(value as Record<string, unknown>)
    : [];
  const label = name === undefined ? null : <span class="json-key">{typeof name === 'number' ? name : JSON.stringify(name)}: </span>;
  const copyValue = () => copyText(JSON.stringify(value, null, 2)) && tree.copied(`Copied the value of ${path}`);
  const copyPath = () => copyText(path) && tree.copied(`Copied the path ${path}`);
  const tools = (
    <span class="json-tools">
      <button tabIndex={-1} title="Copy value (c)" data-testid="copy-value" onClick={(e) => (e.stopPropagation(), copyValue())}>
        copy
      </button>
      <button tabIndex={-1} title="Copy path (p)" data-testid="copy-path" onClick={(e) => (e.stopPropagation(), copyPath())}>
        path
      </button>
    </span>
  );
  const item = {
    role: 'treeitem' as const,
    'data-path': path,
    tabIndex: tree.current === path ? 0 : -1,
    'aria-level': level,
    'aria-setsize': setSize,
    'aria-posinset': posInSet,
    onFocus: (e: FocusEvent) => {
      e.stopPropagation();
      tree.setCurrent(path);
    },
    onKeyDown: (e: KeyboardEvent) => {
      if (e.target !== e.currentTarget || e.ctrlKey || e.metaKey || e.altKey) return;
      const el = e.currentTarget as HTMLElement;
      if (e.key === 'c') copyValue();
      else if (e.key === 'p') copyPath();
      else if (isObj && (e.key === 'Enter' || e.key === ' ')) setOpen(!open);
      else if (isObj && e.key === 'ArrowRight' && !open) setOpen(true);
      else if (isObj && e.key === 'ArrowLeft' && open) setOpen(false);
      else if (e.key === 'ArrowRight' && isObj) el.querySelector<HTMLElement>('[role=treeitem]')?.focus();
      else if (e.key === 'ArrowLeft') el.parentElement?.closest<HTMLElement>('[role=treeitem]')?.focus();
      else if (['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) {
        const all = [...el.closest('[role=tree]')!.querySelectorAll<HTMLElement>('[role=treeitem]')];
        const i = all.indexOf(el);
        const j = e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : e.key === 'Home' ? 0 : all.length - 1;
        all[Math.max(0, Math.min(all.length - 1, j))]?.focus();
      } else return;
      e.preventDefault();
      e.stopPropagation();
    },
  };
  if (!isObj)
    return (
      <div class="json-row" {...item}>
        {label}
        <Leaf value={value} />
        {tools}
      </div>
    );
  const summary = Array.isArray(value) ? `Array(${entries.length})` : `{${entries.length} keys}`;
  const shown = entries.slice(0, 1000);
  return (
    <div class="json-node" aria-expanded={open} {...item}>
      <div class="json-row" onClick={() => setOpen(!open)}>
        <span class="json-toggle" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        {label}
        <span class="json-summary">{summary}</span>
        {tools}
      </div>
      {open && (
        <div class="json-children" role="group">
          {shown.map(([k, v], i) => (
            <Node name={k} value={v} path={pathOf(path, k)} depth={depth + 1} level={level + 1} setSize={shown.length} posInSet={i + 1} />
          ))}
          {entries.length > 1000 && <div class="json-more">… {entries.length - 1000} more</div>}
        </div>
      )}
    </div>
  );
}

export function JsonTree({ value }: { value: unknown }) {
  const [current, setCurrent] = useState('$');
  const [said, setSaid] = useState('');
  // another frame's tree: its root is the item in the Tab order again
  const [shownValue, setShownValue] = useState(value);
  if (shownValue !== value) {
    setShownValue(value);
    setCurrent('$');
    setSaid('');
  }
  return (
    <TreeContext.Provider value={{ current, setCurrent, copied: setSaid }}>
      {/* c and p are the tree's own keys, not the panel's shortcuts */}
      <div class="json-tree" role="tree" aria-label="JSON" data-testid="json-tree" data-keys="c p">
        <Node value={value} path="$" depth={0} level={1} setSize={1} posInSet={1} />
      </div>
      <div class="sr-only" role="status" data-testid="json-copied">
        {said}
      </div>
    </TreeContext.Provider>
  );
}
