/**
 * Composer input -> a frame to send, with the kind of message a developer can act on. Pure, unit-tested.
 */
import type { OutgoingPayload } from '../../src/shared/protocol';
import { base64ToBytes, bytesToBase64, isBase64 } from './base64';

export type ComposerMode = 'text' | 'json' | 'hex' | 'base64';

export type Parsed = { ok: true; payload: OutgoingPayload; bytes: number } | { ok: false; error: string; position?: number };

/** Where JSON.parse gave up, from either engine's message: V8 says "position N", SpiderMonkey "line L column C". */
export function jsonErrorPosition(text: string, message: string): number | undefined {
  const pos = /position (\d+)/.exec(message);
  if (pos) return Number(pos[1]);
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) {
    const [line, col] = [Number(lc[1]), Number(lc[2])];
    let offset = 0;
    for (let l = 1; l < line; l++) offset = text.indexOf('\n', offset) + 1;
    return offset + col - 1;
  }
  return undefined;
}

export function lineColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return { line, column: position - before.lastIndexOf('\n') };
}

/**
 * Offset of the first syntax error in `text`, found by a small JSON scanner: engines disagree on whether their
 * messages carry a position at all (recent V8 often says only "Unexpected token"), and the composer must show it.
 */
export function findJsonError(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (word: string) => (text.startsWith(word, i) ? (i += word.length) : fail());
  const str = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') return str();
    if (c === 't') return void lit('true');
    if (c === 'f') return void lit('false');
    if (c === 'n') return void lit('null');
    if (c === '-' || (c >= '0' && c <= '9')) return num();
    fail();
  };
  try {
    value();
    ws();
    return i < text.length ? i : undefined;
  } catch (at) {
    return typeof at === 'number' ? at : undefined;
  }
}

export function checkJson(text: string): { ok: true; value: unknown } | { ok: false; error: string; position?: number } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const message = (e as Error).message;
    const position = findJsonError(text) ?? jsonErrorPosition(text, message);
    if (position === undefined) return { ok: false, error: `Invalid JSON: ${message}` };
    const { line, column } = lineColumn(text, position);
    const near = text.slice(position, position + 12).split('\n')[0];
    return { ok: false, error: `Invalid JSON at line ${line}, column ${column}${near ? ` near "${near}"` : ' (unexpected end)'}`, position };
  }
}

export function hexToBytes(text: string): Uint8Array | { error: string } {
  const clean = text.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  const bad = /[^0-9a-f]/i.exec(clean);
  if (bad) return { error: `Not hex: "${bad[0]}" (use 0-9 and a-f, spaces allowed)` };
  if (clean.length % 2) return { error: `Hex needs an even number of digits (got ${clean.length})` };
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function parseComposer(mode: ComposerMode, text: string): Parsed {
  switch (mode) {
    case 'text':
      return { ok: true, payload: { type: 'text', data: text }, bytes: new TextEncoder().encode(text).length };
    case 'json': {
      if (!text.trim()) return { ok: false, error: 'Type a JSON value to send.' };
      const r = checkJson(text);
      if (!r.ok) return r;
      return { ok: true, payload: { type: 'text', data: text }, bytes: new TextEncoder().encode(text).length };
    }
    case 'hex': {
      const b = hexToBytes(text);
      if ('error' in b) return { ok: false, error: b.error };
      return { ok: true, payload: { type: 'binary', data: bytesToBase64(b) }, bytes: b.length };
    }
    case 'base64': {
      const clean = text.replace(/\s/g, '');
      if (!isBase64(clean)) return { ok: false, error: 'Not base64: use A-Z, a-z, 0-9, + and /, with = padding.' };
      try {
        const b = base64ToBytes(clean);
        return { ok: true, payload: { type: 'binary', data: clean.length % 4 ? bytesToBase64(b) : clean }, bytes: b.length };
      } catch {
        return { ok: false, error: 'Not valid base64.' };
      }
    }
  }
}

export function prettyJson(text: string): string | undefined {
  const r = checkJson(text);
  return r.ok ? JSON.stringify(r.value, null, 2) : undefined;
}

export function minifyJson(text: string): string | undefined {
  const r = checkJson(text);
  return r.ok ? JSON.stringify(r.value) : undefined;
}

/** The browser's own rules for close(): 1000 or 3000-4999, reason at most 123 bytes of UTF-8. */
export function validateClose(codeText: string, reason: string): { ok: true; code?: number } | { ok: false; error: string } {
  const t = codeText.trim();
  const bytes = new TextEncoder().encode(reason).length;
  if (bytes > 123) return { ok: false, error: `Close reason is ${bytes} bytes of UTF-8; the limit is 123.` };
  if (!t) return reason ? { ok: true, code: 1000 } : { ok: true };
  if (!/^\d+$/.test(t)) return { ok: false, error: `Close code must be a number (got "${t}").` };
  const code = Number(t);
  if (code !== 1000 && (code < 3000 || code > 4999)) return { ok: false, error: `Close code must be 1000 or 3000-4999 (got ${code}).` };
  return { ok: true, code };
}
