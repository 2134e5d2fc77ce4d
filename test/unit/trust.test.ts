/**
 * The page-side pieces the trust rules rest on, against a page that tampers with its realm after the hook loaded:
 * prototype accessors, species constructors, typed-array getters. Each tamper is undone after its test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bare, clean, nullArray } from '../../src/page/natives';
import { bytesToBase64, copyBinary, encodePayload, snapshot } from '../../src/page/encode';

const undo: (() => void)[] = [];
function restore(): void {
  while (undo.length) undo.pop()!();
}
// (each test also restores before asserting: vitest itself runs in this realm)
afterEach(restore);
/** Define a property as a page would, and remember how to take it back. */
function plant(target: object, key: PropertyKey, desc: PropertyDescriptor): void {
  const before = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, { configurable: true, ...desc });
  undo.push(() => (before ? Object.defineProperty(target, key, before) : delete (target as Record<PropertyKey, unknown>)[key]));
}
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;

describe('what a page cannot reach', () => {
  it('records and arrays never consult Object.prototype or Array.prototype', () => {
    let seen = 0;
    for (const k of ['sid', 'kind', 'payload', 'url']) plant(Object.prototype, k, { get: () => (seen++, 'evil'), set: () => seen++ });
    plant(Array.prototype, '0', { get: () => (seen++, 'evil'), set: () => seen++ });
    const e = bare();
    e.kind = 'message';
    e.sid = 3;
    const record = [e.kind, e.sid, e.url, e.payload];
    const a = nullArray<number>(4);
    a[0] = 1;
    const array = [a[0], a[1]];
    restore();
    expect(record).toEqual(['message', 3, undefined, undefined]);
    expect(array).toEqual([1, undefined]);
    expect(seen).toBe(0);
  });

  it("a command copied by clean() has no prototype at any depth, and reads nothing of the page's", () => {
    const msg = JSON.parse('{"cmd":"rules","rules":[{"id":"r","match":{"type":"any"}}],"payload":{"type":"text","data":"x"}}');
    let seen = 0;
    for (const k of ['reqId', 'code', 'enabled', 'url']) plant(Object.prototype, k, { get: () => (seen++, 4000) });
    type Clean = { reqId?: unknown; code?: unknown; payload: { data: string }; rules: { url?: unknown; match: object }[] };
    const c = clean(msg) as Clean;
    const read = [c.reqId, c.code, c.rules[0].url, c.payload.data];
    restore();
    expect(Object.getPrototypeOf(c)).toBe(null);
    expect(Object.getPrototypeOf(c.rules)).toBe(null);
    expect(Object.getPrototypeOf(c.rules[0].match)).toBe(null);
    expect(read).toEqual([undefined, undefined, undefined, 'x']);
    expect(seen).toBe(0);
  });

  it("copies bytes without the page's species constructors or typed-array getters", () => {
    let seen = 0;
    const view = new Uint8Array(new Uint8Array([0, 1, 2, 3, 4, 5]).buffer, 2, 3);
    plant(ArrayBuffer.prototype, 'constructor', { get: () => (seen++, ArrayBuffer) });
    plant(ArrayBuffer, Symbol.species, { get: () => (seen++, ArrayBuffer) });
    plant(Uint8Array.prototype, 'constructor', { get: () => (seen++, Uint8Array) });
    for (const k of ['buffer', 'byteOffset', 'byteLength', 'length']) plant(TypedArrayPrototype, k, { get: () => (seen++, 0) });
    const copy = copyBinary(view)!;
    const p = encodePayload(copy, true);
    const b64 = bytesToBase64(new Uint8Array([104, 105]));
    restore();
    expect([...new Uint8Array(copy)]).toEqual([2, 3, 4]);
    expect([p.type, p.data, p.size]).toEqual(['binary', Buffer.from([2, 3, 4]).toString('base64'), 3]);
    expect(b64).toBe('aGk=');
    expect(seen).toBe(0);
  });

  it("keeps what was sent, not the page's buffer: a rewrite or a transfer after send changes nothing", () => {
    const bytes = new Uint8Array([7, 8, 9]);
    const kept = snapshot(bytes) as ArrayBuffer;
    bytes.fill(0);
    structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
    expect(bytes.buffer.byteLength).toBe(0); // detached
    expect([...new Uint8Array(kept)]).toEqual([7, 8, 9]);
  });

  it('a string sent is what the wire carries: a USVString (lone surrogates become U+FFFD)', () => {
    expect(snapshot('a\ud800b')).toBe('a\ufffdb');
    expect(snapshot('ok😀')).toBe('ok😀');
  });
});
