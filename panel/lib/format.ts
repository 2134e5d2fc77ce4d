/** Small formatting helpers: for the panel's components, and for the files the panel writes. */
import { base64ToBytes } from './base64';

/**
 * A byte count in binary units (1 kB = 1024 B). By default for the panel's columns and readouts: always one
 * decimal, so that numbers line up ("512 B", "1.5 kB", "2.0 MB"). `'prose'` for a sentence a person reads: no
 * trailing ".0", units as a sentence spells them ("802 bytes", "2 KB", "312 MB").
 */
export function formatBytes(n: number, style: 'column' | 'prose' = 'column'): string {
  const prose = style === 'prose';
  if (n < 1024) return prose ? `${n} bytes` : `${n} B`;
  const [value, unit] = n < 1024 * 1024 ? [n / 1024, prose ? 'KB' : 'kB'] : [n / 1024 / 1024, 'MB'];
  return `${prose ? +value.toFixed(1) : value.toFixed(1)} ${unit}`;
}

/** "1 entry", "2 entries": a count and its noun; the plural is the noun and an "s" unless given. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** An ISO 8601 time for a file (HAR, JSON Lines); the epoch for a time that is not one, rather than a throw. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
}

/** "+1.234 s" relative to a reference (the socket's open); milliseconds below one second */
export function formatRelative(t: number, ref: number | undefined): string {
  if (ref === undefined) return '';
  const d = t - ref;
  const sign = d < 0 ? '-' : '+';
  const a = Math.abs(d);
  return a < 1000 ? `${sign}${a.toFixed(1)} ms` : `${sign}${(a / 1000).toFixed(3)} s`;
}

export function formatClock(t: number): string {
  const d = new Date(t);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Classic 16-bytes-a-line hex dump with offsets and printable ASCII. */
export function hexDump(b64: string, maxBytes = 64 * 1024): string {
  const bytes = base64ToBytes(b64).subarray(0, maxBytes);
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.subarray(off, off + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

export function hostPath(url: string): string {
  try {
    const u = new URL(url);
    // a blob: or data: worker's script: what it is matters more than its (opaque or inner) host
    if (u.protocol === 'blob:' || u.protocol === 'data:') return url.length > 80 ? `${url.slice(0, 77)}…` : url;
    return u.host + u.pathname + u.search;
  } catch {
    return url;
  }
}

/** A handler time for a column: "<0.1 ms" under the timer's grain, one decimal below 10 ms, whole ms above. */
export function formatMs(ms: number): string {
  if (ms < 0.1) return '<0.1 ms';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}
