import { describe, expect, it } from 'vitest';
import { stepPath } from '../../panel/lib/stepChart';

describe('the bufferedAmount chart', () => {
  it('holds each sample until the next one, then steps to its value', () => {
    // 100 px wide (98 inside), 26 px high: y = 24 - amount / max * 20
    const { d, max } = stepPath(
      [
        { time: 0, amount: 0 },
        { time: 10, amount: 1000 },
        { time: 60, amount: 500 },
        { time: 100, amount: 0 },
      ],
      100,
      26,
    );
    expect(max).toBe(1000);
    // level at 0 until t=10, up to 1000; level until t=60, down to 500; level until t=100, down to 0: no diagonal
    expect(d).toBe('M1.0,24.0H10.8V4.0H59.8V14.0H99.0V24.0');
    expect(d).not.toMatch(/L/);
  });
  it('draws nothing for no sample, and one level point for one', () => {
    expect(stepPath([], 100, 26).d).toBe('');
    expect(stepPath([{ time: 5, amount: 7 }], 100, 26).d).toBe('M1.0,4.0');
  });
});
