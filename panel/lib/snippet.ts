/** The detail pane's "copy as code". Pure and browser-free. */
import type { Payload } from '../../src/shared/protocol';
import { base64ToBytes, bytesToBase64 } from './base64';

/** Bytes up to this many go out as an array literal a developer can read and edit; more as base64. */
const ARRAY_LITERAL_MAX = 64;

/** A `socket.send(...)` line to paste into the console, where `socket` is the developer's WebSocket. */
export function sendSnippet(payload: Payload): string {
  const note = payload.truncated ? ` // only the first part was captured (${payload.size} ${payload.type === 'text' ? 'characters' : 'bytes'} in all)` : '';
  if (payload.type === 'text') return `socket.send(${jsString(payload.data)});${note}`;
  const bytes = bytesExpression(payload.data);
  return `socket.send(${payload.type === 'blob' ? `new Blob([${bytes}])` : bytes});${note}`;
}

function bytesExpression(b64: string): string {
  const bytes = base64ToBytes(b64);
  if (bytes.length <= ARRAY_LITERAL_MAX) return `new Uint8Array([${bytes.join(', ')}])`;
  // re-encode: the payload's base64 could carry whitespace atob tolerates, which would not survive in a literal
  return `Uint8Array.from(atob('${bytesToBase64(bytes)}'), (c) => c.charCodeAt(0))`;
}

/**
 * A JS string literal for any text. JSON.stringify escapes quotes, backslashes, control characters and (since
 * ES2019) lone surrogates; on top of that: U+2028/U+2029, which older engines took as line ends, and "<", so
 * "</script>" cannot end a script element the snippet is pasted into.
 */
function jsString(s: string): string {
  return JSON.stringify(s).replace(/[\u2028\u2029<]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
