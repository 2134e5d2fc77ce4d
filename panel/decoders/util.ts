/** Small helpers the protocol decoders share. No dependencies: decoders run in the panel bundle. */
import type { Decoded, Related } from './types';

/** JSON.parse, or undefined when the text is not JSON: decoders must never throw on what a page sends. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const TRUNCATED = 'only a preview of this frame was captured';

/** new URL(url), or undefined for a url that does not parse: handshake detection must not throw either */
export function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** "01 02 fa …": the first `max` bytes as hex */
export function hexPreview(bytes: Uint8Array, max = 32): string {
  const n = Math.min(bytes.length, max);
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = bytes[i].toString(16).padStart(2, '0');
  return out.join(' ') + (bytes.length > max ? ' …' : '');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text when they are UTF-8 without control characters (a JSON or text attachment), else undefined. */
export function textPreview(bytes: Uint8Array, max = 200): string | undefined {
  let end = Math.min(bytes.length, max * 4);
  // cut before a multi-byte character the limit splits, or the fatal decoder would reject valid text
  if (end < bytes.length) while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  let text: string;
  try {
    text = utf8.decode(bytes.subarray(0, end));
  } catch {
    return undefined;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return undefined;
  }
  return clip(text, max);
}

/** A binary payload as tree-friendly data: its size, a hex preview, and its text when it is text. */
export function describeBytes(bytes: Uint8Array): { size: number; hex: string; text?: string } {
  const text = bytes.length ? textPreview(bytes) : undefined;
  return text === undefined ? { size: bytes.length, hex: hexPreview(bytes) } : { size: bytes.length, hex: hexPreview(bytes), text };
}

export function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** A one-line form of a JSON value for summaries: strings quoted and clipped, containers abbreviated. */
export function shortValue(v: unknown, max = 40): string {
  if (typeof v === 'string') return JSON.stringify(clip(v, max));
  if (Array.isArray(v)) return `[${v.length}]`;
  if (v !== null && typeof v === 'object') return '{…}';
  return String(v);
}

/** a round-trip time for a summary */
export function formatMs(ms: number): string {
  if (ms < 1) return '<1 ms';
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Map.set that forgets the oldest entry past `cap`: pairing tables live as long as the socket, and requests whose
 * answer never comes must not pile up.
 */
export function remember<K, V>(map: Map<K, V>, key: K, value: V, cap = 1000): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > cap) map.delete(map.keys().next().value as K);
}

/** The whole of `bytes` as text when it is valid UTF-8, else undefined. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** past this, a body is shown as text without trying JSON.parse on it: the panel must stay responsive */
const JSON_PARSE_LIMIT = 1 << 20;

/**
 * A message body (a STOMP body, an MQTT payload) for the tree: parsed JSON when it is JSON (declared so, or it
 * parses as an object or array), its text when it is UTF-8, else a hex preview.
 */
export function describePayload(bytes: Uint8Array, declaredJson = false): { format: 'json' | 'text' | 'binary'; value: unknown } {
  const text = utf8Text(bytes);
  if (text === undefined) return { format: 'binary', value: hexPreview(bytes, 256) };
  const first = text.trimStart()[0];
  if (text.length <= JSON_PARSE_LIMIT && (declaredJson || first === '{' || first === '[')) {
    const json = parseJson(text);
    if (json !== undefined) return { format: 'json', value: json };
  }
  return { format: 'text', value: text };
}

/**
 * The decoded views of requests still waiting for their answer, so that the answer can hand back (in `updates`)
 * its request's view linked to it.
 */
export class Backlinks {
  private views = new Map<number, Decoded>();

  keep(seq: number, decoded: Decoded): void {
    remember(this.views, seq, decoded);
  }

  /** Link the earlier frame `seq` to `rel`; its new view goes into `out` (by seq), ready for `updates`. */
  link(seq: number, rel: Related, out: Map<number, Decoded>): void {
    const old = out.get(seq) ?? this.views.get(seq);
    if (!old) return;
    const next: Decoded = { ...old, related: [...(old.related ?? []), rel] };
    this.views.set(seq, next);
    out.set(seq, next);
  }
}

const isNumberStart = (c: number) => c === 45 /* - */ || (c >= 48 && c <= 57) || c === 116 /* t */ || c === 102 /* f */ || c === 110; /* n */

/**
 * The top-level members of a JSON object cut short (a truncated preview): scalar values that are whole, and
 * `undefined` for keys whose value is a container or was cut, e.g. `{"type":"next","id":"7","payload":{"da` →
 * `{type: 'next', id: '7', payload: undefined}`. Keys nested deeper are skipped, so an `id` inside params is
 * never taken for the message's id.
 */
export function previewMembers(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (text.charCodeAt(0) !== 123 /* { */) return out;
  let depth = 0;
  let last: string | undefined; // the latest whole string at the top level: a key, once a ':' follows it
  let key: string | undefined; // a key whose value comes next
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 /* \ */ ? 2 : 1;
      if (j >= text.length) break;
      if (depth === 1) {
        const s = parseJson(text.slice(i, j + 1));
        if (key === undefined) last = s as string;
        else {
          out[key] = s;
          key = undefined;
        }
      }
      i = j + 1;
      continue;
    }
    if (depth === 1 && key !== undefined && isNumberStart(c)) {
      let j = i;
      while (j < text.length && !',}] \n\r\t'.includes(text[j])) j++;
      // a number running into the end of the preview may have lost digits
      if (j >= text.length) break;
      const v = parseJson(text.slice(i, j));
      if (v !== undefined) out[key] = v;
      key = undefined;
      i = j;
      continue;
    }
    if (c === 58 /* : */ && depth === 1 && last !== undefined) {
      key = last;
      out[key] = undefined;
      last = undefined;
    } else if (c === 123 || c === 91 /* [ */) {
      depth++;
      key = undefined;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
    i++;
  }
  return out;
}

/** obj[key] = value for a key the page chose: `__proto__` or `constructor` must be plain data, not the prototype */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
