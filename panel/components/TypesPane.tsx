import { useEffect, useRef, useState } from 'preact/hooks';
import { usePanel, useView } from './hooks/usePanel';
import { formatBytes, hostPath } from '../lib/format';
import { typeTerm, type TypeStat } from '../store/messageType';

type Column = 'type' | 'sentFrames' | 'sentBytes' | 'receivedFrames' | 'receivedBytes' | 'frames' | 'bytes';

const COLUMNS: [Column, string, string][] = [
  ['type', 'Message type', 'The decoded event, operation, topic or channel, the JSON type field, or binary / text'],
  ['frames', 'Frames', 'Frames of this type, both directions'],
  ['bytes', 'Bytes', 'Bytes of this type, both directions'],
  ['sentFrames', '↑ Frames', 'Frames the page sent'],
  ['sentBytes', '↑ Bytes', 'Bytes the page sent'],
  ['receivedFrames', '↓ Frames', 'Frames the page received'],
  ['receivedBytes', '↓ Bytes', 'Bytes the page received'],
];

/** While frames arrive, the table is recomputed at most this often: it walks every frame of its sockets. */
const REFRESH_MS = 500;

const value = (s: TypeStat, c: Column): number | string =>
  c === 'type' ? s.type : c === 'frames' ? s.sentFrames + s.receivedFrames : c === 'bytes' ? s.sentBytes + s.receivedBytes : s[c];

/**
 * What dominates the selected sockets (all when none is picked): frames and bytes by message type, each direction,
 * sortable, with a bar per row; a type's button filters the log to it. What is eating the bandwidth, at a glance.
 */
export function TypesPane() {
  const panel = usePanel();
  const { sockets, rows, filterText } = useView((v) => ({ sockets: v.selection.sockets, rows: v.revisions.rows, filterText: v.settings.filter.text }));
  const [stats, setStats] = useState<TypeStat[]>(() => panel.typeStats());
  const [sort, setSort] = useState<{ by: Column; desc: boolean }>({ by: 'bytes', desc: true });
  const last = useRef(0);
  useEffect(() => {
    // a new socket selection is shown at once; new rows at most every REFRESH_MS
    const wait = Math.max(0, last.current + REFRESH_MS - Date.now());
    const t = setTimeout(() => {
      last.current = Date.now();
      setStats(panel.typeStats());
    }, wait);
    return () => clearTimeout(t);
  }, [rows]);
  useEffect(() => {
    last.current = Date.now();
    setStats(panel.typeStats());
  }, [sockets]);

  const sorted = [...stats].sort((a, b) => {
    const x = value(a, sort.by);
    const y = value(b, sort.by);
    const d = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
    return (sort.desc ? -d : d) || a.type.localeCompare(b.type);
  });
  // the bar shows the sorted column's share (bytes when sorted by type)
  const barBy: Column = sort.by === 'type' ? 'bytes' : sort.by;
  const max = Math.max(1, ...stats.map((s) => value(s, barBy) as number));
  const total = stats.reduce((n, s) => n + s.sentBytes + s.receivedBytes, 0);
  const keys = [...sockets];
  const scope =
    keys.length === 0 ? 'all sockets' : keys.length === 1 ? `#${panel.socket(keys[0])?.sid} ${hostPath(panel.socket(keys[0])?.url ?? '')}` : `${keys.length} sockets`;
  const isBytes = (c: Column) => c.endsWith('ytes');
  const onSort = (by: Column) => setSort((cur) => (cur.by === by ? { by, desc: !cur.desc } : { by, desc: by !== 'type' }));
  return (
    <div class="types" data-testid="types" role="region" aria-label="Message types">
      <div class="rules-head">
        <span>
          What dominates <strong data-testid="types-scope">{scope}</strong>: {stats.length} message type{stats.length === 1 ? '' : 's'}, {formatBytes(total)}
        </span>
        <span class="dim">Pick sockets on the left, or All sockets. A type's name filters the log to it.</span>
        {filterText && (
          <>
            <span class="spacer" />
            <button data-testid="types-clear-filter" onClick={() => panel.setFilter({ text: '' })}>
              Clear the filter
            </button>
          </>
        )}
      </div>
      {stats.length === 0 ? (
        <div class="empty-hint">No messages on {scope} yet.</div>
      ) : (
        <table class="types-table" aria-label={`Message types on ${scope}`}>
          <thead>
            <tr>
              {COLUMNS.map(([c, label, title]) => (
                <th scope="col" class={`t-${c}`} aria-sort={sort.by === c ? (sort.desc ? 'descending' : 'ascending') : undefined}>
                  <button class="sort" data-testid={`types-sort-${c}`} title={`${title}. Sort by it.`} onClick={() => onSort(c)}>
                    {label}
                    {sort.by === c ? (sort.desc ? ' ▼' : ' ▲') : ''}
                  </button>
                </th>
              ))}
              <th scope="col" class="t-bar">
                <span class="sr-only">Share</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((s) => {
              const share = (value(s, barBy) as number) / max;
              const term = typeTerm(s.type);
              const active = filterText.trim() === term;
              return (
                <tr data-testid="type-row" data-type={s.type} class={active ? 'selected' : ''}>
                  {COLUMNS.map(([c]) =>
                    c === 'type' ? (
                      <th scope="row" class="t-type">
                        <button
                          class="link"
                          data-testid="type-filter"
                          aria-pressed={active}
                          title={active ? 'Shown alone in the log: press to show every type again' : `Show only ${s.type} in the log (${term})`}
                          onClick={() => panel.setFilter({ text: active ? '' : term })}
                        >
                          {s.type}
                        </button>
                      </th>
                    ) : (
                      <td class={`t-${c} num`} data-col={c}>
                        {isBytes(c) ? formatBytes(value(s, c) as number) : (value(s, c) as number).toLocaleString()}
                      </td>
                    ),
                  )}
                  <td class="t-bar" aria-hidden="true">
                    <span class="bar">
                      <span class="bar-sent" style={{ width: `${(share * 100 * (sentPart(s, barBy) ?? 1)).toFixed(1)}%` }} />
                      <span class="bar-received" style={{ width: `${(share * 100 * (1 - (sentPart(s, barBy) ?? 1))).toFixed(1)}%` }} />
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** What share of the bar is the sent direction: for a total column, sent against received; a one-way column is all its own. */
function sentPart(s: TypeStat, by: Column): number | undefined {
  if (by === 'bytes') return s.sentBytes + s.receivedBytes ? s.sentBytes / (s.sentBytes + s.receivedBytes) : 0;
  if (by === 'frames') return s.sentFrames + s.receivedFrames ? s.sentFrames / (s.sentFrames + s.receivedFrames) : 0;
  return by.startsWith('sent') ? 1 : 0;
}
