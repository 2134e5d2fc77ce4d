import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, encodePayload, rawSize, snapshot, toJson, utf8Length } from '../../src/page/encode';
import { BINARY_PREVIEW_BYTES, TEXT_PREVIEW_CHARS } from '../../src/shared/protocol';

describe('payload encoding (page side)', () => {
  it('keeps text exact: emoji, lone surrogates, NUL', () => {
    const s = 'a\u0000b😀\ud800c';
    const p = encodePayload(s, true);
    expect(p).toEqual({ type: 'text', data: s, size: s.length, truncated: false });
  });

  it('cuts long text to a preview and records the full size', () => {
    const s = 'x'.repeat(TEXT_PREVIEW_CHARS + 10);
    const p = encodePayload(s, true);
    expect(p.truncated).toBe(true);
    expect(p.data.length).toBe(TEXT_PREVIEW_CHARS);
    expect(p.size).toBe(s.length);
    expect(encodePayload(s, false).data).toBe(s);
  });

  it('encodes bytes as base64 and round-trips every byte value', () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    const p = encodePayload(bytes.buffer, true);
    expect(p.type).toBe('binary');
    expect(p.size).toBe(256);
    expect([...base64ToBytes(p.data)]).toEqual([...bytes]);
    expect(bytesToBase64(new Uint8Array([104, 105]))).toBe('aGk=');
  });

  it('cuts big binary to a preview', () => {
    const buf = new Uint8Array(BINARY_PREVIEW_BYTES * 3).buffer;
    const p = encodePayload(buf, true);
    expect(p.truncated).toBe(true);
    expect(base64ToBytes(p.data).length).toBe(BINARY_PREVIEW_BYTES);
    expect(p.size).toBe(BINARY_PREVIEW_BYTES * 3);
  });

  it('snapshots views and buffers, because pages reuse them after send()', () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5]);
    const view = new DataView(backing.buffer, 1, 3);
    const snap = snapshot(view) as ArrayBuffer;
    backing[2] = 99;
    expect([...new Uint8Array(snap)]).toEqual([2, 3, 4]);
    expect(snapshot(42)).toBe('42');
    expect(rawSize(snapshot(new Uint16Array(4)))).toBe(8);
  });

  it('blobs wait for their bytes', () => {
    const blob = new Blob([new Uint8Array([1, 2, 3])]);
    expect(encodePayload(blob, true)).toEqual({ type: 'blob', data: '', size: 3, truncated: true });
    expect(encodePayload(blob, true, new Uint8Array([1, 2, 3]))).toEqual({ type: 'blob', data: 'AQID', size: 3, truncated: false });
  });

  it('measures close reasons in UTF-8 bytes', () => {
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('😀')).toBe(4);
  });

  it('serialises by hand what holds arrays, immune to a page-defined toJSON', () => {
    const proto = Array.prototype as unknown as { toJSON?: () => string };
    const objProto = Object.prototype as unknown as { toJSON?: () => string };
    proto.toJSON = () => 'hijacked';
    objProto.toJSON = () => 'hijacked';
    try {
      const ev = { kind: 'created', protocols: ['a', 'b'], url: 'ws://x/"q"', skip: undefined };
      expect(JSON.parse(toJson(ev))).toEqual({ kind: 'created', protocols: ['a', 'b'], url: 'ws://x/"q"' });
    } finally {
      delete proto.toJSON;
      delete objProto.toJSON;
    }
  });
});
