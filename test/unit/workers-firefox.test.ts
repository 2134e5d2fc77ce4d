// Where the Firefox background writes the worker hook into a worker's script (src/background/workers-firefox.ts):
// at the very start, but after a BOM, a `#!` line and the directive prologue, so `'use strict'` keeps its meaning.
import { describe, expect, it, vi } from 'vitest';

vi.mock('webextension-polyfill', () => ({ default: {} }));
const { hookOffset } = await import('../../src/background/workers-firefox');

describe('hookOffset', () => {
  it('is 0 for a script that starts with code', () => {
    expect(hookOffset('const a = 1;')).toBe(0);
    expect(hookOffset('// a comment\nconst a = 1;')).toBe(0);
    expect(hookOffset('"not a directive" + 1;')).toBe(0);
  });
  it('goes after the directive prologue', () => {
    const src = "'use strict';\nconst a = 1;";
    expect(src.slice(hookOffset(src))).toBe('\nconst a = 1;');
    const two = `// head\n"use strict"\n'use asm';  x();`;
    expect(two.slice(hookOffset(two))).toBe('  x();');
  });
  it('goes after a BOM and a #! line', () => {
    expect(hookOffset('\ufeffx()')).toBe(1);
    const bang = '#!/usr/bin/env node\nx()';
    expect(bang.slice(hookOffset(bang))).toBe('x()');
  });
});
