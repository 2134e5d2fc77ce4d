// The log's rows in columns (panel/store/rows.ts): a handle reads back exactly what was appended, across chunk
// boundaries, trimming and renumbering; a trimmed or dropped handle never reads another row's fields; a detached one
// keeps its own.
import { describe, expect, it } from 'vitest';
import { createRowStore, RETIRED_ID, type RowInit } from '../../panel/store/rows';
import { previewOf } from '../../panel/store/log';
import type { Payload } from '../../src/shared/protocol';

const text = (data: string, truncated = false, size = data.length): Payload => ({ type: 'text', data, size, truncated });
const at = (i: number, extra: Partial<RowInit> = {}): RowInit => ({
  socketKey: `d#${i % 3}`,
  docId: 'd',
  frameId: i % 2,
  seq: i,
  time: 1_700_000_000_000.25 + i,
  mono: i * 1.5,
  direction: i % 2 ? 'received' : 'sent',
  kind: 'text',
  preview: '',
  payload: text(`m${i}`),
  ...extra,
});

describe('the row store', () => {
  it('reads back every field it was given, over several chunks', () => {
    const rows = createRowStore(previewOf);
    const handles = Array.from({ length: 20_000 }, (_, i) => rows.append(at(i, i % 7 === 0 ? { bufferedAmount: i } : {})));
    expect(rows.length).toBe(20_000);
    for (const i of [0, 1, 8191, 8192, 8193, 16_384, 19_999]) {
      const f = handles[i];
      expect(f.id).toBe(i);
      expect([f.socketKey, f.docId, f.frameId, f.seq, f.time, f.mono, f.direction, f.kind]).toEqual([`d#${i % 3}`, 'd', i % 2, i, 1_700_000_000_000.25 + i, i * 1.5, i % 2 ? 'received' : 'sent', 'text']);
      expect(f.payload).toEqual(text(`m${i}`));
      expect(f.preview).toBe(`m${i}`);
      expect(f.bufferedAmount).toBe(i % 7 === 0 ? i : undefined);
      expect([f.decoded, f.handler, f.handlerMs]).toEqual([undefined, undefined, undefined]);
    }
  });

  it("reads a row's time from its socket's clock and its mono, and keeps the times that are not that sum", () => {
    const rows = createRowStore(previewOf);
    const origin = 1_764_806_400_123.4567;
    const monos = [12.3, 1500.0001, 99_999.87654, 3_600_000.1];
    // as the hook stamps them: its document's timeOrigin plus mono
    const stamped = monos.map((mono, i) => rows.append(at(i, { socketKey: 'd#1', frameId: 0, mono, time: origin + mono })));
    expect(rows.timesKept).toBe(0);
    expect(stamped.map((f) => f.time)).toEqual(monos.map((m) => origin + m));
    // an imported file's times, or a clock that moved: kept as they are
    const odd = rows.append(at(9, { socketKey: 'd#1', frameId: 0, mono: 20, time: origin + 5000 }));
    expect([odd.time, rows.timesKept]).toEqual([origin + 5000, 1]);
    // a seq that is no int32 is kept whole too
    const big = rows.append(at(10, { seq: 2 ** 40 + 0.5 }));
    expect([big.seq, stamped[3].seq]).toEqual([2 ** 40 + 0.5, 3]);
  });

  it('keeps a payload that is not a whole text as it came, and an event row its text', () => {
    const rows = createRowStore(previewOf);
    const cut = rows.append(at(0, { payload: text('x'.repeat(500), true, 90_000) }));
    const bin = rows.append(at(1, { kind: 'binary', payload: { type: 'binary', data: 'AAEC', size: 3, truncated: false } }));
    const multiline = rows.append(at(2, { payload: text('a\nb') }));
    const ev = rows.append(at(3, { direction: 'event', kind: 'event', preview: 'close 1000', payload: undefined }));
    expect(cut.payload).toEqual(text('x'.repeat(500), true, 90_000));
    expect(cut.preview).toBe('x'.repeat(300));
    expect(bin.payload).toEqual({ type: 'binary', data: 'AAEC', size: 3, truncated: false });
    expect(bin.preview).toBe('Binary, 3 bytes');
    expect(multiline.preview).toBe('a b');
    expect([ev.direction, ev.kind, ev.preview, ev.payload]).toEqual(['event', 'event', 'close 1000', undefined]);
    // a fetched payload replaces the preview's; an event row has none to replace
    cut.payload = text('y'.repeat(90_000));
    expect(cut.payload).toEqual(text('y'.repeat(90_000)));
    ev.payload = text('nope');
    expect(ev.payload).toBeUndefined();
  });

  it('sets the fields few rows have, and keeps the rare ones on the handle', () => {
    const rows = createRowStore(previewOf);
    const f = rows.append(at(0));
    f.decoded = { protocol: 'json', summary: 's', fields: {}, search: '' };
    f.handler = 'onmessage';
    f.handlerMs = 0.25;
    f.label = 'x';
    expect([f.decoded?.summary, f.handler, f.handlerMs, f.label]).toEqual(['s', 'onmessage', 0.25, 'x']);
    f.handlerMs = undefined;
    f.decoded = undefined;
    expect([f.decoded, f.handlerMs]).toEqual([undefined, undefined]);
    expect(JSON.parse(JSON.stringify(f))).toMatchObject({ id: 0, seq: 0, direction: 'sent', preview: 'm0', handler: 'onmessage', label: 'x', payload: text('m0') });
  });

  it('trims whole chunks away; a trimmed handle reads as empty, never as another row', () => {
    const rows = createRowStore(previewOf);
    const handles = Array.from({ length: 20_000 }, (_, i) => rows.append(at(i)));
    rows.trimFront(9_000);
    expect([rows.base, rows.length]).toEqual([9_000, 11_000]);
    expect([handles[8_999].seq, handles[8_999].payload, handles[0].socketKey]).toEqual([undefined, undefined, undefined]);
    expect(handles[9_000].payload).toEqual(text('m9000'));
    const next = rows.append(at(20_000));
    expect([next.id, next.seq, handles[19_999].seq]).toEqual([20_000, 20_000, 19_999]);
  });

  it('detaches a handle so it outlives its row', () => {
    const rows = createRowStore(previewOf);
    const held = rows.append(at(0, { payload: text('held') }));
    held.handler = 'h';
    rows.detach(held);
    rows.reset(1);
    rows.append(at(1));
    expect([held.id, held.seq, held.preview, held.handler, held.payload]).toEqual([0, 0, 'held', 'h', text('held')]);
    held.outcome = 'forwarded';
    expect(held.outcome).toBe('forwarded');
  });

  it('keeps some rows renumbered, and the dropped ones read as empty, never as a renumbered row', () => {
    const rows = createRowStore(previewOf);
    const handles = Array.from({ length: 10 }, (_, i) => rows.append(at(i)));
    handles[4].decoded = { protocol: 'json', summary: 'four', fields: {}, search: '' };
    const keep = handles.filter((_, i) => i % 2 === 0);
    const dropped = handles.filter((_, i) => i % 2 === 1);
    rows.keepOnly(keep, dropped, 5);
    expect(keep.map((f) => [f.id, f.seq])).toEqual([
      [5, 0],
      [6, 2],
      [7, 4],
      [8, 6],
      [9, 8],
    ]);
    expect(keep[2].decoded?.summary).toBe('four');
    // dropped[0] was id 1; ids 5-9 now name the kept rows, and no dropped handle reads one of them
    expect(dropped.map((f) => [f.id, f.seq, f.preview, f.direction])).toEqual(dropped.map(() => [RETIRED_ID, undefined, undefined, undefined]));
    // one that was detached before (a held row trimmed earlier) keeps its own copy
    const more = Array.from({ length: 3 }, (_, i) => rows.append(at(20 + i)));
    rows.detach(more[1]);
    rows.keepOnly([more[0]], [more[1], more[2]], 0);
    expect([more[1].seq, more[2].seq, more[0].seq, more[0].id]).toEqual([21, undefined, 20, 0]);
  });
});
