/** Small display helpers shared by the panel's components. */
import { base64ToBytes } from './base64';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
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
    return u.host + u.pathname + u.search;
  } catch {
    return url;
  }
}
