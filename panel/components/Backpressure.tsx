import { usePanel, useView } from './hooks/usePanel';
import { handlerRate, rate } from '../store/log';
import { formatBytes, formatMs } from '../lib/format';
import { stepPath } from '../lib/stepChart';
import type { Socket } from '../store/model';

const W = 220;
const H = 44;

/** bufferedAmount over the last samples, as steps (each value holds until the next sample); sends as ticks. */
function Chart({ s }: { s: Socket }) {
  const pts = s.buffered;
  if (pts.length < 2) return <svg class="chart" width={W} height={H} aria-hidden="true" />;
  const { d: line, max, x } = stepPath(pts, W, H);
  return (
    <svg class="chart" width={W} height={H} role="img" aria-label={`bufferedAmount over time, peak ${formatBytes(max)}`}>
      <path d={line} class="chart-line" />
      {pts
        .filter((p) => p.send)
        .map((p) => (
          <line x1={x(p.time)} x2={x(p.time)} y1={H - 1} y2={H - 5} class="chart-send" />
        ))}
      <text x={W - 2} y={9} text-anchor="end" class="chart-label">
        peak {formatBytes(max)}
      </text>
    </svg>
  );
}

/** the listeners' ms in the last second: 0 when none ran, else as the Handler column writes it, without the unit */
function handlerReadout(s: Socket | undefined, now: number): string {
  const ms = s ? handlerRate(s.recentHandler, now) : 0;
  return ms === 0 ? '0' : formatMs(ms).replace(' ms', '');
}

export function Backpressure() {
  const panel = usePanel();
  // the samples and rates of the socket change with its traffic, counted by the sockets' revision
  const { primary } = useView((v) => ({ primary: v.selection.primary, sockets: v.revisions.sockets }));
  const s = panel.socket(primary);
  const now = Date.now();
  return (
    <div class="backpressure" role="group" aria-label="Backpressure and rate">
      <div class="bp-stat">
        <span class="bp-label">bufferedAmount</span>
        <span class="bp-value" data-testid="buffered-amount">
          {s ? s.bufferedAmount : 0}
        </span>
      </div>
      {s && <Chart s={s} />}
      <div class="bp-stat">
        <span class="bp-label">frames/s</span>
        <span class="bp-value" data-testid="rate">
          ↓{s ? rate(s.recentIn, now) : 0} ↑{s ? rate(s.recentOut, now) : 0}
        </span>
      </div>
      <div class="bp-stat" title="Time the page's message listeners took over the last second, for the frames this socket received (Handler timing)">
        <span class="bp-label">handler ms/s</span>
        <span class="bp-value" data-testid="handler-rate">
          {handlerReadout(s, now)}
          {s && s.threw > 0 && (
            <span class="bp-threw" data-testid="handler-threw">
              {' '}
              · {s.threw} threw
            </span>
          )}
        </span>
      </div>
    </div>
  );
}
