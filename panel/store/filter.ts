import { splitRegex } from '../lib/regex';

/** The frame filter: plain text (case-insensitive) or `/regex/flags`, a direction, and invert. */
export type DirectionFilter = 'all' | 'sent' | 'received' | 'event';

export interface FilterSpec {
  text: string;
  direction: DirectionFilter;
  invert: boolean;
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

export const EMPTY_FILTER: FilterSpec = { text: '', direction: 'all', invert: false };
