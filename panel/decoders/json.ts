/**
 * Plain JSON: the fallback for the many sockets that speak their own JSON. The summary leads with the keys apps
 * use to say what a message is (`type`, `event`, `action`, …), then the first few others.
 */
import type { Decoded, DecodeOutput, FrameInput, Protocol } from './types';
import { isRecord } from '../lib/isRecord';
import { parseJson, previewMembers, shortValue, TRUNCATED } from './util';

const TELLING = ['type', 'event', 'action', 'op', 'method', 'channel', 'topic'];
const MAX_PARTS = 3;

const isScalar = (v: unknown) => v === null || typeof v !== 'object';
const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

function describe(value: unknown): { summary: string; search: string } {
  if (Array.isArray(value)) return { summary: `array of ${value.length}`, search: '' };
  if (!isRecord(value)) return { summary: shortValue(value, 80), search: '' };
  const parts: string[] = [];
  const search: string[] = [];
  const used = new Set<string>();
  for (const k of TELLING) {
    if (parts.length === MAX_PARTS) break;
    const v = value[k];
    if (v === undefined || !isScalar(v)) continue;
    parts.push(`${k}: ${shortValue(v)}`);
    search.push(String(v));
    used.add(k);
  }
  for (const k in value) {
    if (parts.length === MAX_PARTS) break;
    // undefined only in a cut-off preview: a value that did not make it
    if (!used.has(k)) parts.push(`${k}: ${value[k] === undefined ? '…' : shortValue(value[k])}`);
  }
  return { summary: parts.length ? parts.join(' · ') : '{}', search: search.join(' ') };
}

function decode(frame: FrameInput): DecodeOutput {
  const text = frame.text;
  if (text === undefined) return { decoded: null };
  const value = parseJson(text);
  if (value === undefined) {
    const c = text.charCodeAt(0);
    if (!frame.truncated || (c !== 123 /* { */ && c !== 91) /* [ */) return { decoded: null };
    if (c === 91) return { decoded: { protocol: 'json', summary: '[…', fields: {}, search: '', error: TRUNCATED } };
    const head = previewMembers(text);
    const { summary, search } = describe(head);
    const fields: Record<string, unknown> = {};
    for (const k in head) if (head[k] !== undefined) fields[k] = head[k];
    return { decoded: { protocol: 'json', summary: summary === '{}' ? '{…' : summary, fields, search, error: TRUNCATED } };
  }
  const { summary, search } = describe(value);
  // an array is shown as the tree it is; a bare scalar needs a key to hang on
  const fields = (value !== null && typeof value === 'object' ? value : { value }) as Record<string, unknown>;
  const decoded: Decoded = { protocol: 'json', summary, fields, search };
  return { decoded };
}

export const plainJson: Protocol = {
  id: 'json',
  label: 'JSON',
  byHandshake: () => false,
  byContent(frame) {
    const t = frame.text;
    if (!t) return false;
    const first = t.charCodeAt(0);
    let end = t.length - 1;
    while (end > 0 && isSpace(t.charCodeAt(end))) end--;
    const last = t.charCodeAt(end);
    // brackets first: most text that is not JSON is turned away without parsing it
    if (!((first === 123 && last === 125) || (first === 91 && last === 93))) return false;
    return parseJson(t) !== undefined;
  },
  create: () => ({ decode }),
};
