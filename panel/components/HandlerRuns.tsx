/**
 * The page's side of one received frame (issue 17): each of the page's message listeners that ran for it, in the
 * order they ran, its time, and what it threw, as the page's hook measured them (src/page/handler-probes.ts).
 */
import { formatMs, plural } from '../lib/format';
import { runsOf } from '../store/log';
import type { Frame } from '../store/model';
import type { HandlerError } from '../../src/shared/protocol';

function where(e: HandlerError): string {
  return e.file ? ` (${e.file}:${e.line ?? 0}:${e.column ?? 0})` : '';
}

export function HandlerRuns({ frame }: { frame: Frame }) {
  const runs = runsOf(frame);
  if (!runs) return null;
  return (
    <div class="handler-runs" data-testid="detail-handlers">
      <div class="dim">
        {runs.length
          ? `The page's message listeners: ${plural(runs.length, 'listener')}, ${formatMs(frame.handlerMs ?? 0)} in all`
          : 'No message listener of the page ran for this frame.'}
      </div>
      {runs.length > 0 && (
        <ol class="handler-list">
          {runs.map((r, i) => (
            <li key={i} data-testid="handler-run" data-threw={r.threw ? '' : undefined} data-stopped={r.stopped ? '' : undefined}>
              <span class="handler-ms">{r.ms !== undefined ? formatMs(r.ms) : '?'}</span>
              <span class="handler-name mono" title={r.name}>
                {r.name}
              </span>
              {r.stopped && <span class="dim"> stopped the listeners after it (stopImmediatePropagation); its own time is not known</span>}
              {r.threw && (
                <div class="handler-error" data-testid="handler-error">
                  <div>
                    threw: <span class="mono">{r.threw.message}</span>
                    <span class="dim">{where(r.threw)}</span>
                  </div>
                  {r.threw.stack && (
                    <pre class="detail-text mono" data-testid="handler-stack">
                      {r.threw.stack}
                    </pre>
                  )}
                </div>
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
