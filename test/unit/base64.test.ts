import { describe, expect, it } from 'vitest';
import { base64ByteLength, base64ToBytes, bytesToBase64, isBase64 } from '../../panel/lib/base64';

describe('panel base64', () => {
  it('round-trips every byte value, as Node encodes them', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const b64 = bytesToBase64(bytes);
    expect(b64).toBe(Buffer.from(bytes).toString('base64'));
    expect(base64ToBytes(b64)).toEqual(bytes);
    expect(bytesToBase64(new Uint8Array(0))).toBe('');
    expect(base64ToBytes('')).toEqual(new Uint8Array(0));
  });

  it('encodes payloads far past one String.fromCharCode call without overflowing the stack', () => {
    // 4 MB and an odd tail: many chunks, the last one short (compared as Buffers: toEqual walks a typed array slowly)
    const bytes = new Uint8Array(4 * 1024 * 1024 + 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 9)) & 255;
    const b64 = bytesToBase64(bytes);
    expect(b64 === Buffer.from(bytes).toString('base64')).toBe(true);
    expect(Buffer.from(base64ToBytes(b64)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('encodes a view, not the whole buffer behind it', () => {
    const view = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
    expect(bytesToBase64(view)).toBe('AQID');
  });

  it('decoding throws on what is not base64', () => {
    expect(() => base64ToBytes('!!')).toThrow();
  });

  it('isBase64: the alphabet, optional padding, never 4n + 1 characters, no white space', () => {
    for (const ok of ['', 'AA', 'AAA', 'AAAA', 'AA==', 'AAA=', 'SGVsbG8', '+/+/']) expect(isBase64(ok)).toBe(true);
    for (const bad of ['A', 'AAAAA', 'A===', 'AA=A', 'SG Vs', '-_-_', 'AA\n']) expect(isBase64(bad)).toBe(false);
  });

  it('base64ByteLength counts the bytes without decoding', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 100]) {
      const b64 = Buffer.alloc(n, 7).toString('base64');
      expect(base64ByteLength(b64)).toBe(n);
      expect(base64ByteLength(b64.replace(/=+$/, ''))).toBe(n);
    }
  });
});
