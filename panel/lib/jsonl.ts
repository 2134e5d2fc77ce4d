/**
 * JSON Lines export of the log: one JSON object a line, in log order, for scripts (jq, grep) rather than for tools
 * that read HAR (for those, har.ts). Pure and browser-free.
 */
import type { Frame, Socket } from '../store/model';
import { isoTime } from './format';

/** The frames as JSON Lines, each row with its socket's URL; a lifecycle row as `type: 'event'`. */
export function framesToJsonLines(frames: Frame[], socketsByKey: Map<string, Socket>): string {
  let out = '';
  for (const f of frames) out += JSON.stringify(jsonLine(f, socketsByKey.get(f.socketKey))) + '\n';
  return out;
}

function jsonLine(f: Frame, sock: Socket | undefined): Record<string, unknown> {
  const base = { time: isoTime(f.time), url: sock?.url ?? '', direction: f.direction };
  if (f.direction === 'event' || !f.payload) return { ...base, type: 'event', event: f.label ?? '', text: f.preview };
  const p = f.payload;
  return {
    ...base,
    type: p.type === 'text' ? 'text' : 'binary',
    data: p.data,
    size: p.size,
    truncated: p.truncated,
    ...(p.type === 'blob' ? { blob: true } : {}),
    ...(f.origin ? { origin: f.origin } : {}),
  };
}

