import { splitRegex } from '../lib/regex';
import type { Frame } from './model';

/** The frame filter: plain text (case-insensitive) or `/regex/flags`, a direction, invert, and keep-alives hidden. */
export type DirectionFilter = 'all' | 'sent' | 'received' | 'event';

export interface FilterSpec {
  text: string;
  direction: DirectionFilter;
  invert: boolean;
  /** hide every protocol's keep-alive frames (decoded as `heartbeat`); the toolbar counts what it hides */
  hideHeartbeats: boolean;
}

export interface CompiledFilter {
  /** null when the filter is empty: everything matches */
  test: ((s: string) => boolean) | null;
  /** for highlighting matches in previews */
  regex: RegExp | null;
  error?: string;
}

export function compileFilter(text: string): CompiledFilter {
  const t = text.trim();
  if (!t) return { test: null, regex: null };
  const r = splitRegex(t);
  if (r) {
    try {
      const flags = r.flags.replace(/g/g, '');
      const re = new RegExp(r.source, flags);
      return { test: (s) => re.test(s), regex: new RegExp(r.source, flags + 'g') };
    } catch (e) {
      return { test: () => false, regex: null, error: `Invalid regular expression: ${(e as Error).message}` };
    }
  }
  const needle = t.toLowerCase();
  const escaped = t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { test: (s) => s.toLowerCase().includes(needle), regex: new RegExp(escaped, 'gi') };
}

export const EMPTY_FILTER: FilterSpec = { text: '', direction: 'all', invert: false, hideHeartbeats: false };

/**
 * Whether a row passes the filter. Its decoded reading counts too: a result row is found by the method name of the
 * call it answers, which its own text lacks. A preview cut for the table is no reason to miss a match further on.
 */
export function rowMatches(f: Frame, spec: FilterSpec, compiled: CompiledFilter): boolean {
  if (spec.direction !== 'all' && f.direction !== spec.direction) return false;
  const test = compiled.test;
  if (!test) return true;
  const d = f.decoded;
  const hit =
    test(f.preview) ||
    (f.payload?.type === 'text' && f.payload.data.length > f.preview.length && test(f.payload.data)) ||
    (d !== undefined && (test(d.summary) || test(d.search)));
  return spec.invert ? !hit : hit;
}
