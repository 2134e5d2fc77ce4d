/**
 * A collapsible JSON tree with "copy value" and "copy path". Hand-written: the preact-compatible viewers we
 * looked at lack path copying, and this is small. Values render as text nodes only.
 */
import { useState } from 'preact/hooks';
import { copyText } from '../io/clipboard';

function pathOf(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function Leaf({ value }: { value: unknown }) {
  const cls = value === null ? 'null' : typeof value;
  return <span class={`json-${cls}`}>{typeof value === 'string' ? JSON.stringify(value) : String(value)}</span>;
}

function Node({ name, value, path, depth }: { name?: string | number; value: unknown; path: string; depth: number }) {
  const [open, setOpen] = useState(depth < 2);
  const isObj = value !== null && typeof value === 'object';
  const entries: [string | number, unknown][] = isObj
    ? Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.entries(value as Record<string, unknown>)
    : [];
  const label = name === undefined ? null : <span class="json-key">{typeof name === 'number' ? name : JSON.stringify(name)}: </span>;
  const tools = (
    <span class="json-tools">
      <button title="Copy value" onClick={(e) => (e.stopPropagation(), copyText(JSON.stringify(value, null, 2)))}>
        copy
      </button>
      <button title="Copy path" data-testid="copy-path" onClick={(e) => (e.stopPropagation(), copyText(path))}>
        path
      </button>
    </span>
  );
  if (!isObj)
    return (
      <div class="json-row" role="treeitem" data-path={path}>
        {label}
        <Leaf value={value} />
        {tools}
      </div>
    );
  const summary = Array.isArray(value) ? `Array(${entries.length})` : `{${entries.length} keys}`;
  return (
    <div class="json-node" role="treeitem" aria-expanded={open} data-path={path}>
      <div class="json-row" onClick={() => setOpen(!open)}>
        <span class="json-toggle">{open ? '▾' : '▸'}</span>
        {label}
        <span class="json-summary">{summary}</span>
        {tools}
      </div>
      {open && (
        <div class="json-children" role="group">
          {entries.slice(0, 1000).map(([k, v]) => (
            <Node name={k} value={v} path={pathOf(path, k)} depth={depth + 1} />
          ))}
          {entries.length > 1000 && <div class="json-more">… {entries.length - 1000} more</div>}
        </div>
      )}
    </div>
  );
}

export function JsonTree({ value }: { value: unknown }) {
  return (
    <div class="json-tree" role="tree" data-testid="json-tree">
      <Node value={value} path="$" depth={0} />
    </div>
  );
}
