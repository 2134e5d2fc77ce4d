import { describe, expect, it } from 'vitest';
import { Ring } from '../../src/page/ring';

describe('page ring', () => {
  it('keeps the newest entries by count and reports evictions', () => {
    const ring = new Ring(3, 1e9);
    const evicted: number[] = [];
    ring.onEvict = (seq) => evicted.push(seq);
    for (let i = 0; i < 5; i++) ring.push({ n: i });
    expect(ring.first).toBe(2);
    expect(ring.next).toBe(5);
    expect(evicted).toEqual([0, 1]);
    expect(ring.slot(1)).toBe(-1);
    expect(ring.events[ring.slot(4)]).toEqual({ n: 4, seq: 4 });
  });

  it('bounds the payload bytes it keeps alive but always keeps the newest entry', () => {
    const ring = new Ring(100, 10);
    ring.push({}, 'aaaa', 4);
    ring.push({}, 'bbbb', 4);
    ring.push({}, 'cccc', 4); // 12 > 10: the oldest goes
    expect(ring.first).toBe(1);
    ring.push({}, 'x'.repeat(50), 50); // bigger than the budget alone: kept, everything else goes
    expect(ring.first).toBe(3);
    expect(ring.raws[ring.slot(3)]).toHaveLength(50);
  });
});
